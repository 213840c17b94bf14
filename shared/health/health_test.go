package health_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/health"
)

func get(t *testing.T, h http.Handler) (int, health.Report) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var rep health.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, rep
}

func TestHealthy(t *testing.T) {
	tables := emulatortest.Tables(t)
	c := &health.Checker{DB: dynamodb.NewFromConfig(emulatortest.Config(t)), Tables: tables.All()}
	code, rep := get(t, c)
	if code != http.StatusOK || rep.Status != "ok" {
		t.Fatalf("got %d %+v, want 200 ok", code, rep)
	}
	if rep.Tables[tables.ClientConfig] != "ACTIVE" {
		t.Errorf("client table status %q", rep.Tables[tables.ClientConfig])
	}
}

func TestMissingTable(t *testing.T) {
	tables := emulatortest.Tables(t)
	c := &health.Checker{DB: dynamodb.NewFromConfig(emulatortest.Config(t)), Tables: append(tables.All(), "WhatsAppBotNoSuchTable")}
	code, rep := get(t, c)
	if code != http.StatusServiceUnavailable || rep.Status != "unavailable" {
		t.Fatalf("got %d %+v, want 503 unavailable", code, rep)
	}
	if rep.Tables["WhatsAppBotNoSuchTable"] != "MISSING" {
		t.Errorf("missing table reported as %q", rep.Tables["WhatsAppBotNoSuchTable"])
	}
}

func TestEmulatorUnreachable(t *testing.T) {
	// A listener that is closed at once: nothing answers on its port.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	cfg, err := awsclients.Load(context.Background(), awsclients.Options{Endpoint: url, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = 1
	c := &health.Checker{DB: dynamodb.NewFromConfig(cfg), Tables: []string{"WhatsAppBotClientConfig-dev"}}
	code, rep := get(t, c)
	if code != http.StatusServiceUnavailable || rep.Tables["WhatsAppBotClientConfig-dev"] != "UNREACHABLE" {
		t.Fatalf("got %d %+v, want 503 with the table UNREACHABLE", code, rep)
	}
}
