// Command local runs the whole product on one machine against the local AWS emulator (moto):
// it creates the tables, queues and secrets of the CDK-synthesized dev template, seeds the
// demo brands, serves the webhook and /healthz on 127.0.0.1, and runs the conversation worker
// on the local inbound queue, until interrupted. `make dev` starts it.
//
// Where no emulator exists it uses clearly named local providers: replies go to an in-memory
// outbox (GET /dev/outbox?to=whatsapp:%2B5511...) instead of Twilio's send API, and PIX
// charges go to the local payment provider (package localasaas, under /_local/asaas), which
// speaks Asaas's API to the same Asaas client the functions use and calls the same payment
// webhook Asaas would (POST /webhooks/asaas/{clientId}) when `make pay ORDER=...` marks a
// charge paid. A brand whose Asaas secret holds a key of its own (an Asaas sandbox key put
// through the admin API, with asaasSandbox true) is charged at Asaas instead.
// With WABOT_TWILIO_API_URL set (a local server speaking Twilio's Messages API, such as
// functions/local/twilio), replies go through the real Twilio messenger (twilio-go, each
// brand's credentials from Secrets Manager) to that server instead of the outbox.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/localasaas"
	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/dev/localmodel/standin"
	"github.com/wabot-platform/wabot/shared/dev/localoutbox"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/asaashook"
	"github.com/wabot-platform/wabot/shared/health"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
	"github.com/wabot-platform/wabot/shared/wire"
	"github.com/wabot-platform/wabot/shared/wire/adminwire"
)

// config is the runner's configuration, read once from the environment.
type config struct {
	Host     string // listen host; loopback only: this is a development server
	Port     int
	Endpoint string // the emulator's URL
	Template string // synthesized dev template
	Env      string
	Region   string
	// PublicBaseURL is what webhook signatures are computed over; Twilio (or a test) signs
	// PUBLIC_BASE_URL + /webhooks/twilio. Default http://127.0.0.1:<port>.
	PublicBaseURL string
	// ConfigTTL is how long brand and store configuration is cached; short by default so an
	// edit made in the emulator shows at once (WABOT_CONFIG_TTL, a Go duration).
	ConfigTTL time.Duration
	// Start, when set (WABOT_NOW, RFC 3339), is the instant the runner's clock reads when it
	// starts; it then advances with real time. For trying opening hours and for the tests:
	// the demo pizzeria only takes orders in the evening.
	Start time.Time
	// TwilioAPIURL, when set (WABOT_TWILIO_API_URL, e.g. http://127.0.0.1:4599), sends replies
	// through twilio-go to that base URL (every request rewritten to it, Host api.twilio.com
	// kept) instead of to the local outbox: the load test's local Twilio.
	TwilioAPIURL string
	// AsaasRequireCPF makes the local payment provider ask for the payer's CPF, as Asaas does
	// when it registers a customer (WABOT_ASAAS_REQUIRE_CPF=false turns it off: the load test).
	AsaasRequireCPF bool
	// AsaasState is where the local payment provider keeps its charges across restarts
	// (WABOT_ASAAS_STATE: `make dev` sets .build/local-asaas.json; unset, memory only).
	AsaasState string
	// The language model (docs/ai.md). By default the local model stand-in (package
	// localmodel with the standin brain, under /_local/bedrock) answers the engine's model
	// calls through the real Bedrock adapter. WABOT_BEDROCK_ENDPOINT sends them to another
	// server speaking Converse (the tests' scripted one); WABOT_BEDROCK_MODEL_ID sends them
	// to Amazon Bedrock itself, with the default AWS credential chain (AWS_PROFILE, ...)
	// and that model id for every brand; WABOT_MODEL=off leaves the rules alone.
	BedrockEndpoint string
	BedrockModelID  string
	ModelOff        bool
	// AdminUIDir, when set (WABOT_ADMIN_UI_DIR), serves the admin UI built there (node
	// web/admin/build.mjs --out <dir>) instead of the one embedded in the runner.
	AdminUIDir string
	// AdminLoginDomain, when set (WABOT_ADMIN_LOGIN_DOMAIN, a base URL), makes the admin UI
	// sign users in as in AWS: through the hosted sign-in at that URL (the UI's tests run a
	// stand-in speaking its OAuth endpoints) instead of the password form.
	AdminLoginDomain string
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Host:     "127.0.0.1",
		Port:     8080,
		Endpoint: getenv("WABOT_AWS_ENDPOINT"),
		Template: getenv("WABOT_TEMPLATE"),
		Env:      resourcenames.EnvDev,
		Region:   "us-east-1",
	}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("PORT %q is not a TCP port", p)
		}
		c.Port = n
	}
	if c.Endpoint == "" {
		return c, errors.New("WABOT_AWS_ENDPOINT is required (the emulator's URL, e.g. http://127.0.0.1:4566); `make dev` sets it")
	}
	c.ConfigTTL = time.Second
	if v := getenv("WABOT_CONFIG_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("WABOT_CONFIG_TTL %q is not a positive duration (e.g. 5s)", v)
		}
		c.ConfigTTL = d
	}
	if v := getenv("WABOT_NOW"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return c, fmt.Errorf("WABOT_NOW %q is not an RFC 3339 time (e.g. 2026-11-27T21:00:00-03:00)", v)
		}
		c.Start = t
	}
	if v := getenv("WABOT_TWILIO_API_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return c, fmt.Errorf("WABOT_TWILIO_API_URL %q is not a base URL (e.g. http://127.0.0.1:4599)", v)
		}
		c.TwilioAPIURL = v
	}
	c.AsaasRequireCPF = getenv("WABOT_ASAAS_REQUIRE_CPF") != "false"
	c.BedrockEndpoint = getenv("WABOT_BEDROCK_ENDPOINT")
	c.BedrockModelID = getenv("WABOT_BEDROCK_MODEL_ID")
	switch v := getenv("WABOT_MODEL"); v {
	case "", "on":
	case "off":
		c.ModelOff = true
	default:
		return c, fmt.Errorf("WABOT_MODEL %q is not on or off", v)
	}
	if c.BedrockEndpoint != "" && c.BedrockModelID != "" {
		return c, errors.New("WABOT_BEDROCK_ENDPOINT and WABOT_BEDROCK_MODEL_ID exclude each other: a local Converse server, or Amazon Bedrock")
	}
	c.AsaasState = getenv("WABOT_ASAAS_STATE")
	c.AdminUIDir = getenv("WABOT_ADMIN_UI_DIR")
	c.AdminLoginDomain = getenv("WABOT_ADMIN_LOGIN_DOMAIN")
	c.PublicBaseURL = getenv(resourcenames.EnvVarPublicBaseURL)
	if c.PublicBaseURL == "" {
		c.PublicBaseURL = "http://127.0.0.1:" + strconv.Itoa(c.Port)
	}
	if c.Template == "" {
		c.Template = "cdk.out/dev/" + resourcenames.StackName(resourcenames.EnvDev) + ".template.json"
	}
	return c, nil
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, os.Getenv); err != nil {
		log.Error("local runner stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	awsCfg, err := awsclients.Load(ctx, awsclients.Options{Endpoint: cfg.Endpoint, Region: cfg.Region})
	if err != nil {
		return err
	}
	tmpl, err := emulator.LoadTemplate(cfg.Template)
	if err != nil {
		return err
	}
	res, err := applyWhenReady(ctx, log, awsCfg, tmpl)
	if err != nil {
		return err
	}
	log.Info("local resources ready", "tables", len(res.Tables), "queues", len(res.Queues), "secrets", len(res.Secrets))

	// The same tenant sessions as in AWS: each brand's calls carry credentials from an
	// AssumeRole tagged with the brand (the emulator hands them out without evaluating IAM).
	tenantRole := emulator.TenantRoleARN(cfg.Env)
	bedrockURL := cfg.BedrockEndpoint
	if bedrockURL == "" {
		bedrockURL = "http://127.0.0.1:" + strconv.Itoa(cfg.Port) + localModelPath
	}
	clients, err := awsclients.NewTenantSessions(awsCfg, tenantRole)
	if err != nil {
		return err
	}
	tables := resourcenames.TablesFor(cfg.Env)
	inboundURL, ok := res.Queues[resourcenames.InboundQueue(cfg.Env)]
	if !ok {
		return fmt.Errorf("the template has no queue %s", resourcenames.InboundQueue(cfg.Env))
	}
	box, err := localoutbox.New(localoutbox.WithLogger(log))
	if err != nil {
		return err
	}
	// Daily counters are written after every batch locally (in AWS traffic counts wait up to
	// five minutes: wire.Options.DailyMaxAge), so the admin API's metrics show at once.
	opts := wire.Options{Messenger: box, Logger: log, ConfigTTL: cfg.ConfigTTL, Now: clock(cfg.Start), DailyMaxAge: -1}
	if cfg.TwilioAPIURL != "" {
		// The real messenger (twilio-go), carried to the local Twilio; the outbox stays empty.
		if opts.TwilioHTTPClient, err = twiliotest.RewriteClient(cfg.TwilioAPIURL, twilio.DefaultTimeout); err != nil {
			return err
		}
		opts.Messenger = nil
		log.Info("replies go through twilio-go to a local Twilio", "url", cfg.TwilioAPIURL)
	}
	pay, err := localPayments(cfg, clients, log)
	if err != nil {
		return err
	}
	opts.Payments = pay.router
	if err := localModel(ctx, cfg, &opts, log, clients, bedrockURL); err != nil {
		return err
	}
	rt, err := wire.New(ctx, wire.Config{
		Env: cfg.Env, Tables: tables, InboundQueueURL: inboundURL, PublicBaseURL: cfg.PublicBaseURL,
		InboundDLQURL: res.Queues[resourcenames.InboundDLQ(cfg.Env)], TenantRoleARN: tenantRole,
		PseudonymKey: privacy.LocalPseudonymKey,
	}, clients, opts)
	if err != nil {
		return err
	}
	sqsClient, err := clients.SQS(ctx, "")
	if err != nil {
		return err
	}
	// No Queues: the stores' queues are registered below by the template's own calls.
	if err := demo.Seed(ctx, cfg.Env, demo.Targets{
		Clients: rt.Repos, Stores: rt.Repos, Menus: rt.Repos, Secrets: secretsmanager.NewFromConfig(awsCfg),
	}); err != nil {
		return err
	}
	log.Info("demo data seeded", "clients", len(demo.Tenants()))
	// Then what `cdk deploy` does to the seeded records: the template's registration calls
	// (each brand's secrets and inference profile, each store's queue), which keep every
	// attribute an operator owns (docs/data-model.md, "Registration").
	registered, err := emulator.ApplyRegistrations(ctx, dynamodb.NewFromConfig(awsCfg), tmpl, emulator.PhaseCreate, emulator.Refs{
		Region: awsCfg.Region, Account: emulator.Account, QueueURLs: res.Queues, Endpoint: cfg.Endpoint,
	})
	if err != nil {
		return err
	}
	log.Info("tenants registered from the template", "records", registered)
	hook, err := rt.Webhook()
	if err != nil {
		return err
	}
	payHook, err := rt.PaymentWebhook()
	if err != nil {
		return err
	}
	adminAPI, err := localAdmin(ctx, cfg, awsCfg, tables, res, opts, bedrockURL)
	if err != nil {
		return err
	}
	adminUI, err := localUI(ctx, cfg, awsCfg, os.Stderr)
	if err != nil {
		return err
	}
	signIn, err := cognitoSignIn(cfg.Endpoint, log)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /healthz", &health.Checker{DB: dynamodb.NewFromConfig(awsCfg), Tables: tables.All()})
	mux.Handle("POST "+resourcenames.WebhookPath, hook)
	mux.Handle(asaashook.PathPrefix, payHook)
	mux.Handle(localasaas.MountPath+"/", http.StripPrefix(localasaas.MountPath, pay.local))
	mux.Handle(localModelPath+"/", http.StripPrefix(localModelPath, localmodel.NewServer(standin.Brain{})))
	mux.Handle(resourcenames.AdminPathPrefix+"/", adminAPI)
	mux.Handle(resourcenames.AdminUIPath, adminUI)
	mux.Handle("POST "+localCognitoPath, signIn)
	mux.Handle("GET /dev/outbox", box.Handler())
	mux.HandleFunc("GET /dev/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rt.Conversation.Stats())
	})

	// A payment confirmed without the provider (the load test's shortcut; `make pay` goes
	// through the local payment provider and the payment webhook instead).
	mux.HandleFunc("POST /dev/orders/{clientId}/{orderId}/pay", func(w http.ResponseWriter, r *http.Request) {
		o, err := rt.Conversation.ConfirmPayment(r.Context(), r.PathValue("clientId"), r.PathValue("orderId"))
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			status := http.StatusInternalServerError
			switch domain.ErrorCode(err) {
			case domain.ENOTFOUND:
				status = http.StatusNotFound
			case domain.ECONFLICT:
				status = http.StatusConflict
			case domain.EINVALID:
				status = http.StatusBadRequest
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": domain.ErrorMessage(err)})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"orderId": o.OrderID, "status": o.Status})
	})

	// What `cdk deploy` of a new store's TenantStore construct does in AWS: its POS queue and
	// dead-letter queue, registered on the store's record (created first through the admin
	// API or UI), so the store can be activated.
	mux.HandleFunc("POST /dev/stores/{clientId}/{storeId}/provision", func(w http.ResponseWriter, r *http.Request) {
		q, err := emulator.ProvisionStore(r.Context(), sqs.NewFromConfig(awsCfg), dynamodb.NewFromConfig(awsCfg), tmpl, cfg.Env,
			tables.StoreConfig, r.PathValue("clientId"), r.PathValue("storeId"))
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, emulator.ErrStoreNotFound) {
				status = http.StatusNotFound
			} else if errors.Is(err, emulator.ErrInvalidID) {
				status = http.StatusBadRequest
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		log.Info("store provisioned", "clientId", r.PathValue("clientId"), "storeId", r.PathValue("storeId"))
		_ = json.NewEncoder(w).Encode(q)
	})

	// The worker: what Lambda's SQS event source does in AWS.
	poller := &inboundqueue.Poller{API: sqsClient, URL: inboundURL, Process: rt.Worker.Process, Logger: log}
	workerDone := make(chan struct{})
	workerCtx, stopWorker := context.WithCancel(ctx)
	defer func() {
		stopWorker()
		<-workerDone
		// What the worker still holds (daily counters) is written before the runner exits.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Worker.Shutdown(ctx)
	}()
	go func() { defer close(workerDone); poller.Run(workerCtx) }()

	srv := &http.Server{
		Addr:              net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set PORT to use another port)", srv.Addr, err)
	}
	log.Info("local server listening", "url", "http://"+ln.Addr().String(), "emulator", cfg.Endpoint,
		"webhook", cfg.PublicBaseURL+resourcenames.WebhookPath)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// localAdmin builds the admin API as the admin function does in AWS: tokens of the
// emulator's user pool (created from the template) verified by adminauth, each brand's data
// (and its test chat's model calls, to bedrockURL as the runtime's) through sessions of the
// tenant admin role tagged with the brand.
func localAdmin(ctx context.Context, cfg config, awsCfg aws.Config, tables resourcenames.Tables, res *emulator.Result, opts wire.Options, bedrockURL string) (*admin.Handler, error) {
	issuer, audience, jwks, err := emulator.LocalJWTConfig(ctx, awsCfg, cfg.Endpoint, resourcenames.UserPoolName(cfg.Env), resourcenames.UserPoolClientName(cfg.Env))
	if err != nil {
		return nil, fmt.Errorf("the admin API's user pool: %w", err)
	}
	acfg := adminwire.AdminConfig{
		Config: wire.Config{Env: cfg.Env, Tables: tables, InboundDLQURL: res.Queues[resourcenames.InboundDLQ(cfg.Env)],
			TenantRoleARN: emulator.TenantAdminRoleARN(cfg.Env)},
		Issuer: issuer, Audience: audience, JWKSURL: jwks,
	}
	// The local stack's key, clearly named as such; in AWS the environment's secret.
	acfg.PseudonymKey = privacy.LocalPseudonymKey
	clients, err := awsclients.NewTenantSessions(awsCfg, acfg.TenantRoleARN)
	if err != nil {
		return nil, err
	}
	if err := localModel(ctx, cfg, &opts, opts.Log().With("function", "admin"), clients, bedrockURL); err != nil {
		return nil, err
	}
	auth, err := adminwire.AdminAuthenticator(acfg, nil)
	if err != nil {
		return nil, err
	}
	// Tokens are checked against the real clock (moto signs them with it), whatever WABOT_NOW says.
	return adminwire.NewAdmin(ctx, acfg, clients, auth, opts)
}

// clock reads start when called first and advances with real time; the real clock when start
// is zero.
func clock(start time.Time) func() time.Time {
	if start.IsZero() {
		return time.Now
	}
	offset := time.Until(start)
	return func() time.Time { return time.Now().Add(offset) }
}

// applyWhenReady applies the template, retrying while the emulator is still starting.
func applyWhenReady(ctx context.Context, log *slog.Logger, awsCfg aws.Config, tmpl *emulator.Template) (*emulator.Result, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := emulator.Apply(ctx, awsCfg, tmpl, emulator.Options{})
		if err == nil {
			return res, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("create local resources: %w", err)
		}
		log.Warn("emulator not ready, retrying", "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
