package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startRunner runs the local runner as `make dev` does and returns its base URL.
func startRunner(t *testing.T) string {
	t.Helper()
	port := freePort(t)
	env := map[string]string{
		"WABOT_AWS_ENDPOINT": emulatortest.Endpoint(t),
		"WABOT_TEMPLATE":     mustTemplatePath(t),
		"PORT":               strconv.Itoa(port),
	}
	ctx, cancel := context.WithCancel(domain.NewPlatformContext(context.Background()))
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(k string) string { return env[k] })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner stopped with %v", err)
		}
		// The emulator finishes a long poll the stopped runner abandoned (up to the poller's
		// one-second wait) and would hand it a message of the shared runner's: wait it out.
		time.Sleep(1500 * time.Millisecond)
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("runner exited early: %v", err)
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("runner's /healthz did not answer 200 within 30s")
	return ""
}

func mustTemplatePath(t *testing.T) string {
	t.Helper()
	emulatortest.Template(t) // fails the test with a clear message when it is missing
	return os.Getenv(emulatortest.TemplateEnv)
}

// TestLocalStack starts the runner twice against the same emulator (as a second `make dev`
// would) and checks health and the demo data each time.
func TestLocalStack(t *testing.T) {
	for round := 1; round <= 2; round++ {
		t.Run("round "+strconv.Itoa(round), func(t *testing.T) {
			base := startRunner(t)
			resp, err := http.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Status string
				Tables map[string]string
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || body.Status != "ok" || len(body.Tables) != len(resourcenames.TablesFor(resourcenames.EnvDev).All()) {
				t.Fatalf("healthz %d %+v", resp.StatusCode, body)
			}
			checkDemoData(t)
		})
	}
}

func checkDemoData(t *testing.T) {
	t.Helper()
	ctx := domain.NewPlatformContext(context.Background())
	cfg := emulatortest.Config(t)
	repos, err := dynamo.New(resourcenames.TablesFor(resourcenames.EnvDev), dynamo.FromTenantClients(awsclients.NewStatic(cfg)))
	if err != nil {
		t.Fatal(err)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	for _, tn := range demo.Tenants() {
		c, err := repos.FindClientByPhoneNumber(ctx, tn.Client.TwilioPhoneNumber)
		if err != nil {
			t.Fatalf("client by %s: %v", tn.Client.TwilioPhoneNumber, err)
		}
		if c.ClientID != tn.Client.ClientID || c.ClientName != tn.Client.ClientName || c.DefaultLanguage != tn.Client.DefaultLanguage || !c.IsActive {
			t.Errorf("client %+v, want %+v", c, tn.Client)
		}
		stores, err := repos.ListStores(ctx, c.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stores) != len(tn.Stores) {
			t.Fatalf("%s has %d stores, want %d", c.ClientID, len(stores), len(tn.Stores))
		}
		for _, s := range stores {
			if !s.IsActive || !s.Accepts(domain.PaymentPIX) || !s.Accepts(domain.PaymentCredit) || s.Address.Street == "" {
				t.Errorf("store %s/%s incomplete: %+v", s.ClientID, s.StoreID, s)
			}
			// The store's order queue is registered in its config, as the TenantStore
			// construct does in AWS, and it is the queue of the template.
			want := resourcenames.StoreOrderQueue(resourcenames.EnvDev, s.ClientID, s.StoreID)
			if !strings.HasSuffix(s.SQSQueueURL, "/"+want) || !strings.HasSuffix(s.SQSQueueARN, ":"+want) {
				t.Errorf("store %s/%s queue %q %q, want %s", s.ClientID, s.StoreID, s.SQSQueueURL, s.SQSQueueARN, want)
			}
		}
		menu, err := repos.GetMenu(ctx, c.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if len(menu.Items) != len(tn.Menu.Items) || len(menu.Categories) != len(tn.Menu.Categories) {
			t.Errorf("%s menu has %d items in %d categories, want %d in %d", c.ClientID, len(menu.Items), len(menu.Categories), len(tn.Menu.Items), len(tn.Menu.Categories))
		}
		v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(resourcenames.TwilioSecret(resourcenames.EnvDev, c.ClientID))})
		if err != nil {
			t.Fatal(err)
		}
		var creds demo.TwilioCredentials
		if err := json.Unmarshal([]byte(aws.ToString(v.SecretString)), &creds); err != nil {
			t.Fatal(err)
		}
		if creds.AuthToken != tn.Twilio.AuthToken {
			t.Errorf("%s Twilio token not seeded", c.ClientID)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]map[string]string{
		"no endpoint": {},
		"bad port":    {"WABOT_AWS_ENDPOINT": "http://127.0.0.1:1", "PORT": "eighty"},
		"port zero":   {"WABOT_AWS_ENDPOINT": "http://127.0.0.1:1", "PORT": "0"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := loadConfig(func(k string) string { return env[k] }); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	c, err := loadConfig(func(k string) string { return map[string]string{"WABOT_AWS_ENDPOINT": "http://x"}[k] })
	if err != nil || c.Port != 8080 || c.Host != "127.0.0.1" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
}
