// Package platform wires the runtime from its parts, once, at cold start: the Lambda
// functions (functions/webhook, functions/worker) and the local runner build the same
// objects here, so the local stack runs the code that runs in AWS.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/awsx"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/naming"
	"github.com/wabot-platform/wabot/shared/queue"
	"github.com/wabot-platform/wabot/shared/secrets"
	"github.com/wabot-platform/wabot/shared/twilio"
	"github.com/wabot-platform/wabot/shared/webhook"
	"github.com/wabot-platform/wabot/shared/worker"
)

// Config is the runtime's configuration, set by the CDK app through environment variables
// (naming.EnvVar*).
type Config struct {
	Env             string
	Tables          naming.Tables
	InboundQueueURL string // needed by the webhook only
	PublicBaseURL   string // optional: see webhook.Deps
}

// ConfigFromEnv reads and checks the configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Env: getenv(naming.EnvVarEnvironment),
		Tables: naming.Tables{
			ClientConfig:      getenv(naming.EnvVarClientTable),
			StoreConfig:       getenv(naming.EnvVarStoreTable),
			PhoneMapping:      getenv(naming.EnvVarMappingTable),
			ConversationState: getenv(naming.EnvVarConversationTbl),
			Idempotency:       getenv(naming.EnvVarIdempotencyTable),
		},
		InboundQueueURL: getenv(naming.EnvVarInboundQueueURL),
		PublicBaseURL:   getenv(naming.EnvVarPublicBaseURL),
	}
	var missing []string
	for name, v := range map[string]string{
		naming.EnvVarClientTable: c.Tables.ClientConfig, naming.EnvVarStoreTable: c.Tables.StoreConfig,
		naming.EnvVarMappingTable: c.Tables.PhoneMapping, naming.EnvVarConversationTbl: c.Tables.ConversationState,
		naming.EnvVarIdempotencyTable: c.Tables.Idempotency,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment variables: %s", strings.Join(missing, ", "))
	}
	if !naming.ValidEnv(c.Env) {
		return c, fmt.Errorf("%s %q is not one of %v", naming.EnvVarEnvironment, c.Env, naming.Environments)
	}
	return c, nil
}

// Runtime is the wired platform.
type Runtime struct {
	Repos        *dynamo.Repositories
	Credentials  *secrets.Source
	Conversation *conversation.Service
	Worker       *worker.Worker
	webhook      *webhook.Handler
}

// Options change the wiring.
type Options struct {
	// Messenger sends replies; nil means Twilio's REST API with each brand's credentials.
	Messenger domain.Messenger
	// TwilioHTTPClient, when set, is the HTTP client of the Twilio messenger (a proxy, or a
	// test server speaking Twilio's API).
	TwilioHTTPClient *http.Client
	Logger           *slog.Logger
	// RepoOptions change the repositories (the tests' clock).
	RepoOptions []dynamo.Option
	// ConfigTTL is how long brand and store configuration is cached in memory by the webhook
	// and the worker; 0 means their defaults (60 s). The local runner shortens it so an edit
	// shows at once.
	ConfigTTL time.Duration
}

// New builds the runtime. clients hands out per-tenant SDK clients.
func New(ctx context.Context, cfg Config, clients awsx.TenantClients, opts Options) (*Runtime, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	repos, err := dynamo.New(cfg.Tables, dynamo.FromTenantClients(clients), opts.RepoOptions...)
	if err != nil {
		return nil, err
	}
	creds, err := secrets.New(cfg.Env, secrets.FromTenantClients(clients))
	if err != nil {
		return nil, err
	}
	messenger := opts.Messenger
	if messenger == nil {
		var topts []twilio.Option
		if opts.TwilioHTTPClient != nil {
			topts = append(topts, twilio.WithHTTPClient(opts.TwilioHTTPClient))
		}
		if messenger, err = twilio.New(creds, topts...); err != nil {
			return nil, err
		}
	}
	conv, err := conversation.New(conversation.Deps{
		Clients: repos, Stores: repos, Mappings: repos, Conversations: repos, Idempotency: repos,
		Messenger: messenger, Logger: log, ConfigTTL: opts.ConfigTTL,
	})
	if err != nil {
		return nil, err
	}
	rt := &Runtime{Repos: repos, Credentials: creds, Conversation: conv, Worker: worker.New(conv.Handle, log)}
	if cfg.InboundQueueURL != "" {
		q, err := queue.NewInbound(cfg.InboundQueueURL, func(ctx context.Context, tenant string) (queue.SendAPI, error) {
			return clients.SQS(ctx, tenant)
		})
		if err != nil {
			return nil, err
		}
		rt.webhook, err = webhook.New(webhook.Deps{
			Clients: repos, Credentials: creds, Idempotency: repos, Queue: q,
			PublicBaseURL: cfg.PublicBaseURL, Logger: log, ClientTTL: opts.ConfigTTL,
		})
		if err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// Webhook returns the webhook handler; an error when the configuration has no inbound queue.
func (r *Runtime) Webhook() (*webhook.Handler, error) {
	if r.webhook == nil {
		return nil, errors.New("the webhook needs " + naming.EnvVarInboundQueueURL)
	}
	return r.webhook, nil
}

// FromEnvironment is a Lambda's cold start: the configuration from the environment, AWS
// credentials from the default chain, the runtime wired.
func FromEnvironment(ctx context.Context, log *slog.Logger) (*Runtime, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsx.Load(ctx, awsx.Options{})
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg, awsx.NewStatic(awsCfg), Options{Logger: log})
}
