// Command worker is the Lambda on the inbound FIFO queue: it runs one conversation turn per
// customer burst (identification, menu, cart, checkout), places orders on the stores' POS
// queues and sends the replies, reporting partial batch failures. It only wires; the
// behaviour is in shared/edge/sqsworker and shared/conversation.
//
// It asks Lambda for SIGTERM before the environment is shut down (an internal extension,
// lambda.WithEnableSIGTERM) and then writes the daily counters it still holds.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wabot-platform/wabot/shared/bedrock"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/wire"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	if err := run(context.Background(), log); err != nil {
		log.Error("worker cannot start", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, clients, err := wire.FromEnvironment(ctx)
	if err != nil {
		return err
	}
	// The language model: Amazon Bedrock, each brand's calls with its own tenant session on
	// its own application inference profile (docs/ai.md).
	model := bedrock.New(bedrock.ClientsFrom(clients, ""))
	w, err := wire.NewWorker(ctx, cfg, clients, wire.Options{Logger: log, Model: model, Metrics: metrics.NewEMF(os.Stdout, metrics.NamespaceFromEnv(os.Getenv))})
	if err != nil {
		return err
	}
	lambda.StartWithOptions(w.HandleSQSEvent, lambda.WithEnableSIGTERM(func() {
		ctx, cancel := context.WithTimeout(ctx, shutdownBudget)
		defer cancel()
		_ = w.Shutdown(ctx)
	}))
	return nil
}

// shutdownBudget is what the worker takes of the ~500 ms Lambda leaves between SIGTERM and
// SIGKILL.
const shutdownBudget = 400 * time.Millisecond
