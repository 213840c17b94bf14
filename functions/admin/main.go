// Command admin is the Lambda behind /admin/v1 (API Gateway HTTP API, payload format 2.0,
// with the user pool's JWT authorizer in front): the admin REST API, and the admin web UI
// at /admin/ (package adminui, no authorizer: the page holds no data). Its test chat calls
// the brand's model through Bedrock, as the worker does. It only wires; the behaviour is in
// shared/admin, the token verification in shared/adminauth.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wabot-platform/wabot/shared/adminui"
	"github.com/wabot-platform/wabot/shared/bedrock"
	"github.com/wabot-platform/wabot/shared/edge/httpapi"
	"github.com/wabot-platform/wabot/shared/wire"
	"github.com/wabot-platform/wabot/shared/wire/adminwire"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(log)
	if err := run(context.Background(), log); err != nil {
		log.Error("admin cannot start", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, clients, err := adminwire.AdminFromEnvironment(ctx)
	if err != nil {
		return err
	}
	auth, err := adminwire.AdminAuthenticator(cfg, nil)
	if err != nil {
		return err
	}
	// The test chat's language model: Amazon Bedrock, as the worker's, each brand's calls with
	// its own tenant admin session on its own application inference profile (docs/ai.md).
	model := bedrock.New(bedrock.ClientsFrom(clients, ""))
	h, err := adminwire.NewAdmin(ctx, cfg, clients, auth, wire.Options{Logger: log, Model: model})
	if err != nil {
		return err
	}
	// The API under /admin/v1, the admin UI (embedded, hosted sign-in) at /admin/.
	lambda.Start(httpapi.Handler(adminui.Mount(h, adminui.Handler(cfg.UIConfig()))))
	return nil
}
