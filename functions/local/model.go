package main

import (
	"context"
	"log/slog"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/bedrock"
	"github.com/wabot-platform/wabot/shared/wire"
)

// localModelPath is where the runner serves the local model stand-in: Bedrock Runtime's
// Converse (POST /_local/bedrock/model/{modelId}/converse) answered by the standin brain.
const localModelPath = "/_local/bedrock"

// localModel chooses the engine's language model (see config): the stand-in or another
// Converse server at bedrockURL through the Bedrock adapter with each brand's session of
// clients (the tenant access role's for the worker, the tenant admin role's for the admin's
// test chat, as in AWS), Amazon Bedrock itself, or none.
func localModel(ctx context.Context, cfg config, opts *wire.Options, log *slog.Logger, clients awsclients.TenantClients, bedrockURL string) error {
	switch {
	case cfg.ModelOff:
		// opts.Model stays nil.
		log.Info("no language model: the rules answer alone (WABOT_MODEL=off)")
	case cfg.BedrockModelID != "":
		// Amazon Bedrock with the developer's own credentials: the emulator's tenant role
		// does not exist in their account, so the calls go with those credentials directly.
		awsCfg, err := awsclients.Load(ctx, awsclients.Options{})
		if err != nil {
			return err
		}
		opts.Model, opts.ModelID = bedrock.New(bedrock.ClientsFrom(awsclients.NewStatic(awsCfg), "")), cfg.BedrockModelID
		log.Info("the language model is Amazon Bedrock", "modelId", cfg.BedrockModelID, "region", awsCfg.Region)
	default:
		opts.Model = bedrock.New(bedrock.ClientsFrom(clients, bedrockURL))
		what := "the local model stand-in (rules brain, Converse wire format)"
		if cfg.BedrockEndpoint != "" {
			what = "a local Converse server"
		}
		log.Info("the language model is "+what, "url", bedrockURL)
	}
	return nil
}
