// Package emulatortest gives tests the local AWS emulator: a config pointed at it and tables
// created from the CDK-synthesized dev template under names of their own, so packages can
// run in parallel against one emulator. `make test` starts the emulator and sets:
//
//	WABOT_TEST_ENDPOINT  the emulator's URL (http://127.0.0.1:<port>)
//	WABOT_DEV_TEMPLATE   the synthesized dev template (cdk.out/dev/Wabot-dev.template.json)
//
// A test that needs them fails when they are missing: it never skips and passes silently.
package emulatortest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Environment variables set by `make test`.
const (
	EndpointEnv = "WABOT_TEST_ENDPOINT"
	TemplateEnv = "WABOT_DEV_TEMPLATE"
)

func mustEnv(tb testing.TB, key string) string {
	tb.Helper()
	v := os.Getenv(key)
	if v == "" {
		tb.Fatalf("%s is not set: this test needs the local AWS emulator; run it through `make test`", key)
	}
	return v
}

// Endpoint returns the emulator's URL.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	return mustEnv(tb, EndpointEnv)
}

// Config returns an aws.Config pointed at the emulator.
func Config(tb testing.TB) aws.Config {
	tb.Helper()
	cfg, err := awsclients.Load(context.Background(), awsclients.Options{Endpoint: Endpoint(tb), Region: "us-east-1"})
	if err != nil {
		tb.Fatalf("emulator config: %v", err)
	}
	return cfg
}

var (
	tmplOnce sync.Once
	tmpl     *emulator.Template
	tmplErr  error
)

// Template returns the synthesized dev template.
func Template(tb testing.TB) *emulator.Template {
	tb.Helper()
	path := mustEnv(tb, TemplateEnv)
	tmplOnce.Do(func() { tmpl, tmplErr = emulator.LoadTemplate(path) })
	if tmplErr != nil {
		tb.Fatalf("dev template: %v", tmplErr)
	}
	return tmpl
}

// UniqueSuffix returns a short random suffix for resource names.
func UniqueSuffix(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Tables creates the dev template's tables under names unique to this test and deletes them
// when the test ends. The names follow the template's, so a table missing from the template
// fails the test.
func Tables(tb testing.TB) resourcenames.Tables {
	tb.Helper()
	cfg := Config(tb)
	suffix := "-t" + UniqueSuffix(tb)
	db := dynamodb.NewFromConfig(cfg)
	ctx := context.Background()
	created, err := emulator.ApplyTables(ctx, db, Template(tb), emulator.Options{
		Rename: func(n string) string { return n + suffix },
	})
	if err != nil {
		tb.Fatalf("create tables from template: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, n := range created {
			_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(n)})
		}
	})
	want := resourcenames.TablesFor(resourcenames.EnvDev)
	have := map[string]bool{}
	for _, n := range created {
		have[n] = true
	}
	for _, n := range want.All() {
		if !have[n+suffix] {
			tb.Fatalf("the dev template has no table %s (it has %s)", n, strings.Join(created, ", "))
		}
	}
	return resourcenames.Tables{
		ClientConfig:      want.ClientConfig + suffix,
		StoreConfig:       want.StoreConfig + suffix,
		PhoneMapping:      want.PhoneMapping + suffix,
		ConversationState: want.ConversationState + suffix,
		Idempotency:       want.Idempotency + suffix,
		Menu:              want.Menu + suffix,
		Orders:            want.Orders + suffix,
		Audit:             want.Audit + suffix,
		DailyMetrics:      want.DailyMetrics + suffix,
	}
}
