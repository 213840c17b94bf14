package main

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/localasaas"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/asaashook"
	"github.com/wabot-platform/wabot/shared/secrets"
)

// payments are the local stack's payment parts: the local payment provider, with an account
// per demo brand whose webhook is this runner's payment webhook, and the provider the engine
// charges through.
type payments struct {
	local  *localasaas.Provider
	router *paymentRouter
}

func localPayments(cfg config, clients awsclients.TenantClients, log *slog.Logger) (*payments, error) {
	base := "http://127.0.0.1:" + strconv.Itoa(cfg.Port)
	local := localasaas.New(localasaas.Options{PublicURL: base + localasaas.MountPath, StateFile: cfg.AsaasState, Logger: log})
	for _, t := range demo.Tenants() {
		if err := local.AddAccount(localasaas.Account{
			APIKey: t.Asaas.APIKey, ClientID: t.Client.ClientID, RequireCPF: cfg.AsaasRequireCPF,
			WebhookURL: cfg.PublicBaseURL + asaashook.PathPrefix + t.Client.ClientID, WebhookToken: t.Asaas.WebhookToken,
		}); err != nil {
			return nil, err
		}
	}
	creds, err := secrets.New(cfg.Env, secrets.FromTenantClients(clients))
	if err != nil {
		return nil, err
	}
	toLocal, err := asaas.NewProvider(creds, asaas.WithBaseURL(base+localasaas.MountPath+localasaas.DefaultPrefix), asaas.WithLogger(log))
	if err != nil {
		return nil, err
	}
	toAsaas, err := asaas.NewProvider(creds, asaas.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return &payments{local: local, router: &paymentRouter{creds: creds, local: toLocal, asaas: toAsaas}}, nil
}

// paymentRouter sends a brand's charges to the local payment provider when its key is a local
// one (demo.LocalAsaasKeyPrefix), and to Asaas (its sandbox, with asaasSandbox) otherwise.
type paymentRouter struct {
	creds        domain.PaymentCredentialSource
	local, asaas domain.PaymentProvider
}

func (r *paymentRouter) pick(ctx context.Context, client *domain.Client) (domain.PaymentProvider, error) {
	c, err := r.creds.PaymentCredentials(ctx, client.ClientID)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(c.APIKey, demo.LocalAsaasKeyPrefix) {
		return r.local, nil
	}
	return r.asaas, nil
}

func (r *paymentRouter) Charge(ctx context.Context, client *domain.Client, o *domain.Order, payer domain.Payer) (*domain.Charge, error) {
	p, err := r.pick(ctx, client)
	if err != nil {
		return nil, err
	}
	return p.Charge(ctx, client, o, payer)
}

func (r *paymentRouter) CancelCharge(ctx context.Context, client *domain.Client, paymentID string) error {
	p, err := r.pick(ctx, client)
	if err != nil {
		return err
	}
	return p.CancelCharge(ctx, client, paymentID)
}

func (r *paymentRouter) Refund(ctx context.Context, client *domain.Client, paymentID, reason string) error {
	p, err := r.pick(ctx, client)
	if err != nil {
		return err
	}
	return p.Refund(ctx, client, paymentID, reason)
}
