// Package wire builds each function from its parts, once, at cold start. Each Lambda builds
// only what it uses: the webhook a brand directory, the Twilio credentials and the inbound
// queue (no conversation engine, no menus, no orders); the worker the directory, the engine,
// the messenger and the POS publisher. The local runner builds both over one directory, so
// the local stack runs the code that runs in AWS.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/directory"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/edge/sqsworker"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/posqueue"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/secrets"
	"github.com/wabot-platform/wabot/shared/twilio"
)

// Config is the runtime's configuration, set by the CDK app through environment variables
// (resourcenames.EnvVar*).
type Config struct {
	Env string
	// Tables are the tables' names. Tables.DailyMetrics (resourcenames.EnvVarDailyMetricsTable)
	// is optional: without it the worker keeps no daily counters (it logs so at start).
	Tables          resourcenames.Tables
	InboundQueueURL string // needed by the webhook only
	// InboundDLQURL is where the worker parks a message it can never process; empty leaves
	// such a message to the queue's redrive policy (retried until maxReceiveCount).
	InboundDLQURL string
	PublicBaseURL string // optional: see twiliohook.Deps
	// TenantRoleARN is the tenant access role: every call on a brand's data is made with
	// credentials from sts:AssumeRole into it, tagged with the brand (awsclients.TenantSessions).
	TenantRoleARN string
	// PseudonymKey is the key of erased customers' pseudonyms (package privacy); nil reads the
	// environment's secret resourcenames.PseudonymKeySecret with the function's own role.
	PseudonymKey privacy.KeySource
}

// ConfigFromEnv reads and checks the configuration every function shares; what only one
// function needs (the menu and order tables, the inbound queue) is checked by its builder.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Env: getenv(resourcenames.EnvVarEnvironment),
		Tables: resourcenames.Tables{
			ClientConfig:      getenv(resourcenames.EnvVarClientTable),
			StoreConfig:       getenv(resourcenames.EnvVarStoreTable),
			PhoneMapping:      getenv(resourcenames.EnvVarMappingTable),
			ConversationState: getenv(resourcenames.EnvVarConversationTbl),
			Idempotency:       getenv(resourcenames.EnvVarIdempotencyTable),
			Menu:              getenv(resourcenames.EnvVarMenuTable),
			Orders:            getenv(resourcenames.EnvVarOrdersTable),
			DailyMetrics:      getenv(resourcenames.EnvVarDailyMetricsTable),
		},
		InboundQueueURL: getenv(resourcenames.EnvVarInboundQueueURL),
		InboundDLQURL:   getenv(resourcenames.EnvVarInboundDLQURL),
		PublicBaseURL:   getenv(resourcenames.EnvVarPublicBaseURL),
		TenantRoleARN:   getenv(resourcenames.EnvVarTenantRoleARN),
	}
	var missing []string
	for name, v := range map[string]string{
		resourcenames.EnvVarClientTable: c.Tables.ClientConfig, resourcenames.EnvVarStoreTable: c.Tables.StoreConfig,
		resourcenames.EnvVarMappingTable: c.Tables.PhoneMapping, resourcenames.EnvVarConversationTbl: c.Tables.ConversationState,
		resourcenames.EnvVarIdempotencyTable: c.Tables.Idempotency, resourcenames.EnvVarTenantRoleARN: c.TenantRoleARN,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment variables: %s", strings.Join(missing, ", "))
	}
	if !resourcenames.ValidEnv(c.Env) {
		return c, fmt.Errorf("%s %q is not one of %v", resourcenames.EnvVarEnvironment, c.Env, resourcenames.Environments)
	}
	return c, nil
}

// Options change the wiring.
type Options struct {
	// Messenger sends replies; nil means Twilio's REST API with each brand's credentials.
	Messenger domain.Messenger
	// TwilioHTTPClient, when set, is the HTTP client of the Twilio messenger (a proxy, or a
	// test server speaking Twilio's API).
	TwilioHTTPClient *http.Client
	Logger           *slog.Logger
	// Metrics counts messages, orders and errors per tenant (metrics.NewEMF in Lambda); nil
	// counts nothing. The worker and the engine also count into the daily counters when the
	// configuration names their table (metrics.Daily: what is due written at the end of every
	// batch, the rest by Worker.Shutdown); the webhook does not (its budget is two AWS calls
	// a message).
	Metrics metrics.Recorder
	// DailyMaxAge is how long the daily counters' traffic counts may wait in memory (0: the
	// default, metrics.DefaultMaxAge; negative: none, every batch writes every count).
	DailyMaxAge time.Duration
	// RepoOptions change the repositories (the tests' clock).
	RepoOptions []dynamo.Option
	// ConfigTTL is how long brand, store and menu configuration is cached in memory; 0 means
	// the default (60 s). The local runner shortens it so an edit shows at once.
	ConfigTTL time.Duration
	// Now is the clock of every part (default time.Now): the local runner's tests set it to
	// an evening when the demo pizzeria is open.
	Now func() time.Time
	// Payments charges PIX orders; nil means Asaas (package asaas) with each brand's key from
	// Secrets Manager, production or sandbox as the brand's asaasSandbox says. The local
	// runner sets the local payment provider (package localasaas) behind the same client.
	Payments domain.PaymentProvider
	// Model is the language model of what the rules cannot read: the worker and the admin
	// function (its test chat) set Amazon Bedrock (package bedrock over their tenant
	// sessions, each brand on its own application inference profile), the local runner the
	// local model stand-in; nil: none, the rules answer alone. Bedrock is not built here, so
	// the webhook, which never calls it, does not link its client.
	Model domain.LanguageModel
	// ModelID, when set, is the model every brand uses instead of its inference profile (the
	// local stack against real Bedrock).
	ModelID string
}

func (o Options) now() func() time.Time {
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// parts are what every function builds: the repositories, the brands' credentials and the
// brand directory over them.
type parts struct {
	repos *dynamo.Repositories
	creds *secrets.Source
	dir   *directory.Directory
	// daily are the daily counters of the engine and the worker (nil: none); metrics is what
	// they count into: Options.Metrics and daily.
	daily   *metrics.Daily
	metrics metrics.Recorder
}

func buildParts(cfg Config, clients awsclients.TenantClients, opts Options, withStoresAndMenus bool) (*parts, error) {
	repoOpts := append([]dynamo.Option{dynamo.WithClock(opts.now())}, opts.RepoOptions...)
	repos, err := dynamo.New(cfg.Tables, dynamo.FromTenantClients(clients), repoOpts...)
	if err != nil {
		return nil, err
	}
	creds, err := secrets.New(cfg.Env, secrets.FromTenantClients(clients))
	if err != nil {
		return nil, err
	}
	dd := directory.Deps{Clients: repos, TTL: opts.ConfigTTL, Now: opts.now()}
	if withStoresAndMenus {
		dd.Stores, dd.Menus = repos, repos
	}
	dir, err := directory.New(dd)
	if err != nil {
		return nil, err
	}
	return &parts{repos: repos, creds: creds, dir: dir, metrics: metrics.Or(opts.Metrics)}, nil
}

// withDaily adds the daily counters over the repositories when cfg names their table.
func (p *parts) withDaily(cfg Config, opts Options) {
	if cfg.Tables.DailyMetrics == "" {
		opts.logger().Warn("no daily counters: " + resourcenames.EnvVarDailyMetricsTable + " is not set")
		return
	}
	dopts := []metrics.DailyOption{metrics.WithDailyClock(opts.now())}
	if opts.DailyMaxAge != 0 {
		dopts = append(dopts, metrics.WithMaxAge(opts.DailyMaxAge))
	}
	p.daily = metrics.NewDaily(p.repos, dopts...)
	p.metrics = metrics.Tee(opts.Metrics, p.daily)
}

func webhookFrom(p *parts, cfg Config, clients awsclients.TenantClients, opts Options) (*twiliohook.Handler, error) {
	if cfg.InboundQueueURL == "" {
		return nil, errors.New("the webhook needs " + resourcenames.EnvVarInboundQueueURL)
	}
	// The inbound queue is the platform's, not a brand's: the function's own role sends to it.
	q, err := inboundqueue.NewInbound(cfg.InboundQueueURL, func(ctx context.Context, _ string) (inboundqueue.SendAPI, error) {
		return clients.SQS(ctx, "")
	})
	if err != nil {
		return nil, err
	}
	return twiliohook.New(twiliohook.Deps{
		Brands: p.dir, Credentials: p.creds, Idempotency: p.repos, Queue: q,
		PublicBaseURL: cfg.PublicBaseURL, Logger: opts.logger(), Now: opts.now(), Metrics: opts.Metrics,
	})
}

func engineFrom(p *parts, cfg Config, clients awsclients.TenantClients, opts Options) (*conversation.Service, error) {
	d, _, err := engineDeps(p, cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	return conversation.New(d)
}

// engineDeps builds the engine's dependencies over p, and returns the privacy service that is
// its Eraser.
func engineDeps(p *parts, cfg Config, clients awsclients.TenantClients, opts Options) (conversation.Deps, *privacy.Service, error) {
	var d conversation.Deps
	if cfg.Tables.Menu == "" || cfg.Tables.Orders == "" {
		return d, nil, errors.New("the worker needs " + resourcenames.EnvVarMenuTable + " and " + resourcenames.EnvVarOrdersTable)
	}
	messenger := opts.Messenger
	if messenger == nil {
		var topts []twilio.Option
		if opts.TwilioHTTPClient != nil {
			topts = append(topts, twilio.WithHTTPClient(opts.TwilioHTTPClient))
		}
		var err error
		if messenger, err = twilio.New(p.creds, topts...); err != nil {
			return d, nil, err
		}
	}
	pub, err := posqueue.New(func(ctx context.Context, tenant string) (posqueue.SendAPI, error) {
		return clients.SQS(ctx, tenant)
	}, opts.now())
	if err != nil {
		return d, nil, err
	}
	r := p.repos
	eraser, err := p.privacy(cfg, clients, opts)
	if err != nil {
		return d, nil, err
	}
	payments := opts.Payments
	if payments == nil {
		if payments, err = asaas.NewProvider(p.creds, asaas.WithLogger(opts.logger()), asaas.WithClock(opts.now())); err != nil {
			return d, nil, err
		}
	}
	d = conversation.Deps{
		Clients: r, Stores: r, Mappings: r, Conversations: r, Idempotency: r, Menus: r, Orders: r,
		Publisher: pub, Messenger: messenger, Directory: p.dir, Logger: opts.logger(), ConfigTTL: opts.ConfigTTL,
		Now: opts.now(), Metrics: p.metrics, Eraser: eraser, Payments: payments,
	}
	if opts.Model == nil {
		opts.logger().Warn("no language model: the rules answer alone")
	} else {
		d.Model, d.ModelID = opts.Model, opts.ModelID
		if p.daily != nil {
			// The brands' daily token budgets, over the counters the engine counts into.
			d.ModelSpend = metrics.NewModelSpend(r, metrics.WithSpendClock(opts.now()), metrics.WithUnflushed(p.daily))
		}
	}
	return d, eraser, nil
}

// NewWebhook builds the webhook function: brands by number, credentials, the inbound queue.
func NewWebhook(_ context.Context, cfg Config, clients awsclients.TenantClients, opts Options) (*twiliohook.Handler, error) {
	p, err := buildParts(cfg, clients, opts, false)
	if err != nil {
		return nil, err
	}
	return webhookFrom(p, cfg, clients, opts)
}

// NewWorker builds the worker function: the engine over the inbound queue's batches.
func NewWorker(ctx context.Context, cfg Config, clients awsclients.TenantClients, opts Options) (*sqsworker.Worker, error) {
	p, engine, err := buildWorkerEngine(cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	return workerFrom(ctx, p, engine, cfg, clients, opts)
}

// workerFrom builds the worker over the engine: the inbound queue's consumer (retry delays,
// and the dead-letter queue for what can never be processed), the claims to complete and
// the daily counters to flush after every batch.
func workerFrom(ctx context.Context, p *parts, engine *conversation.Service, cfg Config, clients awsclients.TenantClients, opts Options) (*sqsworker.Worker, error) {
	d := sqsworker.Deps{Handle: engine.HandleInbound, Claims: p.repos, Apologize: engine.Apologize, Logger: opts.logger(), Metrics: p.metrics}
	if p.daily != nil {
		d.Flush, d.FlushAll = p.daily.FlushDue, p.daily.Flush
	}
	if cfg.InboundQueueURL != "" || cfg.InboundDLQURL != "" {
		api, err := clients.SQS(ctx, "")
		if err != nil {
			return nil, err
		}
		d.Queue = &inboundqueue.Consumer{API: api, URL: cfg.InboundQueueURL, DLQURL: cfg.InboundDLQURL}
	}
	return sqsworker.New(d)
}

// buildWorkerEngine builds the parts with stores, menus and the daily counters (which the
// worker flushes), and the engine over them.
func buildWorkerEngine(cfg Config, clients awsclients.TenantClients, opts Options) (*parts, *conversation.Service, error) {
	p, err := buildParts(cfg, clients, opts, true)
	if err != nil {
		return nil, nil, err
	}
	p.withDaily(cfg, opts)
	engine, err := engineFrom(p, cfg, clients, opts)
	return p, engine, err
}

// Runtime is every part in one process: the local runner and the tests.
type Runtime struct {
	Repos        *dynamo.Repositories
	Credentials  *secrets.Source
	Directory    *directory.Directory
	Conversation *conversation.Service
	Worker       *sqsworker.Worker
	// Daily are the daily counters the engine and the worker count into (nil without their
	// table); the worker flushes them after every batch.
	Daily   *metrics.Daily
	webhook *twiliohook.Handler
	// payments is the Asaas webhook (PaymentWebhook), built with the webhook.
	payments http.Handler
}

// New builds every part over one directory (the local runner, tests). The webhooks (Twilio's
// and Asaas's) are built when the configuration has an inbound queue.
func New(ctx context.Context, cfg Config, clients awsclients.TenantClients, opts Options) (*Runtime, error) {
	p, engine, err := buildWorkerEngine(cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	worker, err := workerFrom(ctx, p, engine, cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	rt := &Runtime{Repos: p.repos, Credentials: p.creds, Directory: p.dir, Conversation: engine, Worker: worker, Daily: p.daily}
	if cfg.InboundQueueURL != "" {
		if rt.webhook, err = webhookFrom(p, cfg, clients, opts); err != nil {
			return nil, err
		}
		if rt.payments, err = paymentWebhookFrom(p, cfg, clients, opts); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// Webhook returns the webhook handler; an error when the configuration has no inbound queue.
func (r *Runtime) Webhook() (*twiliohook.Handler, error) {
	if r.webhook == nil {
		return nil, errors.New("the webhook needs " + resourcenames.EnvVarInboundQueueURL)
	}
	return r.webhook, nil
}

// FromEnvironment is a Lambda's cold start: the configuration from the environment, the
// function's own credentials from the default chain, and tenant sessions through the tenant
// access role for everything that belongs to a brand.
func FromEnvironment(ctx context.Context) (Config, awsclients.TenantClients, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return cfg, nil, err
	}
	clients, err := SessionsOf(ctx, cfg.TenantRoleARN)
	return cfg, clients, err
}

// SessionsOf is a Lambda's clients: its own credentials from the default chain, and sessions
// of roleARN tagged with the brand for everything that belongs to one.
func SessionsOf(ctx context.Context, roleARN string) (awsclients.TenantClients, error) {
	awsCfg, err := awsclients.Load(ctx, awsclients.Options{})
	if err != nil {
		return nil, err
	}
	return awsclients.NewTenantSessions(awsCfg, roleARN)
}
