package domain_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestValidCPF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		// 529.982.247-25: first check digit: 5·10+2·9+9·8+9·7+8·6+2·5+2·4+4·3+7·2 = 295,
		// 295 mod 11 = 9, 11-9 = 2; second: 5·11+2·10+9·9+9·8+8·7+2·6+2·5+4·4+7·3+2·2 = 347,
		// 347 mod 11 = 6, 11-6 = 5.
		{"529.982.247-25", "52998224725", true},
		{"52998224725", "52998224725", true},
		{" 529 982 247 25 ", "52998224725", true},
		// 123.456.789-09: 1·10+2·9+...+9·2 = 210, 210 mod 11 = 1, 11-1 = 10 -> 0 (a check
		// digit of 10 or 11 is 0); 1·11+2·10+...+9·3+0·2 = 255, 255 mod 11 = 2, 11-2 = 9.
		{"123.456.789-09", "12345678909", true},
		// 111.444.777-35: 162 mod 11 = 8 -> 3; 204 mod 11 = 6 -> 5.
		{"111.444.777-35", "11144477735", true},

		{"529.982.247-24", "", false}, // second check digit wrong
		{"529.982.247-15", "", false}, // first check digit wrong
		{"123.456.789-90", "", false}, // check digits swapped
		{"000.000.000-00", "", false}, // all the same: passes the check digits, no one's CPF
		{"111.111.111-11", "", false},
		{"99999999999", "", false},
		{"5299822472", "", false},   // 10 digits
		{"529982247250", "", false}, // 12 digits
		{"529.982.247-25a", "", false},
		{"529/982/247-25", "", false},
		{"", "", false},
		{"CPF 52998224725", "", false},
	} {
		got, ok := domain.ValidCPF(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ValidCPF(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestValidCPFOrCNPJ(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"529.982.247-25", "52998224725", true},
		{" 52998224725 ", "52998224725", true},
		// 11.222.333/0001-81: 1·5+1·4+2·3+2·2+2·9+3·8+3·7+3·6+0·5+0·4+0·3+1·2 = 102,
		// 102 mod 11 = 3, 11-3 = 8; then with the 8 and the weights from 6: 120 mod 11 = 10 -> 1.
		{"11.222.333/0001-81", "11222333000181", true},
		{"11222333000181", "11222333000181", true},
		{"11.222.333/0001-80", "", false}, // second check digit wrong
		{"11.222.333/0001-71", "", false}, // first check digit wrong
		{"00.000.000/0000-00", "", false}, // one digit repeated
		{"529 982 247 25", "", false},     // spaces are not this field's punctuation
		{"529.982.247-24", "", false},
		{"1122233300018", "", false},   // 13 digits
		{"112223330001810", "", false}, // 15 digits
		{"11.222.333/0001-8x", "", false},
		{"", "", false},
	} {
		got, ok := domain.ValidCPFOrCNPJ(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ValidCPFOrCNPJ(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
