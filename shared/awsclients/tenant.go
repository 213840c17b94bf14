package awsclients

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Session lengths of the tenant credentials. An hour is the tenant role's MaxSessionDuration
// and STS's default; the credentials are renewed SessionRenewBefore their expiry (minus up to
// a fifth of it, so the tenants of one process do not all renew in the same second).
const (
	SessionDuration    = time.Hour
	SessionRenewBefore = 5 * time.Minute
)

// TenantSessions is the TenantClients of the deployed functions: the platform scope (tenant
// "") gets clients with the function's own role, which IAM allows only the platform-level
// calls (the lookup of a brand by its number, the idempotency records, the inbound queue);
// every tenant gets clients whose credentials come from sts:AssumeRole into the tenant access
// role with the session tag clientId=<tenant>, which IAM confines to that brand's items,
// secrets, queues and inference profile. A bug that asks for brand A's client and then names
// brand B's item is refused by AWS, not only by domain.CheckTenant.
//
// Each tenant's clients are built once and kept (a platform has hundreds of brands, not
// millions); their credentials are cached by the SDK until SessionRenewBefore their expiry
// and renewed on the first call after that, one AssumeRole per tenant per renewal.
type TenantSessions struct {
	cfg      aws.Config
	roleARN  string
	sts      stscreds.AssumeRoleAPIClient
	platform *Static

	mu      sync.Mutex
	tenants map[string]*Static
}

// NewTenantSessions returns the provider for cfg (the function's own credentials) and the
// tenant access role roleARN (resourcenames.EnvVarTenantRoleARN).
func NewTenantSessions(cfg aws.Config, roleARN string) (*TenantSessions, error) {
	if roleARN == "" {
		return nil, errors.New("awsclients: the tenant access role ARN is required (" + resourcenames.EnvVarTenantRoleARN + ")")
	}
	return newTenantSessions(cfg, roleARN, sts.NewFromConfig(cfg)), nil
}

func newTenantSessions(cfg aws.Config, roleARN string, api stscreds.AssumeRoleAPIClient) *TenantSessions {
	return &TenantSessions{
		cfg:      cfg,
		roleARN:  roleARN,
		sts:      api,
		platform: NewStatic(cfg),
		tenants:  map[string]*Static{},
	}
}

// forTenant returns tenant's clients, building them on first use.
func (t *TenantSessions) forTenant(tenant string) (*Static, error) {
	if tenant == "" {
		return t.platform, nil
	}
	if err := resourcenames.ValidateID("clientId", tenant); err != nil {
		// Never tag a session with something that is not a brand id.
		return nil, fmt.Errorf("awsclients: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.tenants[tenant]; ok {
		return c, nil
	}
	provider := stscreds.NewAssumeRoleProvider(t.sts, t.roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "wabot-" + tenant
		o.Duration = SessionDuration
		o.Tags = []ststypes.Tag{{Key: aws.String(resourcenames.TagClientID), Value: aws.String(tenant)}}
	})
	cfg := t.cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = SessionRenewBefore
		o.ExpiryWindowJitterFrac = 0.2
	})
	c := NewStatic(cfg)
	t.tenants[tenant] = c
	return c, nil
}

// DynamoDB implements TenantClients.
func (t *TenantSessions) DynamoDB(_ context.Context, tenant string) (*dynamodb.Client, error) {
	c, err := t.forTenant(tenant)
	if err != nil {
		return nil, err
	}
	return c.ddb, nil
}

// SQS implements TenantClients.
func (t *TenantSessions) SQS(_ context.Context, tenant string) (*sqs.Client, error) {
	c, err := t.forTenant(tenant)
	if err != nil {
		return nil, err
	}
	return c.sqs, nil
}

// SecretsManager implements TenantClients.
func (t *TenantSessions) SecretsManager(_ context.Context, tenant string) (*secretsmanager.Client, error) {
	c, err := t.forTenant(tenant)
	if err != nil {
		return nil, err
	}
	return c.sm, nil
}

// AWSConfig implements TenantClients: the config of tenant's session (the platform's own
// for ""), whose credentials IAM confines to that brand (its inference profile, for one).
func (t *TenantSessions) AWSConfig(_ context.Context, tenant string) (aws.Config, error) {
	c, err := t.forTenant(tenant)
	if err != nil {
		return aws.Config{}, err
	}
	return c.cfg, nil
}
