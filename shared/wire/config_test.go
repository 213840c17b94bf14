package wire_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/wabot-platform/wabot/shared/awsclients"

	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/wire"
)

// webhookEnv is the environment the CDK app gives the webhook of env (the worker's adds the
// menu and order tables and the inbound DLQ).
func webhookEnv(env string) map[string]string {
	return map[string]string{
		resourcenames.EnvVarEnvironment: env, resourcenames.EnvVarClientTable: "c", resourcenames.EnvVarStoreTable: "s",
		resourcenames.EnvVarMappingTable: "m", resourcenames.EnvVarConversationTbl: "v", resourcenames.EnvVarIdempotencyTable: "i",
		resourcenames.EnvVarInboundQueueURL: "https://sqs.us-east-1.amazonaws.com/1/q.fifo",
		resourcenames.EnvVarTenantRoleARN:   "arn:aws:iam::111111111111:role/" + resourcenames.TenantAccessRoleName(env),
	}
}

func TestConfigFromEnv(t *testing.T) {
	full := webhookEnv("prod")
	cfg, err := wire.ConfigFromEnv(func(k string) string { return full[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Env != "prod" || cfg.Tables.ConversationState != "v" || cfg.InboundQueueURL != full[resourcenames.EnvVarInboundQueueURL] ||
		cfg.TenantRoleARN != full[resourcenames.EnvVarTenantRoleARN] {
		t.Errorf("config %+v", cfg)
	}
	missing := map[string]string{resourcenames.EnvVarEnvironment: "dev"}
	_, err = wire.ConfigFromEnv(func(k string) string { return missing[k] })
	if err == nil || !strings.Contains(err.Error(), resourcenames.EnvVarClientTable) {
		t.Errorf("missing tables: %v", err)
	}
	bad := maps.Clone(full)
	bad[resourcenames.EnvVarEnvironment] = "qa"
	if _, err := wire.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
		t.Error("unknown environment accepted")
	}
	// Without the tenant role a function could only fall back to its own role for brands'
	// data, which IAM refuses: it must not start.
	noRole := maps.Clone(full)
	delete(noRole, resourcenames.EnvVarTenantRoleARN)
	if _, err := wire.ConfigFromEnv(func(k string) string { return noRole[k] }); err == nil || !strings.Contains(err.Error(), resourcenames.EnvVarTenantRoleARN) {
		t.Errorf("no tenant role: %v", err)
	}
}

// The webhook Lambda starts with exactly the environment the CDK app gives it: no menu or
// order table (infra's TestFunctionEnvironments checks it is not given them).
func TestWebhookStartsWithItsOwnEnvironment(t *testing.T) {
	env := webhookEnv("dev")
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
