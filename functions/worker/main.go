// Command worker is the Lambda on the inbound FIFO queue: it identifies the brand's store,
// runs one conversation step per message and sends the replies, reporting partial batch
// failures. It only wires; the behaviour is in shared/edge/sqsworker and shared/conversation.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

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
	rt, err := wire.FromEnvironment(ctx, log)
	if err != nil {
		return err
	}
	lambda.Start(rt.Worker.HandleSQSEvent)
	return nil
}
