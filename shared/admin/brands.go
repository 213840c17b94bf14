package admin

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// BrandCreate is a new brand. Its secrets, inference profile and store queues are
// provisioned by its TenantClient construct (docs/onboarding.md): a brand created here is a
// record the construct's registration then completes.
type BrandCreate struct {
	ClientID          string `json:"clientId"`
	Name              string `json:"name"`
	TwilioPhoneNumber string `json:"twilioPhoneNumber"`
	DefaultLanguage   string `json:"defaultLanguage"`
	WelcomeMessage    string `json:"welcomeMessage,omitempty"`
	LogoURL           string `json:"logoUrl,omitempty"`
	AsaasSandbox      *bool  `json:"asaasSandbox,omitempty"`
}

// BrandPatch changes a brand: absent fields stay as they are. The number is changed with the
// Twilio integration, texts and prompt on their own routes.
type BrandPatch struct {
	Name            *string `json:"name,omitempty"`
	DefaultLanguage *string `json:"defaultLanguage,omitempty"`
	WelcomeMessage  *string `json:"welcomeMessage,omitempty"`
	LogoURL         *string `json:"logoUrl,omitempty"`
	AsaasSandbox    *bool   `json:"asaasSandbox,omitempty"`
	Active          *bool   `json:"active,omitempty"`
}

// BrandList is the platform admin's list of brands.
type BrandList struct {
	Brands []dynamo.BrandSummary `json:"brands"`
}

const maxLogoURL = 2048

// validateBrandFields checks the operator-editable fields, naming each one at fault.
func validateBrandFields(name, lang, welcome, logo *string) []domain.FieldError {
	var f []domain.FieldError
	if name != nil {
		*name = strings.TrimSpace(*name)
		if *name == "" || utf8.RuneCountInString(*name) > domain.MaxName {
			f = append(f, domain.FieldError{Field: "name", Message: fmt.Sprintf("is required, at most %d characters", domain.MaxName)})
		}
	}
	if lang != nil {
		l, err := domain.ParseLanguage(*lang)
		if err != nil {
			f = append(f, domain.FieldError{Field: "defaultLanguage", Message: "must be pt-BR or en-US"})
		} else {
			*lang = string(l)
		}
	}
	if welcome != nil && utf8.RuneCountInString(*welcome) > domain.MaxWelcomeMessage {
		f = append(f, domain.FieldError{Field: "welcomeMessage", Message: fmt.Sprintf("is longer than %d characters", domain.MaxWelcomeMessage)})
	}
	if logo != nil && *logo != "" {
		u, err := url.Parse(*logo)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(*logo) > maxLogoURL {
			f = append(f, domain.FieldError{Field: "logoUrl", Message: fmt.Sprintf("must be an https URL of at most %d characters", maxLogoURL)})
		}
	}
	return f
}

func (c *call) listBrands() (any, error) {
	brands, err := c.h.d.Repos.ListBrands(c.ctx)
	if err != nil {
		return nil, err
	}
	if brands == nil {
		brands = []dynamo.BrandSummary{}
	}
	return BrandList{Brands: brands}, nil
}

func (c *call) createBrand() (any, error) {
	var in BrandCreate
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	fields := validateBrandFields(&in.Name, &in.DefaultLanguage, &in.WelcomeMessage, &in.LogoURL)
	if err := resourcenames.ValidateID("clientId", in.ClientID); err != nil {
		fields = append([]domain.FieldError{{Field: "clientId", Message: "must be 1 to 24 lower-case letters, digits and dashes"}}, fields...)
	}
	num, err := domain.ParseWhatsAppAddress(in.TwilioPhoneNumber)
	if err != nil {
		fields = append(fields, domain.FieldError{Field: "twilioPhoneNumber", Message: `must be a WhatsApp address "whatsapp:+<E.164 number>"`})
	}
	if err := domain.Invalid(fields); err != nil {
		return nil, err
	}
	ctx := domain.NewContextWithTenant(c.ctx, in.ClientID)
	if err := c.numberFree(in.ClientID, num); err != nil {
		return nil, err
	}
	cl := &domain.Client{
		ClientID: in.ClientID, ClientName: in.Name, TwilioPhoneNumber: num, DefaultLanguage: domain.Language(in.DefaultLanguage),
		WelcomeMessage: in.WelcomeMessage, LogoURL: in.LogoURL, AsaasSandbox: true, IsActive: false,
	}
	if in.AsaasSandbox != nil {
		cl.AsaasSandbox = *in.AsaasSandbox
	}
	if err := c.h.d.Repos.CreateClient(ctx, cl); err != nil {
		if domain.IsConflict(err) {
			return nil, errConflict(fmt.Sprintf("brand %q exists", in.ClientID))
		}
		return nil, err
	}
	c.clientID = in.ClientID
	c.audit(ctx, "brand.create", "brands/"+in.ClientID, nil, cl)
	c.etag = etagOf(cl.Version)
	return cl, nil
}

// numberFree refuses a WhatsApp number another brand has (the webhook finds a brand by it).
func (c *call) numberFree(clientID, number string) error {
	other, err := c.h.d.Repos.FindClientByPhoneNumber(domain.NewPlatformContext(c.ctx), number)
	switch {
	case domain.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case other.ClientID != clientID:
		return errConflict("another brand uses this WhatsApp number")
	}
	return nil
}

func (c *call) getBrand() (any, error) {
	cl, err := c.h.d.Repos.GetClient(c.ctx, c.clientID)
	if err != nil {
		return nil, brandNotFound(err)
	}
	c.etag = etagOf(cl.Version)
	return cl, nil
}

func brandNotFound(err error) error {
	if domain.IsNotFound(err) {
		return errNotFound("no such brand")
	}
	return err
}

func (c *call) patchBrand() (any, error) {
	version, err := c.ifMatch()
	if err != nil {
		return nil, err
	}
	var in BrandPatch
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := domain.Invalid(validateBrandFields(in.Name, in.DefaultLanguage, in.WelcomeMessage, in.LogoURL)); err != nil {
		return nil, err
	}
	return c.updateBrand("brand.update", version, func(cl *domain.Client) error {
		if in.Name != nil {
			cl.ClientName = *in.Name
		}
		if in.DefaultLanguage != nil {
			cl.DefaultLanguage = domain.Language(*in.DefaultLanguage)
		}
		if in.WelcomeMessage != nil {
			cl.WelcomeMessage = *in.WelcomeMessage
		}
		if in.LogoURL != nil {
			cl.LogoURL = *in.LogoURL
		}
		if in.AsaasSandbox != nil {
			cl.AsaasSandbox = *in.AsaasSandbox
		}
		if in.Active != nil {
			cl.IsActive = *in.Active
		}
		return nil
	})
}

// updateBrand applies fn to the brand if its version is still version (0: any), audits it
// and returns the new brand with its ETag.
func (c *call) updateBrand(action string, version int64, fn func(*domain.Client) error) (*domain.Client, error) {
	var before domain.Client
	after, err := c.h.d.Repos.UpdateClient(c.ctx, c.clientID, func(cl *domain.Client) error {
		if version != 0 && cl.Version != version {
			return errStale(fmt.Sprintf("the brand is at version %d, not %d: read it again", cl.Version, version))
		}
		before = *cl
		return fn(cl)
	})
	if err != nil {
		return nil, brandNotFound(err)
	}
	c.audit(c.ctx, action, "brands/"+c.clientID, &before, after)
	c.etag = etagOf(after.Version)
	return after, nil
}

func (c *call) deleteBrand() (any, error) {
	stores, err := c.h.d.Repos.ListStores(c.ctx, c.clientID)
	if err != nil {
		return nil, err
	}
	before, err := c.h.d.Repos.GetClient(c.ctx, c.clientID)
	if err != nil {
		return nil, brandNotFound(err)
	}
	if len(stores) > 0 {
		return nil, errConflict(fmt.Sprintf("the brand has %d stores: deactivate it instead, or remove its stores first", len(stores)))
	}
	if err := c.h.d.Repos.DeleteClient(c.ctx, c.clientID); err != nil {
		return nil, brandNotFound(err)
	}
	c.audit(c.ctx, "brand.delete", "brands/"+c.clientID, before, nil)
	return nil, nil
}
