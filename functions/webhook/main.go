// Command webhook is the Lambda behind POST /webhooks/twilio and POST
// /webhooks/asaas/{clientId} (API Gateway HTTP API, payload format 2.0): it checks Twilio's
// signature, or the brand's Asaas webhook token, and queues the message or payment event for
// the worker. It only wires; the behaviour is in shared/edge/twiliohook and
// shared/edge/asaashook.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/wire"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	if err := run(context.Background(), log); err != nil {
		log.Error("webhook cannot start", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, clients, err := wire.FromEnvironment(ctx)
	if err != nil {
		return err
	}
	h, err := wire.NewWebhooks(ctx, cfg, clients, wire.Options{Logger: log, Metrics: metrics.NewEMF(os.Stdout, metrics.NamespaceFromEnv(os.Getenv))})
	if err != nil {
		return err
	}
	lambda.Start(h.HandleAPIGateway)
	return nil
}
