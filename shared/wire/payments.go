package wire

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/edge/asaashook"
	"github.com/wabot-platform/wabot/shared/edge/httpapi"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Webhooks is the webhook function: Twilio's incoming messages (resourcenames.WebhookPath)
// and Asaas's payment events (asaashook.PathPrefix + clientId), both put on the inbound
// queue for the worker.
type Webhooks struct {
	Twilio *twiliohook.Handler
	// Payments is the Asaas webhook; without the orders table it answers every delivery 503
	// (Asaas retries) and logs why, while the Twilio route works on.
	Payments http.Handler
}

// NewWebhooks builds the webhook function: brands by number and by id, the brands' Twilio
// and Asaas credentials, the orders (for the payment events' customers) and the inbound
// queue.
func NewWebhooks(_ context.Context, cfg Config, clients awsclients.TenantClients, opts Options) (*Webhooks, error) {
	p, err := buildParts(cfg, clients, opts, false)
	if err != nil {
		return nil, err
	}
	tw, err := webhookFrom(p, cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	pay, err := paymentWebhookFrom(p, cfg, clients, opts)
	if err != nil {
		return nil, err
	}
	return &Webhooks{Twilio: tw, Payments: pay}, nil
}

// HandleAPIGateway is the Lambda entry point: a request under asaashook.PathPrefix (by its
// path, or its route key) goes to the payment webhook, every other one to Twilio's.
func (w *Webhooks) HandleAPIGateway(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if IsPaymentWebhook(ev) {
		return httpapi.Handler(w.Payments)(ctx, ev)
	}
	return w.Twilio.HandleAPIGateway(ctx, ev)
}

// IsPaymentWebhook reports whether ev is a delivery to the payment webhook's route.
func IsPaymentWebhook(ev events.APIGatewayV2HTTPRequest) bool {
	return strings.HasPrefix(ev.RawPath, asaashook.PathPrefix) || strings.Contains(ev.RouteKey, asaashook.PathPrefix)
}

// paymentWebhookFrom builds the Asaas webhook over the parts. Without the orders table, or
// without the inbound queue, the handler answers 503 and logs why: the payment route must
// not keep the function from serving Twilio.
func paymentWebhookFrom(p *parts, cfg Config, clients awsclients.TenantClients, opts Options) (http.Handler, error) {
	var missing []string
	if cfg.Tables.Orders == "" {
		missing = append(missing, resourcenames.EnvVarOrdersTable)
	}
	if cfg.InboundQueueURL == "" {
		missing = append(missing, resourcenames.EnvVarInboundQueueURL)
	}
	if len(missing) > 0 {
		why := "the payment webhook needs " + strings.Join(missing, " and ")
		opts.logger().Warn(why + ": Asaas deliveries are answered 503")
		return paymentsUnavailable(opts, why), nil
	}
	// The inbound queue is the platform's: the function's own role sends to it.
	q, err := inboundqueue.NewInbound(cfg.InboundQueueURL, func(ctx context.Context, _ string) (inboundqueue.SendAPI, error) {
		return clients.SQS(ctx, "")
	})
	if err != nil {
		return nil, err
	}
	return asaashook.New(asaashook.Deps{
		Brands: p.dir, Credentials: p.creds, Orders: p.repos, Idempotency: p.repos, Queue: q,
		Logger: opts.logger(), Now: opts.now(),
	})
}

// paymentsUnavailable answers every delivery 503, which Asaas retries, and logs why.
func paymentsUnavailable(opts Options, why string) http.Handler {
	log := opts.logger()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.ErrorContext(r.Context(), "asaas webhook unavailable: "+why, "event", asaashook.EventFailed)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("temporarily unavailable\n"))
	})
}

// PaymentWebhook returns the Asaas webhook handler (mounted at asaashook.PathPrefix by the
// local runner); an error when the configuration has no inbound queue.
func (r *Runtime) PaymentWebhook() (http.Handler, error) {
	if r.payments == nil {
		return nil, errors.New("the payment webhook needs " + resourcenames.EnvVarInboundQueueURL)
	}
	return r.payments, nil
}
