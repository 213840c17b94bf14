package asaashook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/edge/asaashook"
	"github.com/wabot-platform/wabot/shared/edge/httpapi"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
)

const (
	brand       = "demo-pizzaria"
	brandNumber = "whatsapp:+5511990000001"
	customer    = "whatsapp:+5511987654321"
	// token is distinctive so a leak into a log line cannot go unnoticed.
	token   = "whTok3nNeverLogged0123456789abcdef"
	orderID = "o-20261127-0001"
)

// fakes: the webhook's collaborators in memory, with the rules of the real ones (the
// emulator test runs the real ones).
type fakeBrands struct {
	mu      sync.Mutex
	clients map[string]*domain.Client
	fail    error
	calls   int
}

func (f *fakeBrands) Brand(ctx context.Context, id string) (*domain.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if err := domain.CheckTenant(ctx, id); err != nil {
		return nil, err
	}
	if f.fail != nil {
		return nil, f.fail
	}
	if c, ok := f.clients[id]; ok {
		cp := *c
		return &cp, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no client %q", id)
}

type fakeCreds struct {
	creds map[string]domain.PaymentCredentials
	fail  error
}

func (f *fakeCreds) PaymentCredentials(ctx context.Context, id string) (domain.PaymentCredentials, error) {
	if f.fail != nil {
		return domain.PaymentCredentials{}, f.fail
	}
	if c, ok := f.creds[id]; ok {
		return c, nil
	}
	return domain.PaymentCredentials{}, domain.Errorf(domain.ENOTFOUND, "no Asaas secret")
}

type fakeOrders struct {
	mu     sync.Mutex
	orders map[string]*domain.Order
	fail   error
}

func (f *fakeOrders) GetOrder(ctx context.Context, clientID, id string) (*domain.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if f.fail != nil {
		return nil, f.fail
	}
	if o, ok := f.orders[clientID+"/"+id]; ok {
		cp := *o
		return &cp, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no order")
}

type env struct {
	h      *asaashook.Handler
	brands *fakeBrands
	creds  *fakeCreds
	orders *fakeOrders
	clock  *domaintest.Clock
	idem   *domaintest.Idempotency
	queue  *domaintest.Queue
	logs   *domaintest.LogBuffer
	now    time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	now := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
	clock := domaintest.NewClockAt(now)
	e := &env{
		brands: &fakeBrands{clients: map[string]*domain.Client{
			brand:       {ClientID: brand, TwilioPhoneNumber: brandNumber, IsActive: true},
			"no-token":  {ClientID: "no-token", TwilioPhoneNumber: "whatsapp:+5511990000002", IsActive: true},
			"no-secret": {ClientID: "no-secret", TwilioPhoneNumber: "whatsapp:+5511990000003", IsActive: true},
		}},
		creds: &fakeCreds{creds: map[string]domain.PaymentCredentials{
			brand:      {APIKey: "$aact_key", WebhookToken: token},
			"no-token": {APIKey: "$aact_key"},
			// An unknown brand's credentials would match: the brand is refused first.
			"ghost": {WebhookToken: token},
		}},
		orders: &fakeOrders{orders: map[string]*domain.Order{
			brand + "/" + orderID: {ClientID: brand, OrderID: orderID, CustomerPhone: customer, PaymentID: "pay_080225913252"},
			brand + "/o-erased":   {ClientID: brand, OrderID: "o-erased", CustomerPhone: "anon:abcdefghijklmnopqrstuvwxyz"},
		}},
		clock: clock,
		idem:  domaintest.NewIdempotency(clock.Now),
		queue: &domaintest.Queue{},
		logs:  &domaintest.LogBuffer{},
		now:   now,
	}
	h, err := asaashook.New(asaashook.Deps{Brands: e.brands, Credentials: e.creds, Orders: e.orders, Idempotency: e.idem,
		Queue: e.queue, Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	t.Cleanup(func() {
		// Whatever a test did, no log line holds the token, the customer's number or a body.
		logs := e.logs.String()
		for _, secret := range []string{token, customer, strings.TrimPrefix(customer, "whatsapp:"), "$aact_key", `"payment"`} {
			if strings.Contains(logs, secret) {
				t.Errorf("a log line holds %q:\n%s", secret, logs)
			}
		}
	})
	return e
}

// event is an Asaas webhook body, as documented (docs.asaas.com, "Receive Asaas events").
func event(id, name, value, reference string) string {
	ref := "null"
	if reference != "" {
		ref = fmt.Sprintf("%q", reference)
	}
	return fmt.Sprintf(`{"id":%q,"event":%q,"dateCreated":"2026-11-27 18:01:02","payment":{"object":"payment","id":"pay_080225913252",`+
		`"dateCreated":"2026-11-27","customer":"cus_000005219613","value":%s,"netValue":56.91,"originalValue":null,"billingType":"PIX",`+
		`"status":"RECEIVED","dueDate":"2026-11-28","externalReference":%s,"deleted":false,"refunds":null}}`, id, name, value, ref)
}

const evtID = "evt_05b708f961d739ea7eba7e4db318f621&368604920"

func post(e *env, clientID, tok, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "https://hooks.example.com/webhooks/asaas/"+clientID, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Asaas_Hmlg/3.0")
	if tok != "" {
		req.Header.Set(asaashook.TokenHeader, tok)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// Every refusal is the one answer of a wrong token, and changes nothing: no claim, nothing
// queued, and nobody learns which brands exist or are configured.
func TestRefusalsLookAlike(t *testing.T) {
	good := event(evtID, "PAYMENT_RECEIVED", "57.9", orderID)
	ref := newEnv(t)
	refusal := post(ref, brand, "wrong-token-0000000000000000000000", good)
	if refusal.Code != 401 {
		t.Fatalf("wrong token answered %d", refusal.Code)
	}
	// reason is what the alarmed log line says ("" for an unknown brand: no alarm line, anyone
	// can post to any path).
	cases := []struct{ name, clientID, token, reason string }{
		{"wrong token", brand, "whTok3nNeverLogged0123456789abcdeX", "wrong_token"},
		{"token of another length", brand, token + "0", "wrong_token"},
		{"token prefix", brand, token[:10], "wrong_token"},
		{"missing token", brand, "", "no_token"},
		{"unknown brand", "ghost", token, ""},
		{"brand without a webhook token", "no-token", token, "no_webhook_token"},
		{"brand without an Asaas secret", "no-secret", token, "no_credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			rec := post(e, tc.clientID, tc.token, good)
			if rec.Code != 401 || rec.Body.String() != refusal.Body.String() || rec.Header().Get("Content-Type") != refusal.Header().Get("Content-Type") {
				t.Errorf("answered %d %q (%s), want the wrong token's %d %q (%s)", rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"),
					refusal.Code, refusal.Body.String(), refusal.Header().Get("Content-Type"))
			}
			if len(e.idem.Keys()) != 0 || len(e.idem.Begun()) != 0 || e.queue.Len() != 0 {
				t.Errorf("a refused delivery changed something: %d claims, %d queued", len(e.idem.Keys()), e.queue.Len())
			}
			logs := e.logs.String()
			if !strings.Contains(logs, "refused") {
				t.Errorf("no warning logged:\n%s", logs)
			}
			alarmed := strings.Contains(logs, "event="+asaashook.EventRefused)
			if alarmed != (tc.reason != "") || (tc.reason != "" && !strings.Contains(logs, "reason="+tc.reason)) {
				t.Errorf("alarm line (event=%s reason=%s) logged %v, want %v:\n%s", asaashook.EventRefused, tc.reason, alarmed, tc.reason != "", logs)
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	good := event(evtID, "PAYMENT_RECEIVED", "57.9", orderID)
	e := newEnv(t)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req := httptest.NewRequest(m, "/webhooks/asaas/"+brand, strings.NewReader(good))
		req.Header.Set(asaashook.TokenHeader, token)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
			t.Errorf("%s: %d (Allow %q), want 405 and Allow: POST", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	for _, id := range []string{"Demo-Pizzaria", "demo_pizzaria", "..", "", "demo-pizzaria/extra", strings.Repeat("a", 25), "-demo"} {
		if rec := post(e, id, token, good); rec.Code != 404 {
			t.Errorf("clientId %q: %d, want 404", id, rec.Code)
		}
	}
	if rec := post(e, brand, token, `{"id":"`+strings.Repeat("a", asaashook.MaxBodyBytes)+`"}`); rec.Code != 413 {
		t.Errorf("large body: %d, want 413", rec.Code)
	}
	if e.queue.Len() != 0 || len(e.idem.Begun()) != 0 {
		t.Errorf("refused requests queued %d, claimed %d", e.queue.Len(), len(e.idem.Begun()))
	}
}

func TestMalformedEvents(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":             `{"id":`,
		"not an object":        `["PAYMENT_RECEIVED"]`,
		"no id":                `{"event":"PAYMENT_RECEIVED","payment":{"id":"pay_1","value":1}}`,
		"no event":             `{"id":"evt_1","payment":{"id":"pay_1","value":1}}`,
		"id with a space":      `{"id":"evt 1","event":"PAYMENT_RECEIVED","payment":{"id":"pay_1","value":1}}`,
		"id too long":          `{"id":"` + strings.Repeat("e", 201) + `","event":"PAYMENT_RECEIVED","payment":{"id":"pay_1","value":1}}`,
		"paid without payment": `{"id":"evt_1","event":"PAYMENT_RECEIVED"}`,
		"payment without id":   `{"id":"evt_1","event":"PAYMENT_RECEIVED","payment":{"value":1}}`,
		"fraction of a cent":   event("evt_1", "PAYMENT_RECEIVED", "57.901", orderID),
		"negative amount":      event("evt_1", "PAYMENT_RECEIVED", "-57.9", orderID),
		"exponent":             event("evt_1", "PAYMENT_RECEIVED", "5.79e1", orderID),
		"no amount":            `{"id":"evt_1","event":"PAYMENT_RECEIVED","payment":{"id":"pay_1","externalReference":"` + orderID + `"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			if rec := post(e, brand, token, body); rec.Code != 400 {
				t.Fatalf("answered %d %q, want 400", rec.Code, rec.Body.String())
			}
			if e.queue.Len() != 0 || len(e.idem.Begun()) != 0 {
				t.Errorf("queued %d, claimed %d", e.queue.Len(), len(e.idem.Begun()))
			}
		})
	}
}

// Events of no use to an order are acknowledged (Asaas would retry anything else, then
// pause the brand's queue) and leave nothing behind.
func TestOtherEventsAreIgnored(t *testing.T) {
	for _, body := range []string{
		event("evt_c1", "PAYMENT_CREATED", "57.9", orderID),
		event("evt_u1", "PAYMENT_UPDATED", "57.9", orderID),
		event("evt_v1", "PAYMENT_CHECKOUT_VIEWED", "57.9", orderID),
		`{"id":"evt_t1","event":"TRANSFER_DONE","transfer":{"object":"transfer","id":"tr_1","value":10}}`,
		// An event of no use is not looked into: its payment may be anything.
		`{"id":"evt_x1","event":"PAYMENT_AUTHORIZED","payment":{"value":"n/a"}}`,
	} {
		e := newEnv(t)
		rec := post(e, brand, token, body)
		if rec.Code != 200 || rec.Body.String() != asaashook.Received || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("answered %d %q, want 200 %s", rec.Code, rec.Body.String(), asaashook.Received)
		}
		if e.queue.Len() != 0 || len(e.idem.Begun()) != 0 {
			t.Errorf("an ignored event queued %d, claimed %d", e.queue.Len(), len(e.idem.Begun()))
		}
		if !strings.Contains(e.logs.String(), "ignored") {
			t.Errorf("no log line says the event was ignored:\n%s", e.logs.String())
		}
	}
}

// A charge that is not one of the brand's orders is acknowledged and logged, nothing stored.
func TestUnknownPayment(t *testing.T) {
	for name, ref := range map[string]string{"no such order": "o-unknown", "no reference": "", "not an order id": strings.Repeat("x", 65)} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			rec := post(e, brand, token, event(evtID, "PAYMENT_RECEIVED", "57.9", ref))
			if rec.Code != 200 || rec.Body.String() != asaashook.Received {
				t.Fatalf("answered %d %q, want 200", rec.Code, rec.Body.String())
			}
			if e.queue.Len() != 0 || len(e.idem.Begun()) != 0 {
				t.Errorf("queued %d, claimed %d", e.queue.Len(), len(e.idem.Begun()))
			}
			logs := e.logs.String()
			if !strings.Contains(logs, "unknown payment") || !strings.Contains(logs, "pay_080225913252") || !strings.Contains(logs, "PAYMENT_RECEIVED") {
				t.Errorf("no log line with the payment id and event:\n%s", logs)
			}
		})
	}
}

// A good PAYMENT_RECEIVED is queued once, in the customer's group, as the event it is.
func TestPaymentReceivedIsQueued(t *testing.T) {
	e := newEnv(t)
	rec := post(e, brand, token, event(evtID, "PAYMENT_RECEIVED", "57.9", orderID))
	if rec.Code != 200 || rec.Body.String() != asaashook.Received || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("answered %d %q (%s)", rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
	}
	got := e.queue.Group(brand, customer)
	if len(got) != 1 || e.queue.Len() != 1 {
		t.Fatalf("queued %+v, want one message in the customer's group", e.queue.Messages())
	}
	m := got[0]
	want := domain.PaymentEvent{EventID: evtID, Kind: domain.PaymentPaid, Type: "PAYMENT_RECEIVED", PaymentID: "pay_080225913252",
		OrderID: orderID, AmountCents: 5790, OccurredAt: time.Date(2026, 11, 27, 21, 1, 2, 0, time.UTC)}
	if m.Payment == nil || *m.Payment != want {
		t.Fatalf("payment event %+v, want %+v", m.Payment, want)
	}
	if m.Version != domain.InboundMessageVersion || m.ClientID != brand || m.MessageSid != domain.PaymentMessageSid(evtID) ||
		m.From != customer || m.To != brandNumber || m.Body != "" || !m.ReceivedAt.Equal(e.now) {
		t.Errorf("message %+v", m)
	}
	// The claim the worker completes is the one the webhook began, pending with the
	// payment's TTL.
	if begun := e.idem.Begun(); m.ClaimKey() != domain.PaymentClaimKey(evtID) || len(begun) != 1 || begun[0] != m.ClaimKey() {
		t.Errorf("claim key %q, begun %v", m.ClaimKey(), begun)
	}
	if cl, ok := e.idem.Record(brand, m.ClaimKey()); !ok || cl.State != domain.ClaimInProgress || !cl.Expires.Equal(e.now.Add(asaashook.DefaultIdempotencyTTL)) {
		t.Errorf("claim %+v, want pending for %v", cl, asaashook.DefaultIdempotencyTTL)
	}
	// The queued message is what the worker accepts.
	if _, err := inboundqueue.Decode(mustJSON(t, m)); err != nil {
		t.Errorf("the worker would refuse the message: %v", err)
	}
}

func TestKinds(t *testing.T) {
	for name, kind := range map[string]domain.PaymentEventKind{
		"PAYMENT_CONFIRMED": domain.PaymentPaid, "PAYMENT_RECEIVED": domain.PaymentPaid, "PAYMENT_OVERDUE": domain.PaymentOverdue,
		"PAYMENT_DELETED": domain.PaymentRemoved, "PAYMENT_REFUNDED": domain.PaymentRefunded,
	} {
		e := newEnv(t)
		if rec := post(e, brand, token, event("evt_"+name, name, "100", orderID)); rec.Code != 200 {
			t.Fatalf("%s: %d", name, rec.Code)
		}
		if msgs := e.queue.Messages(); len(msgs) != 1 || msgs[0].Payment.Kind != kind || msgs[0].Payment.Type != name || msgs[0].Payment.AmountCents != 10000 {
			t.Errorf("%s queued %+v, want kind %s", name, msgs, kind)
		}
	}
}

// The same event delivered again is queued once: asked to come back while the first is in
// the queue, acknowledged once the worker completed it.
func TestRepeatedDeliveryIsQueuedOnce(t *testing.T) {
	e := newEnv(t)
	body := event(evtID, "PAYMENT_CONFIRMED", "57.9", orderID)
	if rec := post(e, brand, token, body); rec.Code != 200 {
		t.Fatalf("first delivery: %d", rec.Code)
	}
	if rec := post(e, brand, token, body); rec.Code != 503 {
		t.Fatalf("repeat while the first holds its claim: %d, want 503", rec.Code)
	}
	m := e.queue.Messages()[0]
	if err := e.idem.Complete(domain.NewContextWithTenant(context.Background(), brand), brand, []string{m.ClaimKey()}, time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if rec := post(e, brand, token, body); rec.Code != 200 || rec.Body.String() != asaashook.Received {
			t.Fatalf("repeat %d after completion: %d %q", i+1, rec.Code, rec.Body.String())
		}
	}
	if e.queue.Len() != 1 {
		t.Fatalf("queued %d times, want once", e.queue.Len())
	}
}

// A delivery that crashed after its claim holds it for the lease only.
func TestCrashedDeliveryLeaseRunsOut(t *testing.T) {
	e := newEnv(t)
	if st, _ := e.idem.Begin(domain.NewContextWithTenant(context.Background(), brand), brand, domain.PaymentClaimKey(evtID), asaashook.DefaultClaimLease, time.Hour); st != domain.ClaimTaken {
		t.Fatalf("setup: %s", st)
	}
	body := event(evtID, "PAYMENT_RECEIVED", "57.9", orderID)
	if rec := post(e, brand, token, body); rec.Code != 503 || e.queue.Len() != 0 {
		t.Fatalf("during the lease: %d, queued %d", rec.Code, e.queue.Len())
	}
	// DynamoDB takes a pending claim over only once its lease has ended (leaseUntil < now).
	e.clock.Advance(asaashook.DefaultClaimLease + time.Second)
	if rec := post(e, brand, token, body); rec.Code != 200 || e.queue.Len() != 1 {
		t.Fatalf("after the lease: %d, queued %d", rec.Code, e.queue.Len())
	}
}

// RECEIVED after CONFIRMED (Asaas sends both for one card payment) are distinct events:
// the edge queues both, in order, and the engine decides what each means.
func TestDistinctEventsOfOnePaymentAreBothQueued(t *testing.T) {
	e := newEnv(t)
	for i, name := range []string{"PAYMENT_RECEIVED", "PAYMENT_CONFIRMED"} {
		if rec := post(e, brand, token, event(fmt.Sprintf("evt_05b708f961d739ea7eba7e4db318f621&%d", 368604920+i), name, "57.9", orderID)); rec.Code != 200 {
			t.Fatalf("%s: %d", name, rec.Code)
		}
	}
	got := e.queue.Group(brand, customer)
	if len(got) != 2 || got[0].Payment.Type != "PAYMENT_RECEIVED" || got[1].Payment.Type != "PAYMENT_CONFIRMED" ||
		got[0].MessageSid == got[1].MessageSid || got[0].ClaimKey() == got[1].ClaimKey() {
		t.Fatalf("queued %+v, want both events, in order, with distinct ids", got)
	}
}

func TestQueueFailureReleasesTheClaim(t *testing.T) {
	e := newEnv(t)
	e.queue.FailWith(errors.New("sqs down: https://sqs.sa-east-1.amazonaws.com/123/inbound.fifo"))
	body := event(evtID, "PAYMENT_RECEIVED", "57.9", orderID)
	if rec := post(e, brand, token, body); rec.Code != 500 || strings.Contains(rec.Body.String(), "sqs") {
		t.Fatalf("answered %d %q, want 500 without internals", rec.Code, rec.Body.String())
	}
	if keys := e.idem.Keys(); len(keys) != 0 {
		t.Fatalf("the claim was not released: %v", keys)
	}
	e.queue.FailWith(nil)
	if rec := post(e, brand, token, body); rec.Code != 200 || e.queue.Len() != 1 {
		t.Fatalf("Asaas's retry: %d, queued %d; want 200 and queued once", rec.Code, e.queue.Len())
	}
}

// What cannot be read is a 500 (Asaas retries), never a refusal nor an acknowledgement.
func TestReadFailures(t *testing.T) {
	body := event(evtID, "PAYMENT_RECEIVED", "57.9", orderID)
	for name, break_ := range map[string]func(e *env){
		"brand":       func(e *env) { e.brands.fail = errors.New("dynamodb throttled") },
		"credentials": func(e *env) { e.creds.fail = errors.New("ThrottlingException") },
		"order":       func(e *env) { e.orders.fail = errors.New("dynamodb throttled") },
		"claim":       func(e *env) { e.idem.FailWith(errors.New("dynamodb throttled")) },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			break_(e)
			if rec := post(e, brand, token, body); rec.Code != 500 || strings.Contains(rec.Body.String(), "Throttl") {
				t.Fatalf("answered %d %q, want 500 without internals", rec.Code, rec.Body.String())
			}
			if e.queue.Len() != 0 {
				t.Errorf("queued %d", e.queue.Len())
			}
		})
	}
}

// A customer erased under the LGPD keeps the order's pseudonym: the refund still reaches the
// order, in the pseudonym's group.
func TestErasedCustomer(t *testing.T) {
	e := newEnv(t)
	if rec := post(e, brand, token, event(evtID, "PAYMENT_REFUNDED", "57.9", "o-erased")); rec.Code != 200 {
		t.Fatalf("answered %d", rec.Code)
	}
	if e.queue.Len() != 1 || e.queue.Messages()[0].From != "anon:abcdefghijklmnopqrstuvwxyz" {
		t.Fatalf("queued %+v", e.queue.Messages())
	}
	if _, err := inboundqueue.Decode(mustJSON(t, e.queue.Messages()[0])); err != nil {
		t.Errorf("the worker would refuse it: %v", err)
	}
}

// Behind API Gateway the handler runs through httpapi: lower-case headers, a base64 body.
func TestThroughAPIGateway(t *testing.T) {
	e := newEnv(t)
	ev := events.APIGatewayV2HTTPRequest{
		RouteKey: "POST /webhooks/asaas/{clientId}",
		RawPath:  "/webhooks/asaas/" + brand,
		Headers:  map[string]string{"content-type": "application/json", "asaas-access-token": token},
		Body:     base64.StdEncoding.EncodeToString([]byte(event(evtID, "PAYMENT_RECEIVED", "57.9", orderID))), IsBase64Encoded: true,
	}
	ev.RequestContext.HTTP.Method = "POST"
	resp, err := httpapi.Handler(e.h)(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 || resp.Body != asaashook.Received {
		t.Fatalf("answered %d %q %v", resp.StatusCode, resp.Body, err)
	}
	if e.queue.Len() != 1 {
		t.Fatalf("queued %d", e.queue.Len())
	}
	ev.Headers["asaas-access-token"] = "nope"
	if resp, _ := httpapi.Handler(e.h)(context.Background(), ev); resp.StatusCode != 401 {
		t.Errorf("wrong token through API Gateway: %d", resp.StatusCode)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := asaashook.New(asaashook.Deps{}); err == nil {
		t.Error("missing deps accepted")
	}
	if _, err := asaashook.New(asaashook.Deps{Brands: &fakeBrands{}, Credentials: &fakeCreds{}, Idempotency: domaintest.NewIdempotency(nil), Queue: &domaintest.Queue{}}); err == nil {
		t.Error("missing orders accepted")
	}
}

func TestClientIDFromPath(t *testing.T) {
	if id, ok := asaashook.ClientIDFromPath("/webhooks/asaas/demo-pizzaria"); !ok || id != "demo-pizzaria" {
		t.Errorf("got %q %v", id, ok)
	}
	for _, p := range []string{"/webhooks/asaas/", "/webhooks/asaas/a/b", "/webhooks/twilio", "/webhooks/asaas/demo-pizzaria/"} {
		if _, ok := asaashook.ClientIDFromPath(p); ok {
			t.Errorf("%q accepted", p)
		}
	}
}

func mustJSON(t *testing.T, m domain.InboundMessage) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
