package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Integrations writes a brand's Twilio and Asaas credentials (the admin API) and tells
// whether each is configured, with its last four characters: values are written, never
// returned, logged or put into an error. The secrets themselves are created, empty, by the
// brand's TenantClient construct (tagged with the brand, which is what lets the brand's
// session reach them): a brand without them gets ENOTFOUND until its construct is deployed.
type Integrations struct {
	env string
	src func(ctx context.Context, tenant string) (IntegrationsAPI, error)
}

// IntegrationsAPI is the slice of Secrets Manager the admin API uses.
type IntegrationsAPI interface {
	API
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// NewIntegrations builds Integrations over the tenants' clients.
func NewIntegrations(env string, clients awsclients.TenantClients) (*Integrations, error) {
	if err := resourcenames.ValidateID("environment", env); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Integrations{env: env, src: func(ctx context.Context, tenant string) (IntegrationsAPI, error) {
		c, err := clients.SecretsManager(ctx, tenant)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return nil, fmt.Errorf("no Secrets Manager client for tenant %q", tenant)
		}
		return c, nil
	}}, nil
}

// TwilioSecretValue is the JSON of a brand's Twilio secret.
type TwilioSecretValue struct {
	AccountSID string `json:"accountSid"`
	AuthToken  string `json:"authToken"`
}

// AsaasSecretValue is the JSON of a brand's Asaas secret.
type AsaasSecretValue struct {
	APIKey       string `json:"apiKey"`
	WebhookToken string `json:"webhookToken"`
}

// SecretStatus is what may be said of a secret's field: whether it is set and its last four
// characters (only for values of at least 12 characters, so the tail is a small part of it).
type SecretStatus struct {
	Configured bool   `json:"configured"`
	Last4      string `json:"last4,omitempty"`
}

func statusOf(v string) SecretStatus {
	if v == "" {
		return SecretStatus{}
	}
	s := SecretStatus{Configured: true}
	if len(v) >= 12 {
		s.Last4 = v[len(v)-4:]
	}
	return s
}

// IntegrationStatus is a brand's integrations as the admin API shows them.
type IntegrationStatus struct {
	Twilio struct {
		Configured  bool         `json:"configured"`
		Provisioned bool         `json:"provisioned"`
		AccountSID  SecretStatus `json:"accountSid"`
		AuthToken   SecretStatus `json:"authToken"`
	} `json:"twilio"`
	Asaas struct {
		Configured   bool         `json:"configured"`
		Provisioned  bool         `json:"provisioned"`
		APIKey       SecretStatus `json:"apiKey"`
		WebhookToken SecretStatus `json:"webhookToken"`
	} `json:"asaas"`
}

// Status reads both secrets and reports what is set.
func (i *Integrations) Status(ctx context.Context, clientID string) (IntegrationStatus, error) {
	var st IntegrationStatus
	var tw TwilioSecretValue
	ok, err := i.get(ctx, clientID, resourcenames.TwilioSecret(i.env, clientID), &tw)
	if err != nil {
		return st, err
	}
	st.Twilio.Provisioned = ok
	st.Twilio.AccountSID, st.Twilio.AuthToken = statusOf(tw.AccountSID), statusOf(tw.AuthToken)
	st.Twilio.Configured = st.Twilio.AccountSID.Configured && st.Twilio.AuthToken.Configured
	var as AsaasSecretValue
	ok, err = i.get(ctx, clientID, resourcenames.AsaasSecret(i.env, clientID), &as)
	if err != nil {
		return st, err
	}
	st.Asaas.Provisioned = ok
	st.Asaas.APIKey, st.Asaas.WebhookToken = statusOf(as.APIKey), statusOf(as.WebhookToken)
	st.Asaas.Configured = st.Asaas.APIKey.Configured && st.Asaas.WebhookToken.Configured
	return st, nil
}

// PutTwilio writes the brand's Twilio credentials. EINVALID names the field at fault (see
// Validate); ENOTFOUND when the brand's secret was never provisioned.
func (i *Integrations) PutTwilio(ctx context.Context, clientID string, v TwilioSecretValue) error {
	if err := domain.Invalid(v.Validate()); err != nil {
		return err
	}
	return i.put(ctx, clientID, resourcenames.TwilioSecret(i.env, clientID), v.trimmed())
}

func (v TwilioSecretValue) trimmed() TwilioSecretValue {
	return TwilioSecretValue{AccountSID: strings.TrimSpace(v.AccountSID), AuthToken: strings.TrimSpace(v.AuthToken)}
}

// Validate names the fields that are not Twilio credentials, so a caller can report them
// with its own before writing anything.
func (v TwilioSecretValue) Validate() []domain.FieldError {
	v = v.trimmed()
	var fields []domain.FieldError
	if !accountSID.MatchString(v.AccountSID) {
		fields = append(fields, domain.FieldError{Field: "accountSid", Message: `must be a Twilio account SID ("AC" and 32 hexadecimal digits)`})
	}
	if len(v.AuthToken) < 16 || len(v.AuthToken) > 128 || strings.ContainsAny(v.AuthToken, " \t\r\n") {
		fields = append(fields, domain.FieldError{Field: "authToken", Message: "must be the account's auth token (32 characters, no spaces)"})
	}
	return fields
}

// The bounds of an Asaas webhook token (the authToken of Asaas's webhook configuration).
const (
	AsaasWebhookTokenMin = 32
	AsaasWebhookTokenMax = 255
)

// PutAsaas writes the brand's Asaas credentials.
func (i *Integrations) PutAsaas(ctx context.Context, clientID string, v AsaasSecretValue) error {
	v.APIKey, v.WebhookToken = strings.TrimSpace(v.APIKey), strings.TrimSpace(v.WebhookToken)
	var fields []domain.FieldError
	if len(v.APIKey) < 20 || len(v.APIKey) > 512 || strings.ContainsAny(v.APIKey, " \t\r\n") {
		fields = append(fields, domain.FieldError{Field: "apiKey", Message: "must be an Asaas API key ($aact_...), no spaces"})
	}
	// Asaas takes a webhook's authToken of 32 to 255 characters without whitespace
	// (WebhookConfigSaveRequestDTO.authToken): a shorter one could never be set there.
	if n := utf8.RuneCountInString(v.WebhookToken); n < AsaasWebhookTokenMin || n > AsaasWebhookTokenMax ||
		strings.IndexFunc(v.WebhookToken, unicode.IsSpace) >= 0 {
		fields = append(fields, domain.FieldError{Field: "webhookToken",
			Message: "must be 32 to 255 characters without whitespace (the authentication token set on the brand's Asaas webhook)"})
	}
	if err := domain.Invalid(fields); err != nil {
		return err
	}
	return i.put(ctx, clientID, resourcenames.AsaasSecret(i.env, clientID), v)
}

func (i *Integrations) client(ctx context.Context, clientID string) (IntegrationsAPI, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	return i.src(ctx, clientID)
}

// get reads a secret into v; false when it does not exist. A value that is not the
// expected JSON reads as empty (not configured), without saying what it holds.
func (i *Integrations) get(ctx context.Context, clientID, name string, v any) (bool, error) {
	api, err := i.client(ctx, clientID)
	if err != nil {
		return false, err
	}
	value, found, err := getSecret(ctx, api, name)
	if found && value != nil {
		_ = json.Unmarshal([]byte(*value), v)
	}
	return found, err
}

func (i *Integrations) put(ctx context.Context, clientID, name string, v any) error {
	api, err := i.client(ctx, clientID)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = api.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(b))})
	var notFound *smtypes.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return domain.Errorf(domain.ENOTFOUND, "the brand's secret %s is not provisioned: add the brand's TenantClient construct and deploy", name)
	}
	if err != nil {
		// The SDK's error names the operation and the secret id, never the value.
		return fmt.Errorf("secrets: put %s: %w", name, err)
	}
	return nil
}
