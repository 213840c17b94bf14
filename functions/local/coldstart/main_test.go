package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio"
)

func TestSummarize(t *testing.T) {
	if got := summarize([]float64{30, 10, 20}); got != (Stats{Min: 10, Median: 20, Max: 30}) {
		t.Errorf("odd count: %+v", got)
	}
	if got := summarize([]float64{4, 1, 3, 2}); got != (Stats{Min: 1, Median: 2.5, Max: 4}) {
		t.Errorf("even count: %+v", got)
	}
	if got := summarize(nil); got != (Stats{}) {
		t.Errorf("none: %+v", got)
	}
}

// The Runtime API as aws-lambda-go's client uses it: next hands out the events in order
// with Lambda's headers; response and error posts are answered 202 and recorded.
func TestRuntimeAPI(t *testing.T) {
	evs := []event{{function: Webhook, payload: []byte(`{"n":1}`), timeout: 10 * time.Second},
		{function: Webhook, payload: []byte(`{"n":2}`), timeout: 10 * time.Second}}
	api, err := startRuntimeAPI(evs)
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	base := "http://" + api.Addr() + "/2018-06-01/runtime/invocation/"
	next := func() (string, string) {
		resp, err := http.Get(base + "next")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("next: %d", resp.StatusCode)
		}
		deadline := resp.Header.Get("Lambda-Runtime-Deadline-Ms")
		if deadline == "" || resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn") == "" {
			t.Errorf("next: headers %v", resp.Header)
		}
		return resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), string(b)
	}
	post := func(id, kind, body string) {
		resp, err := http.Post(base+id+"/"+kind, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %d, want 202", kind, resp.StatusCode)
		}
	}
	id1, p1 := next()
	if p1 != `{"n":1}` || id1 == "" || api.FirstNext().IsZero() {
		t.Fatalf("first event %q %q", id1, p1)
	}
	post(id1, "response", `"ok"`)
	id2, p2 := next()
	if p2 != `{"n":2}` || id2 == id1 {
		t.Fatalf("second event %q %q", id2, p2)
	}
	post(id2, "error", `{"errorMessage":"boom"}`)
	o1, o2 := <-api.outcomes, <-api.outcomes
	if o1.Kind != "response" || o1.ID != id1 || string(o1.Body) != `"ok"` || o1.HandedOut.IsZero() || o1.At.Before(o1.HandedOut) {
		t.Errorf("first outcome %+v", o1)
	}
	if o2.Kind != "error" || o2.ID != id2 {
		t.Errorf("second outcome %+v", o2)
	}
}

// The webhook's event carries a delivery whose signature the webhook accepts: Twilio's,
// over https://<API domain>/webhooks/twilio, with the demo pizzaria's token.
func TestWebhookEvent(t *testing.T) {
	e := webhookEvent()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(e.payload, &ev); err != nil {
		t.Fatal(err)
	}
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil || !ev.IsBase64Encoded {
		t.Fatalf("body %q: %v", ev.Body, err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{}
	for k := range form {
		params[k] = form.Get(k)
	}
	signed := "https://" + ev.RequestContext.DomainName + ev.RawPath
	if !twilio.ValidSignature(demo.PizzariaToken, signed, params, ev.Headers["x-twilio-signature"]) {
		t.Errorf("the signature does not validate over %s", signed)
	}
	if ev.RawPath != resourcenames.WebhookPath || params["To"] != demo.PizzariaNumber || len(params["MessageSid"]) != 34 {
		t.Errorf("event %+v params %v", ev, params)
	}
	if err := e.check([]byte(`{"statusCode":200}`)); err != nil {
		t.Error(err)
	}
	if err := e.check([]byte(`{"statusCode":500}`)); err == nil {
		t.Error("a 500 passed")
	}
}

// The worker's event is one record the worker decodes: a new customer each time.
func TestWorkerEvent(t *testing.T) {
	a, b := workerEvent(), workerEvent()
	var ev events.SQSEvent
	if err := json.Unmarshal(a.payload, &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("%v %+v", err, ev)
	}
	m, err := inboundqueue.Decode(ev.Records[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	if m.ClientID != demo.PizzariaID || ev.Records[0].Attributes["MessageGroupId"] != inboundqueue.GroupID(m.ClientID, m.From) {
		t.Errorf("message %+v, attributes %v", m, ev.Records[0].Attributes)
	}
	if string(a.payload) == string(b.payload) {
		t.Error("two events are the same message")
	}
	if err := a.check([]byte(`{"batchItemFailures":[{"itemIdentifier":"x"}]}`)); err == nil {
		t.Error("a failed record passed")
	}
}

// The fake Twilio is reached as twilio-go reaches api.twilio.com through HTTPS_PROXY,
// trusting only the fake's CA.
func TestFakeTwilio(t *testing.T) {
	tw, err := startFakeTwilio(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	pemBytes, err := os.ReadFile(tw.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the CA file holds no certificate")
	}
	proxy, _ := url.Parse(tw.ProxyURL())
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: roots}}}
	form := url.Values{"To": {"whatsapp:+5511999999999"}, "From": {demo.PizzariaNumber}, "Body": {"Olá"}}
	req, _ := http.NewRequest("POST", "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("AC123", "token")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || !strings.HasPrefix(m["sid"].(string), "SM") || tw.Sent() != 1 {
		t.Errorf("%d %v, sent %d", resp.StatusCode, m, tw.Sent())
	}
	if _, err := c.Get("https://example.com/"); err == nil {
		t.Error("the proxy reached another host")
	}
}

func TestForFunction(t *testing.T) {
	e := functionEnv{endpoint: "http://127.0.0.1:1", tables: resourcenames.TablesFor("dev"), inbound: "q", dlq: "d"}
	has := func(env []string, kv string) bool {
		for _, x := range env {
			if x == kv {
				return true
			}
		}
		return false
	}
	wh, wk := e.forFunction(Webhook, false), e.forFunction(Worker, false)
	if !has(wh, resourcenames.EnvVarInboundQueueURL+"=q") || has(wh, resourcenames.EnvVarMenuTable+"="+e.tables.Menu) {
		t.Errorf("webhook environment %v: as the CDK app gives it, with the inbound queue and without the menu table", wh)
	}
	if !has(wk, resourcenames.EnvVarMenuTable+"="+e.tables.Menu) || !has(wk, resourcenames.EnvVarInboundDLQURL+"=d") || !has(wk, "AWS_ENDPOINT_URL=http://127.0.0.1:1") {
		t.Errorf("worker environment %v", wk)
	}
	if !has(e.forFunction(Webhook, true), resourcenames.EnvVarOrdersTable+"="+e.tables.Orders) {
		t.Error("allTables does not give the webhook the orders table")
	}
}
