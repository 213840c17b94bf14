package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

// assertCode fails the test unless err carries the domain error code want.
func assertCode(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want code %q", want)
	}
	if got := domain.ErrorCode(err); got != want {
		t.Fatalf("ErrorCode(%v) = %q, want %q", err, got, want)
	}
}

// checkInvalidFields fails the test unless err names exactly the fields want, in that order:
// an EINVALID error whose message starts with the first field, or nil when want is empty.
func checkInvalidFields(t *testing.T, err error, want ...string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("error = %v, want nil", err)
		}
		return
	}
	assertCode(t, err, domain.EINVALID)
	var got []string
	for _, f := range domain.FieldsOf(err) {
		got = append(got, f.Field)
		if f.Message == "" {
			t.Errorf("field %q has no message", f.Field)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("fields = %q, want %q\n(error: %v)", got, want, domain.FieldsOf(err))
	}
	if msg := domain.ErrorMessage(err); !strings.HasPrefix(msg, want[0]+": ") {
		t.Errorf("message %q does not start with %q", msg, want[0]+": ")
	}
}

func TestParseWhatsAppAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "canonical brazil mobile", in: "whatsapp:+5511987654321", want: "whatsapp:+5511987654321"},
		{name: "canonical us", in: "whatsapp:+14155238886", want: "whatsapp:+14155238886"},
		{name: "shortest e164 (8 digits)", in: "whatsapp:+12345678", want: "whatsapp:+12345678"},
		{name: "longest e164 (15 digits)", in: "whatsapp:+123456789012345", want: "whatsapp:+123456789012345"},
		{name: "upper-case prefix lowered", in: "WHATSAPP:+5511987654321", want: "whatsapp:+5511987654321"},
		{name: "mixed-case prefix lowered", in: "WhatsApp:+5511987654321", want: "whatsapp:+5511987654321"},
		{name: "surrounding spaces trimmed", in: "  whatsapp:+5511987654321 ", want: "whatsapp:+5511987654321"},
		{name: "surrounding tabs and newline trimmed", in: "\twhatsapp:+5511987654321\n", want: "whatsapp:+5511987654321"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.ParseWhatsAppAddress(tt.in)
			if err != nil {
				t.Fatalf("ParseWhatsAppAddress(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseWhatsAppAddress(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseWhatsAppAddressRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		// secret is a part of the input that must not appear in the error message.
		secret string
	}{
		{name: "empty", in: ""},
		{name: "only spaces", in: "   "},
		{name: "prefix only", in: "whatsapp:"},
		{name: "bare e164", in: "+5511987654321", secret: "5511987654321"},
		{name: "bare digits", in: "5511987654321", secret: "5511987654321"},
		{name: "other channel", in: "sms:+5511987654321", secret: "5511987654321"},
		{name: "prefix without colon", in: "whatsapp+5511987654321", secret: "5511987654321"},
		{name: "missing plus", in: "whatsapp:5511987654321", secret: "5511987654321"},
		{name: "country code starts with 0", in: "whatsapp:+0511987654321", secret: "0511987654321"},
		{name: "too short (7 digits)", in: "whatsapp:+1234567"},
		{name: "too long (16 digits)", in: "whatsapp:+1234567890123456", secret: "1234567890123456"},
		{name: "letters", in: "whatsapp:+55119876abcd21", secret: "55119876abcd21"},
		{name: "inner spaces", in: "whatsapp:+55 11 98765 4321", secret: "55 11 98765 4321"},
		{name: "dashes", in: "whatsapp:+55-11-98765-4321", secret: "55-11-98765-4321"},
		{name: "space after prefix", in: "whatsapp: +5511987654321", secret: "5511987654321"},
		{name: "double plus", in: "whatsapp:++5511987654321", secret: "5511987654321"},
		{name: "arabic-indic digits", in: "whatsapp:+٥٥١١٩٨٧٦٥٤٣٢١"},
		{name: "full-width digits", in: "whatsapp:+５５１１９８７６５４３２１"},
		{name: "trailing garbage", in: "whatsapp:+5511987654321x", secret: "5511987654321"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.ParseWhatsAppAddress(tt.in)
			assertCode(t, err, domain.EINVALID)
			if got != "" {
				t.Errorf("ParseWhatsAppAddress(%q) = %q alongside an error, want \"\"", tt.in, got)
			}
			msg := domain.ErrorMessage(err)
			if msg == "" {
				t.Errorf("ParseWhatsAppAddress(%q) error has an empty message", tt.in)
			}
			if tt.secret != "" {
				for _, s := range []string{msg, err.Error()} {
					if strings.Contains(s, tt.secret) {
						t.Errorf("error %q reveals the number %q", s, tt.secret)
					}
				}
			}
		})
	}
}

func TestValidE164(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{in: "+5511987654321", want: true},
		{in: "+12345678", want: true},
		{in: "+123456789012345", want: true},
		{in: "+1234567", want: false},
		{in: "+1234567890123456", want: false},
		{in: "+0511987654321", want: false},
		{in: "5511987654321", want: false},
		{in: "+5511987654321\n", want: false},
		{in: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := domain.ValidE164(tt.in); got != tt.want {
				t.Errorf("ValidE164(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "whatsapp address", in: "whatsapp:+5511987654321", want: "whatsapp:+551******4321"},
		{name: "upper-case prefix kept", in: "WHATSAPP:+5511987654321", want: "WHATSAPP:+551******4321"},
		{name: "bare e164", in: "+5511987654321", want: "+551******4321"},
		{name: "bare digits", in: "5511987654321", want: "5511*****4321"},
		{name: "nine characters", in: "+12345678", want: "+123*5678"},
		{name: "eight characters fully masked", in: "12345678", want: "********"},
		{name: "short fully masked", in: "+5511", want: "*****"},
		{name: "short whatsapp fully masked", in: "whatsapp:+551198", want: "whatsapp:*******"},
		{name: "prefix only", in: "whatsapp:", want: "whatsapp:"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := domain.Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMaskRevealsAtMostEight checks, for every length of number, that the mask keeps the
// length and shows no more than the first 4 and last 4 characters of the number part.
func TestMaskRevealsAtMostEight(t *testing.T) {
	t.Parallel()
	const digits = "123456789012345678901234567890"
	for _, prefix := range []string{"", "whatsapp:", "WhatsApp:"} {
		for n := 0; n <= len(digits); n++ {
			num := digits[:n]
			got := domain.Mask(prefix + num)
			if !strings.HasPrefix(got, prefix) {
				t.Fatalf("Mask(%q) = %q lost the prefix", prefix+num, got)
			}
			masked := got[len(prefix):]
			if len(masked) != len(num) {
				t.Fatalf("Mask(%q) = %q changed the length of the number", prefix+num, got)
			}
			revealed := 0
			for i := range masked {
				if masked[i] == '*' {
					continue
				}
				revealed++
				if i >= 4 && i < len(masked)-4 {
					t.Errorf("Mask(%q) = %q reveals position %d", prefix+num, got, i)
				}
				if masked[i] != num[i] {
					t.Errorf("Mask(%q) = %q alters position %d", prefix+num, got, i)
				}
			}
			if revealed > 8 {
				t.Errorf("Mask(%q) = %q reveals %d characters", prefix+num, got, revealed)
			}
			if n > 8 && masked == num {
				t.Errorf("Mask(%q) returned the number unchanged", prefix+num)
			}
			if n <= 8 && revealed != 0 {
				t.Errorf("Mask(%q) = %q, want a short number fully masked", prefix+num, got)
			}
		}
	}
}

func TestParseLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    domain.Language
		wantErr bool
	}{
		{in: "pt-BR", want: domain.PtBR},
		{in: "pt-br", want: domain.PtBR},
		{in: "PT-BR", want: domain.PtBR},
		{in: "pt_BR", want: domain.PtBR},
		{in: " pt-BR ", want: domain.PtBR},
		{in: "en-US", want: domain.EnUS},
		{in: "en_us", want: domain.EnUS},
		{in: "EN-us", want: domain.EnUS},
		{in: "", wantErr: true},
		{in: "pt", wantErr: true},
		{in: "en", wantErr: true},
		{in: "pt-PT", wantErr: true},
		{in: "es-ES", wantErr: true},
		{in: "ptBR", wantErr: true},
		{in: "pt--BR", wantErr: true},
		{in: "português", wantErr: true},
	}
	for _, tt := range tests {
		t.Run("in="+tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := domain.ParseLanguage(tt.in)
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				if got != "" {
					t.Errorf("ParseLanguage(%q) = %q alongside an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLanguage(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseLanguage(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePaymentMethod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    domain.PaymentMethod
		wantErr bool
	}{
		{in: "PIX", want: domain.PaymentPIX},
		{in: "pix", want: domain.PaymentPIX},
		{in: " Pix ", want: domain.PaymentPIX},
		{in: "CREDIT", want: domain.PaymentCredit},
		{in: "credit", want: domain.PaymentCredit},
		{in: "DEBIT", want: domain.PaymentDebit},
		{in: "Debit", want: domain.PaymentDebit},
		{in: "", wantErr: true},
		{in: "CASH", wantErr: true},
		{in: "credit card", wantErr: true},
		{in: "CREDITO", wantErr: true},
		{in: "P I X", wantErr: true},
	}
	for _, tt := range tests {
		t.Run("in="+tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := domain.ParsePaymentMethod(tt.in)
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				if got != "" {
					t.Errorf("ParsePaymentMethod(%q) = %q alongside an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePaymentMethod(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePaymentMethod(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// longestDigitRun returns the longest run of ASCII digits in s.
func longestDigitRun(s string) string {
	best, start := "", -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > len(best) {
			best = s[start:i]
		}
		start = -1
	}
	return best
}

func FuzzParseWhatsAppAddress(f *testing.F) {
	for _, seed := range []string{
		"whatsapp:+5511987654321",
		"WhatsApp:+14155238886",
		"  whatsapp:+12345678  ",
		"+5511987654321",
		"whatsapp:+0511987654321",
		"whatsapp:+1234567890123456",
		"whatsapp:",
		"whatsapp:+55ab",
		"",
		"ſhatsapp:+5511987654321",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Mask on any input: a number part longer than 8 characters with something other
		// than '*' in its middle must come out changed.
		num := in
		if strings.HasPrefix(strings.ToLower(num), domain.WhatsAppPrefix) {
			num = num[len(domain.WhatsAppPrefix):]
		}
		if len(num) > 8 && strings.Trim(num[4:len(num)-4], "*") != "" {
			if m := domain.Mask(in); m == in {
				t.Fatalf("Mask(%q) returned it unchanged", in)
			}
		}

		got, err := domain.ParseWhatsAppAddress(in)
		if err != nil {
			if code := domain.ErrorCode(err); code != domain.EINVALID {
				t.Fatalf("ParseWhatsAppAddress(%q) error code = %q, want %q", in, code, domain.EINVALID)
			}
			// The message quotes the masked input: a long run of digits from the input
			// (a phone number) must not appear whole in it.
			if run := longestDigitRun(in); len(run) > 8 && strings.Contains(domain.ErrorMessage(err), run) {
				t.Fatalf("ParseWhatsAppAddress(%q) error %q reveals %q", in, domain.ErrorMessage(err), run)
			}
			return
		}
		if !strings.HasPrefix(got, "whatsapp:+") {
			t.Fatalf("ParseWhatsAppAddress(%q) = %q, want a whatsapp:+ address", in, got)
		}
		again, err := domain.ParseWhatsAppAddress(got)
		if err != nil {
			t.Fatalf("re-parsing %q (from %q) failed: %v", got, in, err)
		}
		if again != got {
			t.Fatalf("re-parsing %q = %q, want it unchanged", got, again)
		}
		// A valid address has at least 9 characters of number ("+" and 8 digits).
		if m := domain.Mask(got); m == got {
			t.Fatalf("Mask(%q) returned it unchanged", got)
		}
	})
}
