package wire_test

import (
	"strings"
	"testing"

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
