package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/dev/localasaas"
)

// stack mounts a provider as the local runner does, with one brand whose webhook answers
// status, and a PIX charge of 35.90 for order ord-1.
func stack(t *testing.T, status int) *httptest.Server {
	t.Helper()
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(bot.Close)
	p := localasaas.New(localasaas.Options{RetryBackoff: 1})
	if err := p.AddAccount(localasaas.Account{APIKey: "k", ClientID: "demo-burger", WebhookURL: bot.URL, WebhookToken: "t"}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(localasaas.MountPath+"/", http.StripPrefix(localasaas.MountPath, p))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	call := func(path, body string) {
		req, _ := http.NewRequest("POST", srv.URL+localasaas.MountPath+"/v3"+path, strings.NewReader(body))
		req.Header.Set("access_token", "k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST %s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	call("/customers", `{"name":"Maria"}`)
	// The charge needs the customer's id: list it.
	req, _ := http.NewRequest("GET", srv.URL+localasaas.MountPath+"/v3/customers", nil)
	req.Header.Set("access_token", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var l localasaas.List[localasaas.Customer]
	err = json.NewDecoder(resp.Body).Decode(&l)
	resp.Body.Close()
	if err != nil || len(l.Data) != 1 {
		t.Fatalf("customers: %v %+v", err, l)
	}
	call("/payments", `{"customer":"`+l.Data[0].ID+`","billingType":"PIX","value":35.9,"dueDate":"2999-01-01","externalReference":"ord-1"}`)
	return srv
}

func runArgs(t *testing.T, srv *httptest.Server, args ...string) (string, error) {
	t.Helper()
	o, err := parseArgs(append(args, "-url", srv.URL), func(string) string { return "" }, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = run(context.Background(), o, http.DefaultClient, &out)
	return out.String(), err
}

func TestPay(t *testing.T) {
	srv := stack(t, http.StatusOK)
	out, err := runArgs(t, srv, "-order", "ord-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"order ord-1 of demo-burger", "R$ 35,90", "is now RECEIVED", "PAYMENT_RECEIVED delivered: HTTP 200"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if _, err := runArgs(t, srv, "-order", "ord-1"); err == nil || !strings.Contains(err.Error(), "RECEIVED") {
		t.Errorf("paying twice: %v", err)
	}
	if _, err := runArgs(t, srv, "-order", "ord-404"); err == nil || !strings.Contains(err.Error(), "has no charge") {
		t.Errorf("no charge: %v", err)
	}
}

func TestOverdueAndRefusedWebhook(t *testing.T) {
	srv := stack(t, http.StatusInternalServerError)
	out, err := runArgs(t, srv, "-order", "ord-1", "-overdue", "-client", "demo-burger")
	if err == nil || !strings.Contains(err.Error(), "PAYMENT_OVERDUE") {
		t.Errorf("refused webhook: %v", err)
	}
	if !strings.Contains(out, "is now OVERDUE") || !strings.Contains(out, "refused after 3 attempt(s): HTTP 500") {
		t.Errorf("output %q", out)
	}
}

func TestNotRunning(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	o, _ := parseArgs([]string{"-order", "x", "-url", url}, func(string) string { return "" }, &bytes.Buffer{})
	if err := run(context.Background(), o, http.DefaultClient, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "start `make dev`") {
		t.Errorf("err = %v", err)
	}
}

func TestParseArgs(t *testing.T) {
	env := map[string]string{"PORT": "9090"}
	o, err := parseArgs([]string{"-order", "o"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil || o.base != "http://127.0.0.1:9090" {
		t.Errorf("PORT: %+v %v", o, err)
	}
	env["WABOT_URL"] = "http://localhost:7000/"
	if o, _ := parseArgs([]string{"-order", "o"}, func(k string) string { return env[k] }, &bytes.Buffer{}); o.base != "http://localhost:7000" {
		t.Errorf("WABOT_URL: %+v", o)
	}
	if _, err := parseArgs(nil, func(string) string { return "" }, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "ORDER is required") {
		t.Errorf("no order: %v", err)
	}
}
