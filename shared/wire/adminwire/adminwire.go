// Package adminwire builds the admin function: the admin API (package admin) over the
// engine's parts (wire.BuildEngineParts), token verification (adminauth) and the adapters
// between them. It is apart from package wire so the webhook and the worker do not link the
// admin API.
package adminwire

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/adminauth"
	"github.com/wabot-platform/wabot/shared/adminui"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/prompt"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/secrets"
	"github.com/wabot-platform/wabot/shared/wire"
)

// AdminConfig is the admin function's configuration (resourcenames.EnvVar*).
type AdminConfig struct {
	wire.Config
	// Issuer and Audience are what the tokens must carry (the user pool and its app client);
	// JWKSURL overrides where the keys are read (default Issuer + /.well-known/jwks.json).
	Issuer, Audience, JWKSURL string
	// LoginDomain is the user pool's hosted sign-in (resourcenames.EnvVarLoginDomain), where
	// the admin UI sends users.
	LoginDomain string
}

// UIConfig is the admin UI's sign-in configuration in AWS: the hosted sign-in page of the
// user pool, for the API's own app client.
func (c AdminConfig) UIConfig() adminui.Config {
	return adminui.Config{Login: adminui.LoginHosted, ClientID: c.Audience, Domain: c.LoginDomain, Environment: c.Env}
}

// textsAdapter gives the admin API the engine's text catalog and the prompt renderer.
type textsAdapter struct {
	repos *dynamo.Repositories
	now   func() time.Time
}

// TextView is one text of the catalog with the brand's overrides.
type TextView struct {
	conversation.TextInfo
	Overrides map[domain.Language]string `json:"overrides,omitempty"`
}

func (textsAdapter) Catalog(c *domain.Client) any {
	cat := conversation.TextCatalog()
	out := make([]TextView, len(cat))
	for i, t := range cat {
		out[i] = TextView{TextInfo: t, Overrides: c.Texts[t.ID]}
	}
	return map[string]any{"texts": out, "languages": conversation.Languages}
}

func (textsAdapter) ValidateTexts(t map[string]map[domain.Language]string) error {
	return conversation.ValidateTexts(t)
}

func (textsAdapter) PreviewText(c *domain.Client, lang domain.Language, id string) (string, error) {
	return conversation.PreviewText(c, string(lang), id)
}

func (textsAdapter) PromptVariables() any {
	return map[string]any{"variables": prompt.Variables(), "default": prompt.Default}
}

func (textsAdapter) ValidatePrompt(tmpl string) error { return prompt.Validate(tmpl) }

// RenderPrompt renders tmpl ("" the default) for a store with the brand's own data only.
func (t textsAdapter) RenderPrompt(ctx context.Context, c *domain.Client, storeID string, lang domain.Language, tmpl string) (string, error) {
	store, err := t.repos.GetStore(ctx, c.ClientID, storeID)
	if err != nil {
		return "", err
	}
	menu, err := t.repos.GetMenu(ctx, c.ClientID)
	if err != nil {
		return "", err
	}
	if tmpl == "" {
		tmpl = prompt.Default
	}
	return prompt.Render(tmpl, prompt.DataFor(c, store, menu, lang, t.now()))
}

// metricsAdapter gives the admin API the daily counters, with totals and conversion.
type metricsAdapter struct{ repos *dynamo.Repositories }

func (m metricsAdapter) Daily(ctx context.Context, clientID, from, to, storeID string) (admin.MetricsView, error) {
	days, err := m.repos.ListDailyMetrics(ctx, clientID, from, to, storeID)
	if err != nil {
		return admin.MetricsView{}, err
	}
	out := admin.MetricsView{ClientID: clientID, From: from, To: to, Days: make([]admin.DayView, 0, len(days))}
	for _, d := range days {
		out.Days = append(out.Days, admin.DayView{DailyCounters: d, Conversion: d.Conversion()})
		out.Totals = out.Totals.Plus(d.Counts)
	}
	out.Conversion = domain.DailyCounters{Counts: out.Totals}.Conversion()
	return out, nil
}

// AdminConfigFromEnv reads the admin function's configuration. Its tenant sessions are of
// the tenant admin role (EnvVarTenantAdminRoleARN), not of the runtime's tenant role.
func AdminConfigFromEnv(getenv func(string) string) (AdminConfig, error) {
	env := func(k string) string {
		if k == resourcenames.EnvVarTenantRoleARN {
			return getenv(resourcenames.EnvVarTenantAdminRoleARN)
		}
		return getenv(k)
	}
	base, err := wire.ConfigFromEnv(env)
	if err != nil {
		return AdminConfig{}, err
	}
	c := AdminConfig{Config: base, Issuer: getenv(resourcenames.EnvVarJWTIssuer), Audience: getenv(resourcenames.EnvVarJWTAudience),
		LoginDomain: getenv(resourcenames.EnvVarLoginDomain)}
	c.Tables.Audit = getenv(resourcenames.EnvVarAuditTable)
	c.Tables.DailyMetrics = getenv(resourcenames.EnvVarDailyMetricsTable)
	var missing []string
	for k, v := range map[string]string{resourcenames.EnvVarJWTIssuer: c.Issuer, resourcenames.EnvVarJWTAudience: c.Audience, resourcenames.EnvVarLoginDomain: c.LoginDomain,
		resourcenames.EnvVarAuditTable: c.Tables.Audit, resourcenames.EnvVarMenuTable: c.Tables.Menu, resourcenames.EnvVarOrdersTable: c.Tables.Orders} {
		if v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment variables: %v", missing)
	}
	return c, nil
}

// AdminFromEnvironment is the admin Lambda's cold start.
func AdminFromEnvironment(ctx context.Context) (AdminConfig, awsclients.TenantClients, error) {
	cfg, err := AdminConfigFromEnv(os.Getenv)
	if err != nil {
		return cfg, nil, err
	}
	clients, err := wire.SessionsOf(ctx, cfg.TenantRoleARN)
	return cfg, clients, err
}

// sqsDepths reads queue depths with the tenant's SQS client.
type sqsDepths struct{ clients awsclients.TenantClients }

func (q sqsDepths) Depth(ctx context.Context, tenant, url string) (admin.QueueDepth, error) {
	if url == "" {
		return admin.QueueDepth{}, errors.New("no queue URL")
	}
	c, err := q.clients.SQS(ctx, tenant)
	if err != nil {
		return admin.QueueDepth{}, err
	}
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	}})
	if err != nil {
		return admin.QueueDepth{}, err
	}
	n := func(k sqstypes.QueueAttributeName) int64 {
		v, _ := strconv.ParseInt(out.Attributes[string(k)], 10, 64)
		return v
	}
	return admin.QueueDepth{
		Visible:  n(sqstypes.QueueAttributeNameApproximateNumberOfMessages),
		InFlight: n(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
		Delayed:  n(sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed),
	}, nil
}

// NewAdmin builds the admin API over clients (tenant sessions of the tenant admin role in
// AWS), with auth verifying the tokens. opts.Model (and ModelID) is the test chat's model:
// the admin function's Bedrock over the same sessions; nil: the test chat's rules answer alone.
func NewAdmin(ctx context.Context, cfg AdminConfig, clients awsclients.TenantClients, auth admin.Authenticator, opts wire.Options) (*admin.Handler, error) {
	// The operator's actions (handoffs) and the test chat's model usage are counted in the
	// daily counters, written at the end of each request: an admin function has no batches,
	// and may be frozen after any request.
	p, err := wire.BuildEngineParts(cfg.Config, clients, opts)
	if err != nil {
		return nil, err
	}
	engine := p.Engine
	integ, err := secrets.NewIntegrations(cfg.Env, clients)
	if err != nil {
		return nil, err
	}
	priv := p.Privacy
	r := p.Repos
	// The test chat is the engine over the same parts (NewSandbox swaps its messenger and
	// publisher, and counts only the model's calls and tokens): it reads messages as the
	// worker does, the rules then the model (opts.Model: Bedrock over the tenant admin role's
	// sessions in AWS) within the brand's daily token budget. Its test orders take no payment.
	sd := p.Deps
	sd.Payments = nil
	sandbox, err := conversation.NewSandbox(sd)
	if err != nil {
		return nil, err
	}
	return admin.New(admin.Deps{
		Auth: auth, Repos: r, Integrations: integ, Queues: sqsDepths{clients}, InboundDLQURL: cfg.InboundDLQURL, Env: cfg.Env,
		Privacy: priv, Operator: engine, Sandbox: sandbox,
		Texts: textsAdapter{repos: r, now: opts.Clock()}, Metrics: metricsAdapter{r}, Now: opts.Clock(), Logger: opts.Log(),
		AfterRequest: func(ctx context.Context) {
			if p.Daily != nil {
				_ = p.Daily.Flush(ctx)
			}
		},
	})
}

// AdminAuthenticator verifies the admin API's tokens with adminauth: the user pool's ID
// tokens, keys from its JWKS (through httpClient, nil for the default). An invalid token is
// 401 with its reason; a user without a role 403; a key set that cannot be read is an internal
// error (503-like 500), not a 401 that would send every operator to sign in again.
func AdminAuthenticator(cfg AdminConfig, httpClient *http.Client) (admin.Authenticator, error) {
	v, err := adminauth.NewVerifier(adminauth.Config{Issuer: cfg.Issuer, Audience: cfg.Audience, JWKSURL: cfg.JWKSURL, HTTPClient: httpClient})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, token string) (admin.Principal, error) {
		p, err := v.Verify(ctx, token)
		var ae *adminauth.Error
		switch {
		case errors.Is(err, adminauth.ErrNoRole):
			return admin.Principal{}, fmt.Errorf("%w: %v", admin.ErrNoRole, err)
		case errors.As(err, &ae) && errors.Is(err, adminauth.ErrUnauthenticated):
			return admin.Principal{}, fmt.Errorf("%w: %s", admin.ErrUnauthenticated, ae.Reason)
		case err != nil:
			return admin.Principal{}, err
		}
		return admin.Principal{Subject: p.Subject, Username: p.Username, Role: p.Role, ClientID: p.ClientID}, nil
	}, nil
}
