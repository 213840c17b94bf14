package platform_test

import (
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/naming"
	"github.com/wabot-platform/wabot/shared/platform"
)

func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		naming.EnvVarEnvironment: "prod", naming.EnvVarClientTable: "c", naming.EnvVarStoreTable: "s",
		naming.EnvVarMappingTable: "m", naming.EnvVarConversationTbl: "v", naming.EnvVarIdempotencyTable: "i",
		naming.EnvVarInboundQueueURL: "https://sqs/q.fifo",
	}
	cfg, err := platform.ConfigFromEnv(func(k string) string { return full[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Env != "prod" || cfg.Tables.ConversationState != "v" || cfg.InboundQueueURL != "https://sqs/q.fifo" {
		t.Errorf("config %+v", cfg)
	}
	missing := map[string]string{naming.EnvVarEnvironment: "dev"}
	_, err = platform.ConfigFromEnv(func(k string) string { return missing[k] })
	if err == nil || !strings.Contains(err.Error(), naming.EnvVarClientTable) {
		t.Errorf("missing tables: %v", err)
	}
	bad := map[string]string{}
	for k, v := range full {
		bad[k] = v
	}
	bad[naming.EnvVarEnvironment] = "qa"
	if _, err := platform.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
		t.Error("unknown environment accepted")
	}
}
