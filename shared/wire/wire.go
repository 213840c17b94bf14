// Package wire wires the runtime from its parts, once, at cold start: the Lambda
// functions (functions/webhook, functions/worker) and the local runner build the same
// objects here, so the local stack runs the code that runs in AWS.
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

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/edge/sqsworker"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/secrets"
	"github.com/wabot-platform/wabot/shared/twilio"
)

// Config is the runtime's configuration, set by the CDK app through environment variables
// (resourcenames.EnvVar*).
type Config struct {
	Env             string
	Tables          resourcenames.Tables
	InboundQueueURL string // needed by the webhook only
	PublicBaseURL   string // optional: see twiliohook.Deps
}

// ConfigFromEnv reads and checks the configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Env: getenv(resourcenames.EnvVarEnvironment),
		Tables: resourcenames.Tables{
			ClientConfig:      getenv(resourcenames.EnvVarClientTable),
			StoreConfig:       getenv(resourcenames.EnvVarStoreTable),
			PhoneMapping:      getenv(resourcenames.EnvVarMappingTable),
			ConversationState: getenv(resourcenames.EnvVarConversationTbl),
			Idempotency:       getenv(resourcenames.EnvVarIdempotencyTable),
		},
		InboundQueueURL: getenv(resourcenames.EnvVarInboundQueueURL),
		PublicBaseURL:   getenv(resourcenames.EnvVarPublicBaseURL),
	}
	var missing []string
	for name, v := range map[string]string{
		resourcenames.EnvVarClientTable: c.Tables.ClientConfig, resourcenames.EnvVarStoreTable: c.Tables.StoreConfig,
		resourcenames.EnvVarMappingTable: c.Tables.PhoneMapping, resourcenames.EnvVarConversationTbl: c.Tables.ConversationState,
		resourcenames.EnvVarIdempotencyTable: c.Tables.Idempotency,
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

// Runtime is the wired platform.
type Runtime struct {
	Repos        *dynamo.Repositories
	Credentials  *secrets.Source
	Conversation *conversation.Service
	Worker       *sqsworker.Worker
	webhook      *twiliohook.Handler
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
func New(ctx context.Context, cfg Config, clients awsclients.TenantClients, opts Options) (*Runtime, error) {
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
	rt := &Runtime{Repos: repos, Credentials: creds, Conversation: conv, Worker: sqsworker.New(conv.Handle, log)}
	if cfg.InboundQueueURL != "" {
		q, err := inboundqueue.NewInbound(cfg.InboundQueueURL, func(ctx context.Context, tenant string) (inboundqueue.SendAPI, error) {
			return clients.SQS(ctx, tenant)
		})
		if err != nil {
			return nil, err
		}
		rt.webhook, err = twiliohook.New(twiliohook.Deps{
			Clients: repos, Credentials: creds, Idempotency: repos, Queue: q,
			PublicBaseURL: cfg.PublicBaseURL, Logger: log, ClientTTL: opts.ConfigTTL,
		})
		if err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// Webhook returns the webhook handler; an error when the configuration has no inbound inboundqueue.
func (r *Runtime) Webhook() (*twiliohook.Handler, error) {
	if r.webhook == nil {
		return nil, errors.New("the webhook needs " + resourcenames.EnvVarInboundQueueURL)
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
	awsCfg, err := awsclients.Load(ctx, awsclients.Options{})
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg, awsclients.NewStatic(awsCfg), Options{Logger: log})
}
