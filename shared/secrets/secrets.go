// Package secrets reads a brand's credentials from AWS Secrets Manager: the Twilio account
// the webhook validates signatures with and the worker sends replies through, and the Asaas
// API key and webhook token of its online payments.
//
// Values are cached per brand, because the webhook needs the token on every message and a
// Secrets Manager call costs latency and money. An operator's change (a rotated token, a
// secret filled in after onboarding) is seen within the cache's TTL; a brand whose secret is
// missing or unusable is asked again after a much shorter time, so fixing it takes effect
// quickly without letting a flood of messages turn into a flood of Secrets Manager calls.
//
// No value read here is ever put into an error or a log line.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/cache"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// API is the slice of the Secrets Manager client this package calls, so a test can stand in
// a fake where a fault is the point. *secretsmanager.Client implements it.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// ClientSource returns the client to read tenant's secrets with, so tenant-scoped
// credentials (a role whose policy only reaches secrets tagged with the tenant's clientId)
// can plug in without changing this package.
type ClientSource func(ctx context.Context, tenant string) (API, error)

// FromTenantClients adapts awsclients.TenantClients, the provider the functions build at cold start.
func FromTenantClients(p awsclients.TenantClients) ClientSource {
	return func(ctx context.Context, tenant string) (API, error) {
		c, err := p.SecretsManager(ctx, tenant)
		if err != nil {
			return nil, err
		}
		if c == nil {
			// A nil *secretsmanager.Client in a non-nil API would panic on first use, far
			// from here.
			return nil, fmt.Errorf("no Secrets Manager client for tenant %q", tenant)
		}
		return c, nil
	}
}

// SingleClient gives every tenant the same client: the local stack, and tests with a fake.
func SingleClient(api API) ClientSource {
	return func(context.Context, string) (API, error) { return api, nil }
}

// Cache defaults.
const (
	// DefaultTTL is how long credentials that were read successfully are reused: a rotated
	// token is picked up within this time (or at once, through Invalidate).
	DefaultTTL = 5 * time.Minute
	// DefaultMissingTTL is how long a missing or unusable secret is remembered. Short, because
	// the usual cause is an operator who is about to fix it.
	DefaultMissingTTL = 30 * time.Second
	// DefaultMaxEntries bounds the cache: far more brands than one environment serves, small
	// enough that lookups for made-up clients cannot grow memory without limit.
	DefaultMaxEntries = 1000
)

// ErrInvalidSecret is wrapped by the error for a secret that exists but does not hold usable
// Twilio credentials (not JSON, a field missing, an account SID that is not one). It is an
// internal error (domain.ErrorCode gives EINTERNAL): an operator must fix the secret, and
// the user is not told why. The error names the secret and the problem, never its value.
var ErrInvalidSecret = errors.New("secrets: invalid Twilio secret")

// ErrInvalidPaymentSecret is ErrInvalidSecret's counterpart for a brand's Asaas secret: it
// exists but is not the JSON object {"apiKey": "...", "webhookToken": "..."}.
var ErrInvalidPaymentSecret = errors.New("secrets: invalid Asaas secret")

// Source implements domain.CredentialSource and domain.PaymentCredentialSource over Secrets
// Manager, with a cache of each. It is safe for concurrent use.
type Source struct {
	env        string
	src        ClientSource
	now        func() time.Time
	ttl        time.Duration
	missingTTL time.Duration
	max        int
	cache      *cache.Cache[string, domain.TwilioCredentials]
	payments   *cache.Cache[string, domain.PaymentCredentials]
}

var (
	_ domain.CredentialSource        = (*Source)(nil)
	_ domain.PaymentCredentialSource = (*Source)(nil)
)

// Option configures a Source.
type Option func(*Source)

// WithTTL sets how long credentials read successfully are cached (default DefaultTTL).
func WithTTL(d time.Duration) Option { return func(s *Source) { s.ttl = d } }

// WithMissingTTL sets how long a missing or invalid secret is remembered (default
// DefaultMissingTTL). It is capped at the TTL.
func WithMissingTTL(d time.Duration) Option { return func(s *Source) { s.missingTTL = d } }

// WithMaxEntries bounds the number of brands cached (default DefaultMaxEntries).
func WithMaxEntries(n int) Option { return func(s *Source) { s.max = n } }

// WithClock sets the clock of the cache (default time.Now), so tests can move past a TTL.
func WithClock(now func() time.Time) Option { return func(s *Source) { s.now = now } }

// New returns a Source reading the secrets of environment env (resourcenames.TwilioSecret) with
// clients from src.
func New(env string, src ClientSource, opts ...Option) (*Source, error) {
	if env == "" {
		return nil, errors.New("secrets: an environment is required")
	}
	if src == nil {
		return nil, errors.New("secrets: a client source is required")
	}
	s := &Source{
		env: env, src: src, now: time.Now,
		ttl: DefaultTTL, missingTTL: DefaultMissingTTL, max: DefaultMaxEntries,
	}
	for _, o := range opts {
		o(s)
	}
	switch {
	case s.now == nil:
		return nil, errors.New("secrets: the clock cannot be nil")
	case s.ttl <= 0:
		return nil, fmt.Errorf("secrets: the TTL must be positive, got %v", s.ttl)
	case s.missingTTL <= 0:
		return nil, fmt.Errorf("secrets: the missing TTL must be positive, got %v", s.missingTTL)
	case s.max <= 0:
		return nil, fmt.Errorf("secrets: the cache bound must be positive, got %d", s.max)
	}
	s.missingTTL = min(s.missingTTL, s.ttl)
	s.cache = cache.New[string, domain.TwilioCredentials](s.ttl, s.max).WithClock(s.now)
	s.payments = cache.New[string, domain.PaymentCredentials](s.ttl, s.max).WithClock(s.now)
	return s, nil
}

// TwilioCredentials implements domain.CredentialSource. It returns EINVALID for a malformed
// clientID, ENOTFOUND when the brand's secret does not exist, an error wrapping
// ErrInvalidSecret when it exists but is unusable, and the SDK's error (not cached) when
// Secrets Manager cannot be reached.
func (s *Source) TwilioCredentials(ctx context.Context, clientID string) (domain.TwilioCredentials, error) {
	if err := resourcenames.ValidateID("clientId", clientID); err != nil {
		// The id becomes part of the secret name: refuse before it can name another secret.
		return domain.TwilioCredentials{}, domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	load := func(ctx context.Context) (domain.TwilioCredentials, error) { return s.load(ctx, clientID) }
	return s.cache.Get(ctx, clientID, load, cache.Remember(describesSecret, s.missingTTL))
}

// describesSecret reports whether err is about the secret itself (missing, unusable), which
// is remembered for missingTTL, rather than about reaching Secrets Manager, which is not.
func describesSecret(err error) bool {
	return domain.IsNotFound(err) || errors.Is(err, ErrInvalidSecret) || errors.Is(err, ErrInvalidPaymentSecret)
}

// Invalidate drops the cached credentials of clientID, Twilio's and Asaas's, so the next
// call reads the secrets again: for a caller that has just seen them refused (Twilio's or
// Asaas's 401 after a rotation).
func (s *Source) Invalidate(clientID string) {
	s.cache.Invalidate(clientID)
	s.payments.Invalidate(clientID)
}

// PaymentCredentials implements domain.PaymentCredentialSource: the brand's Asaas secret
// (resourcenames.AsaasSecret), cached like the Twilio credentials. It returns EINVALID for a
// malformed clientID; ENOTFOUND when the secret does not exist or holds neither an API key
// nor a webhook token (the empty secret the brand's construct creates); an error wrapping
// ErrInvalidPaymentSecret when it is not the expected JSON; and the SDK's error (not cached)
// when Secrets Manager cannot be reached. One field without the other is returned as is:
// the caller that needs the missing one treats it as not configured.
func (s *Source) PaymentCredentials(ctx context.Context, clientID string) (domain.PaymentCredentials, error) {
	if err := resourcenames.ValidateID("clientId", clientID); err != nil {
		return domain.PaymentCredentials{}, domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	load := func(ctx context.Context) (domain.PaymentCredentials, error) { return s.loadPayment(ctx, clientID) }
	return s.payments.Get(ctx, clientID, load, cache.Remember(describesSecret, s.missingTTL))
}

// loadPayment reads the Asaas secret.
func (s *Source) loadPayment(ctx context.Context, clientID string) (domain.PaymentCredentials, error) {
	name := resourcenames.AsaasSecret(s.env, clientID)
	value, err := s.read(ctx, clientID, name, "Asaas")
	if err != nil {
		return domain.PaymentCredentials{}, err
	}
	creds, err := parsePayment(value)
	if err != nil {
		return domain.PaymentCredentials{}, fmt.Errorf("%w %s: %s", ErrInvalidPaymentSecret, name, err.Error())
	}
	if creds.APIKey == "" && creds.WebhookToken == "" {
		return domain.PaymentCredentials{}, domain.Errorf(domain.ENOTFOUND, "client %q has no Asaas credentials (secret %s is empty)", clientID, name)
	}
	return creds, nil
}

// parsePayment checks the Asaas secret's JSON; like parse, its errors never quote the value.
func parsePayment(value *string) (domain.PaymentCredentials, error) {
	if value != nil && strings.TrimSpace(*value) == "" {
		return domain.PaymentCredentials{}, nil // never written: not configured
	}
	var v struct {
		APIKey       string `json:"apiKey"`
		WebhookToken string `json:"webhookToken"`
	}
	if err := decode(value, &v, `{"apiKey": "...", "webhookToken": "..."}`); err != nil {
		return domain.PaymentCredentials{}, err
	}
	return domain.PaymentCredentials{APIKey: strings.TrimSpace(v.APIKey), WebhookToken: strings.TrimSpace(v.WebhookToken)}, nil
}

// read returns the value of the brand's secret name with the brand's client; ENOTFOUND (what
// names the brand's missing credentials) when the secret does not exist.
func (s *Source) read(ctx context.Context, clientID, name, what string) (*string, error) {
	api, err := s.src(ctx, clientID)
	if err != nil {
		return nil, fmt.Errorf("secrets: client for tenant %q: %w", clientID, err)
	}
	value, found, err := getSecret(ctx, api, name)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "client %q has no %s credentials (secret %s does not exist)", clientID, what, name)
	}
	return value, err
}

// getSecret reads secret name: its string value (nil for a binary one), or found false when
// the secret does not exist. The SDK's error names the operation and the secret id, never a
// value.
func getSecret(ctx context.Context, api API, name string) (value *string, found bool, err error) {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	var notFound *smtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("secrets: get %s: %w", name, err)
	}
	return out.SecretString, true, nil
}

// decode reads a secret's JSON value into v. Its errors describe the shape of the value only
// (shape is the JSON expected): the JSON decoder's own messages can quote the input, so they
// are never passed on.
func decode(value *string, v any, shape string) error {
	if value == nil {
		return errors.New("the value is not a string (binary secrets are not supported)")
	}
	if err := json.Unmarshal([]byte(*value), v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fmt.Errorf("field %q is not a string", typeErr.Field)
		}
		return errors.New("the value is not a JSON object " + shape)
	}
	return nil
}

// load reads the secret.
func (s *Source) load(ctx context.Context, clientID string) (domain.TwilioCredentials, error) {
	name := resourcenames.TwilioSecret(s.env, clientID)
	value, err := s.read(ctx, clientID, name, "Twilio")
	if err != nil {
		return domain.TwilioCredentials{}, err
	}
	creds, err := parse(value)
	if err != nil {
		return domain.TwilioCredentials{}, fmt.Errorf("%w %s: %s", ErrInvalidSecret, name, err.Error())
	}
	return creds, nil
}

// accountSID is Twilio's documented account SID format: "AC" and 32 hexadecimal digits.
var accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)

// parse checks the secret's JSON (see decode: its errors never quote the value).
func parse(value *string) (domain.TwilioCredentials, error) {
	var v struct {
		AccountSID *string `json:"accountSid"`
		AuthToken  *string `json:"authToken"`
	}
	if err := decode(value, &v, `{"accountSid": "AC...", "authToken": "..."}`); err != nil {
		return domain.TwilioCredentials{}, err
	}
	switch {
	case v.AccountSID == nil || *v.AccountSID == "":
		// The CDK creates the secret with an empty accountSid: the brand is onboarded but an
		// operator has not yet put its real credentials.
		return domain.TwilioCredentials{}, errors.New("accountSid is missing (the secret still holds its placeholder?)")
	case !accountSID.MatchString(*v.AccountSID):
		return domain.TwilioCredentials{}, errors.New(`accountSid is not a Twilio account SID ("AC" and 32 hexadecimal digits)`)
	case v.AuthToken == nil || *v.AuthToken == "":
		return domain.TwilioCredentials{}, errors.New("authToken is missing")
	}
	return domain.TwilioCredentials{AccountSID: *v.AccountSID, AuthToken: *v.AuthToken}, nil
}
