package wire_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/wabot-platform/wabot/shared/awsclients"

	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/wire"
)

func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		resourcenames.EnvVarEnvironment: "prod", resourcenames.EnvVarClientTable: "c", resourcenames.EnvVarStoreTable: "s",
		resourcenames.EnvVarMappingTable: "m", resourcenames.EnvVarConversationTbl: "v", resourcenames.EnvVarIdempotencyTable: "i",
		resourcenames.EnvVarInboundQueueURL: "https://sqs/q.fifo",
	}
	cfg, err := wire.ConfigFromEnv(func(k string) string { return full[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Env != "prod" || cfg.Tables.ConversationState != "v" || cfg.InboundQueueURL != "https://sqs/q.fifo" {
		t.Errorf("config %+v", cfg)
	}
	missing := map[string]string{resourcenames.EnvVarEnvironment: "dev"}
	_, err = wire.ConfigFromEnv(func(k string) string { return missing[k] })
	if err == nil || !strings.Contains(err.Error(), resourcenames.EnvVarClientTable) {
		t.Errorf("missing tables: %v", err)
	}
	bad := map[string]string{}
	for k, v := range full {
		bad[k] = v
	}
	bad[resourcenames.EnvVarEnvironment] = "qa"
	if _, err := wire.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
		t.Error("unknown environment accepted")
	}
}

// The webhook Lambda starts with exactly the environment the CDK app gives it: no menu or
// order table (infra's TestFunctionEnvironments checks it is not given them).
func TestWebhookStartsWithItsOwnEnvironment(t *testing.T) {
	env := map[string]string{
		resourcenames.EnvVarEnvironment: "dev", resourcenames.EnvVarClientTable: "c", resourcenames.EnvVarStoreTable: "s",
		resourcenames.EnvVarMappingTable: "m", resourcenames.EnvVarConversationTbl: "v", resourcenames.EnvVarIdempotencyTable: "i",
		resourcenames.EnvVarInboundQueueURL: "https://sqs.us-east-1.amazonaws.com/1/q.fifo",
	}
	cfg, err := wire.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.NewWebhook(context.Background(), cfg, awsclients.NewStatic(aws.Config{Region: "us-east-1"}), wire.Options{}); err != nil {
		t.Fatalf("the webhook does not start with its environment: %v", err)
	}
	if _, err := wire.NewWorker(context.Background(), cfg, awsclients.NewStatic(aws.Config{Region: "us-east-1"}), wire.Options{}); err == nil {
		t.Error("the worker started without the menu and order tables")
	}
}
