package wire

import (
	"context"
	"log/slog"
	"time"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/directory"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// privacy is the LGPD service over the parts' repositories (the worker's in-chat erasure, the
// admin API's export and erasure), with cfg's pseudonymisation key: Config.PseudonymKey, or
// the environment's secret (resourcenames.PseudonymKeySecret) read with the function's role.
func (p *parts) privacy(cfg Config, clients awsclients.TenantClients, opts Options) (*privacy.Service, error) {
	keys := cfg.PseudonymKey
	if keys == nil {
		sm, err := clients.SecretsManager(context.Background(), "")
		if err != nil {
			return nil, err
		}
		keys = privacy.NewSecretKey(sm, resourcenames.PseudonymKeySecret(cfg.Env))
	}
	return privacy.New(privacy.Deps{Mappings: p.repos, Conversations: p.repos, Orders: p.repos, Claims: p.repos, Keys: keys,
		Now: opts.now(), Log: opts.logger()})
}

// EngineParts are what the admin function builds on (package adminwire): the repositories,
// the brand directory, the engine, the daily counters (nil without their table) and the
// privacy service. The webhook and the worker do not link the admin API.
type EngineParts struct {
	Repos     *dynamo.Repositories
	Directory *directory.Directory
	Engine    *conversation.Service
	Daily     *metrics.Daily
	Privacy   *privacy.Service
	// Deps are the engine's dependencies (its model, budgets and counters among them), for
	// another engine over the same parts: the admin's test chat (conversation.NewSandbox).
	Deps conversation.Deps
}

// BuildEngineParts builds the engine's parts for a function that is not the worker: its daily
// counters are written whenever it flushes them (DailyMaxAge < 0).
func BuildEngineParts(cfg Config, clients awsclients.TenantClients, opts Options) (*EngineParts, error) {
	opts.DailyMaxAge = -1
	p, err := buildParts(cfg, clients, opts, true)
	if err != nil {
		return nil, err
	}
	p.withDaily(cfg, opts)
	d, priv, err := engineDeps(p, cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	engine, err := conversation.New(d)
	if err != nil {
		return nil, err
	}
	return &EngineParts{Repos: p.repos, Directory: p.dir, Engine: engine, Daily: p.daily, Privacy: priv, Deps: d}, nil
}

// Clock is the options' clock (time.Now by default).
func (o Options) Clock() func() time.Time { return o.now() }

// Log is the options' logger (slog.Default() by default).
func (o Options) Log() *slog.Logger { return o.logger() }
