package admin

import (
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/secrets"
)

// TwilioIntegration is the body of PUT .../integrations/twilio: the account's credentials
// (written to the brand's secret, never returned) and the brand's WhatsApp number.
type TwilioIntegration struct {
	AccountSID  string `json:"accountSid"`
	AuthToken   string `json:"authToken"`
	PhoneNumber string `json:"phoneNumber"`
}

// AsaasIntegration is the body of PUT .../integrations/asaas.
type AsaasIntegration struct {
	APIKey       string `json:"apiKey"`
	WebhookToken string `json:"webhookToken"`
	Sandbox      bool   `json:"sandbox"`
}

// Integrations is what may be said of a brand's integrations: never a value.
type Integrations struct {
	secrets.IntegrationStatus
	TwilioPhoneNumber string `json:"twilioPhoneNumber"`
	AsaasSandbox      bool   `json:"asaasSandbox"`
}

func (c *call) getIntegrations() (any, error) {
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	return c.integrations(cl)
}

func (c *call) integrations(cl *domain.Client) (Integrations, error) {
	st, err := c.h.d.Integrations.Status(c.ctx, c.clientID)
	if err != nil {
		return Integrations{}, err
	}
	return Integrations{IntegrationStatus: st, TwilioPhoneNumber: cl.TwilioPhoneNumber, AsaasSandbox: cl.AsaasSandbox}, nil
}

// putTwilio checks everything before it writes anything: the credentials' and the number's
// fields, the brand, and that no other brand has the number; then the secret, then the number.
func (c *call) putTwilio() (any, error) {
	var in TwilioIntegration
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	creds := secrets.TwilioSecretValue{AccountSID: in.AccountSID, AuthToken: in.AuthToken}
	fields := creds.Validate()
	num, err := domain.ParseWhatsAppAddress(in.PhoneNumber)
	if err != nil {
		fields = append(fields, domain.FieldError{Field: "phoneNumber", Message: `must be a WhatsApp address "whatsapp:+<E.164 number>"`})
	}
	if err := domain.Invalid(fields); err != nil {
		return nil, err
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	if cl.TwilioPhoneNumber != num {
		if err := c.numberFree(c.clientID, num); err != nil {
			return nil, err
		}
	}
	return c.putIntegration("twilio", cl,
		func() error { return c.h.d.Integrations.PutTwilio(c.ctx, c.clientID, creds) },
		cl.TwilioPhoneNumber != num, func(cl *domain.Client) { cl.TwilioPhoneNumber = num },
		func(out Integrations) any { return out.Twilio })
}

func (c *call) putAsaas() (any, error) {
	var in AsaasIntegration
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	return c.putIntegration("asaas", cl,
		func() error {
			return c.h.d.Integrations.PutAsaas(c.ctx, c.clientID, secrets.AsaasSecretValue{APIKey: in.APIKey, WebhookToken: in.WebhookToken})
		},
		cl.AsaasSandbox != in.Sandbox, func(cl *domain.Client) { cl.AsaasSandbox = in.Sandbox },
		func(out Integrations) any { return out.Asaas })
}

// putIntegration writes the secret of the integration name, then, when the brand's record
// changes with it, the record (its own audit record), and answers the integrations' status;
// the audit keeps what may be said of the integration (audited), never its values.
func (c *call) putIntegration(name string, cl *domain.Client, write func() error, change bool, set func(*domain.Client), audited func(Integrations) any) (any, error) {
	if err := write(); err != nil {
		if domain.IsNotFound(err) {
			return nil, errConflict(domain.ErrorMessage(err))
		}
		return nil, err
	}
	if change {
		var err error
		if cl, err = c.updateBrand("brand.update", 0, func(cl *domain.Client) error { set(cl); return nil }); err != nil {
			return nil, err
		}
	}
	out, err := c.integrations(cl)
	if err != nil {
		return nil, err
	}
	c.audit(c.ctx, "integration."+name+".put", "brands/"+c.clientID+"/integrations/"+name, nil, audited(out))
	return out, nil
}
