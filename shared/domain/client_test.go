package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

func validClient() domain.Client {
	return domain.Client{
		ClientID:          "demo-pizzaria",
		ClientName:        "Demo Pizzaria",
		TwilioPhoneNumber: "whatsapp:+14155238886",
		DefaultLanguage:   domain.PtBR,
		IsActive:          true,
	}
}

func TestClientValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		modify  func(*domain.Client)
		wantErr bool
		check   func(*testing.T, domain.Client)
	}{
		{name: "valid", modify: func(*domain.Client) {}},
		{
			name: "normalises number and language, trims name",
			modify: func(c *domain.Client) {
				c.TwilioPhoneNumber = " WhatsApp:+14155238886 "
				c.DefaultLanguage = "en_us"
				c.ClientName = "  Demo  "
			},
			check: func(t *testing.T, c domain.Client) {
				t.Helper()
				if c.TwilioPhoneNumber != "whatsapp:+14155238886" {
					t.Errorf("TwilioPhoneNumber = %q, want canonical", c.TwilioPhoneNumber)
				}
				if c.DefaultLanguage != domain.EnUS {
					t.Errorf("DefaultLanguage = %q, want %q", c.DefaultLanguage, domain.EnUS)
				}
				if c.ClientName != "Demo" {
					t.Errorf("ClientName = %q, want trimmed", c.ClientName)
				}
			},
		},
		{name: "name at max length", modify: func(c *domain.Client) { c.ClientName = strings.Repeat("n", domain.MaxName) }},
		{name: "welcome at max length", modify: func(c *domain.Client) { c.WelcomeMessage = strings.Repeat("w", domain.MaxWelcomeMessage) }},
		{name: "prompt at max length", modify: func(c *domain.Client) { c.AIPromptTemplate = strings.Repeat("p", domain.MaxPromptTemplate) }},
		{name: "empty id", modify: func(c *domain.Client) { c.ClientID = "" }, wantErr: true},
		{name: "upper-case id", modify: func(c *domain.Client) { c.ClientID = "Demo" }, wantErr: true},
		{name: "empty name", modify: func(c *domain.Client) { c.ClientName = "" }, wantErr: true},
		{name: "blank name", modify: func(c *domain.Client) { c.ClientName = "   " }, wantErr: true},
		{name: "name too long", modify: func(c *domain.Client) { c.ClientName = strings.Repeat("n", domain.MaxName+1) }, wantErr: true},
		{name: "bare number", modify: func(c *domain.Client) { c.TwilioPhoneNumber = "+14155238886" }, wantErr: true},
		{name: "empty number", modify: func(c *domain.Client) { c.TwilioPhoneNumber = "" }, wantErr: true},
		{name: "empty language", modify: func(c *domain.Client) { c.DefaultLanguage = "" }, wantErr: true},
		{name: "unsupported language", modify: func(c *domain.Client) { c.DefaultLanguage = "es-ES" }, wantErr: true},
		{name: "welcome too long", modify: func(c *domain.Client) { c.WelcomeMessage = strings.Repeat("w", domain.MaxWelcomeMessage+1) }, wantErr: true},
		{name: "prompt too long", modify: func(c *domain.Client) { c.AIPromptTemplate = strings.Repeat("p", domain.MaxPromptTemplate+1) }, wantErr: true},
		{name: "token budget at max", modify: func(c *domain.Client) { c.AIDailyTokenBudget = domain.MaxAIDailyTokenBudget }},
		{name: "negative token budget", modify: func(c *domain.Client) { c.AIDailyTokenBudget = -1 }, wantErr: true},
		{name: "token budget too large", modify: func(c *domain.Client) { c.AIDailyTokenBudget = domain.MaxAIDailyTokenBudget + 1 }, wantErr: true},
		{name: "text override at max length", modify: func(c *domain.Client) {
			c.Texts = map[string]map[domain.Language]string{"handoff": {domain.PtBR: strings.Repeat("t", domain.MaxTextOverride)}}
		}},
		{name: "text override too long", modify: func(c *domain.Client) {
			c.Texts = map[string]map[domain.Language]string{"handoff": {domain.PtBR: strings.Repeat("t", domain.MaxTextOverride+1)}}
		}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := validClient()
			tt.modify(&c)
			err := c.Validate()
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				return
			}
			if err != nil {
				t.Fatalf("Validate() error = %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestClientValidateMasksNumberInError(t *testing.T) {
	t.Parallel()
	c := validClient()
	c.TwilioPhoneNumber = "+5511987654321"
	err := c.Validate()
	assertCode(t, err, domain.EINVALID)
	msg := domain.ErrorMessage(err)
	if !strings.Contains(msg, "twilioPhoneNumber") {
		t.Errorf("message %q does not name the field", msg)
	}
	if strings.Contains(msg, "5511987654321") {
		t.Errorf("message %q reveals the number", msg)
	}
}

// Client.Validate bounds the text overrides' sizes (what they say is conversation's to check)
// and names the fields at fault.
func TestClientValidateTextSizes(t *testing.T) {
	t.Parallel()
	c := validClient()
	c.Texts = map[string]map[domain.Language]string{}
	for i := 0; i*domain.MaxTextOverride <= domain.MaxTextOverrides; i++ {
		c.Texts[fmt.Sprintf("text_%02d", i)] = map[domain.Language]string{domain.PtBR: strings.Repeat("t", domain.MaxTextOverride)}
	}
	c.Texts["handoff"] = map[domain.Language]string{domain.EnUS: strings.Repeat("é", domain.MaxTextOverride+1)}
	err := c.Validate()
	assertCode(t, err, domain.EINVALID)
	var fields []string
	for _, f := range domain.FieldsOf(err) {
		fields = append(fields, f.Field)
	}
	if want := []string{"texts", "texts.handoff.en-US"}; !slices.Equal(fields, want) {
		t.Errorf("fields %q, want %q", fields, want)
	}
}

// TokenBudget is the brand's own budget, or the default when it has none; a negative budget
// is refused naming aiDailyTokenBudget.
func TestClientTokenBudget(t *testing.T) {
	t.Parallel()
	var none *domain.Client
	for _, c := range []struct {
		client *domain.Client
		want   int64
	}{
		{none, domain.DefaultAIDailyTokenBudget},
		{&domain.Client{}, domain.DefaultAIDailyTokenBudget},
		{&domain.Client{AIDailyTokenBudget: -5}, domain.DefaultAIDailyTokenBudget},
		{&domain.Client{AIDailyTokenBudget: 50_000}, 50_000},
	} {
		if got := c.client.TokenBudget(); got != c.want {
			t.Errorf("TokenBudget(%+v) = %d, want %d", c.client, got, c.want)
		}
	}
	c := validClient()
	c.AIDailyTokenBudget = -1
	err := c.Validate()
	if f := domain.FieldsOf(err); domain.ErrorCode(err) != domain.EINVALID || len(f) != 1 || f[0].Field != "aiDailyTokenBudget" {
		t.Errorf("a negative budget: %v (fields %v), want EINVALID on aiDailyTokenBudget", err, f)
	}
}
