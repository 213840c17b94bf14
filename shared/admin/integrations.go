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

func (c *call) putTwilio() (any, error) {
	var in TwilioIntegration
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	num, numErr := domain.ParseWhatsAppAddress(in.PhoneNumber)
	err := c.h.d.Integrations.PutTwilio(c.ctx, c.clientID, secrets.TwilioSecretValue{AccountSID: in.AccountSID, AuthToken: in.AuthToken})
	fields := domain.FieldsOf(err)
	if numErr != nil {
		fields = append(fields, domain.FieldError{Field: "phoneNumber", Message: `must be a WhatsApp address "whatsapp:+<E.164 number>"`})
	}
	if len(fields) > 0 {
		return nil, domain.Invalid(fields)
	}
	if err != nil {
		if domain.IsNotFound(err) {
			return nil, errConflict(domain.ErrorMessage(err))
		}
		return nil, err
	}
	before, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	if before.TwilioPhoneNumber != num {
		if err := c.numberFree(c.clientID, num); err != nil {
			return nil, err
		}
		if _, err := c.updateBrand("brand.update", 0, func(cl *domain.Client) error { cl.TwilioPhoneNumber = num; return nil }); err != nil {
			return nil, err
		}
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	out, err := c.integrations(cl)
	if err != nil {
		return nil, err
	}
	c.audit(c.ctx, "integration.twilio.put", "brands/"+c.clientID+"/integrations/twilio", nil, out.Twilio)
	return out, nil
}

func (c *call) putAsaas() (any, error) {
	var in AsaasIntegration
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.h.d.Integrations.PutAsaas(c.ctx, c.clientID, secrets.AsaasSecretValue{APIKey: in.APIKey, WebhookToken: in.WebhookToken}); err != nil {
		if domain.IsNotFound(err) {
			return nil, errConflict(domain.ErrorMessage(err))
		}
		return nil, err
	}
	cl, err := c.brandExists()
	if err != nil {
		return nil, err
	}
	if cl.AsaasSandbox != in.Sandbox {
		if cl, err = c.updateBrand("brand.update", 0, func(cl *domain.Client) error { cl.AsaasSandbox = in.Sandbox; return nil }); err != nil {
			return nil, err
		}
	}
	out, err := c.integrations(cl)
	if err != nil {
		return nil, err
	}
	c.audit(c.ctx, "integration.asaas.put", "brands/"+c.clientID+"/integrations/asaas", nil, out.Asaas)
	return out, nil
}
