package twiliohook_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/directory"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

const (
	brandNumber = "whatsapp:+5511990000001"
	token       = "localdevtoken0000000000000000001"
	base        = "http://127.0.0.1:8080"
	customer    = "whatsapp:+5511987654321"
)

// fakes: the webhook's collaborators in memory. The real adapters are exercised end to end
// against the emulator by the local runner's tests; these cover the webhook's own rules.
type fakeClients struct {
	mu      sync.Mutex
	clients map[string]*domain.Client
	calls   int
}

func (f *fakeClients) FindClientByPhoneNumber(_ context.Context, n string) (*domain.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if c, ok := f.clients[n]; ok {
		cp := *c
		return &cp, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no client")
}

func (f *fakeClients) GetClient(_ context.Context, id string) (*domain.Client, error) {
	return nil, domain.Errorf(domain.ENOTFOUND, "not used by the webhook")
}

type fakeCreds struct{}

func (fakeCreds) TwilioCredentials(_ context.Context, clientID string) (domain.TwilioCredentials, error) {
	if clientID == "demo-pizzaria" {
		return domain.TwilioCredentials{AccountSID: "AC1", AuthToken: token}, nil
	}
	return domain.TwilioCredentials{}, domain.Errorf(domain.ENOTFOUND, "no secret")
}

// brandCtx is the context the webhook hands its collaborators: scoped to the brand, as the
// idempotency repository requires.
func brandCtx() context.Context {
	return domain.NewContextWithTenant(context.Background(), "demo-pizzaria")
}

type env struct {
	h       *twiliohook.Handler
	clients *fakeClients
	clock   *domaintest.Clock
	idem    *domaintest.Idempotency
	queue   *domaintest.Queue
}

func newEnv(t testing.TB, publicBase string) *env {
	t.Helper()
	clock := domaintest.NewClockAt(time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC))
	e := &env{
		clients: &fakeClients{clients: map[string]*domain.Client{
			brandNumber:               {ClientID: "demo-pizzaria", TwilioPhoneNumber: brandNumber, IsActive: true},
			"whatsapp:+5511990000009": {ClientID: "closed-brand", TwilioPhoneNumber: "whatsapp:+5511990000009", IsActive: false},
		}},
		clock: clock,
		idem:  domaintest.NewIdempotency(clock.Now),
		queue: &domaintest.Queue{},
	}
	dir, err := directory.New(directory.Deps{Clients: e.clients})
	if err != nil {
		t.Fatal(err)
	}
	h, err := twiliohook.New(twiliohook.Deps{Brands: dir, Credentials: fakeCreds{}, Idempotency: e.idem,
		Queue: e.queue, PublicBaseURL: publicBase})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

func params(sid, body string) map[string]string {
	return map[string]string{
		"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC1", "From": customer, "To": brandNumber,
		"Body": body, "NumMedia": "0", "ProfileName": "Maria", "WaId": "5511987654321",
	}
}

func form(p map[string]string) string {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v.Encode()
}

func sid(n string) string { return "SM" + strings.Repeat("0", 32-len(n)) + n }

func post(e *env, body, signature string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, base+"/webhooks/twilio", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestAnswers(t *testing.T) {
	good := params(sid("1"), "Olá")
	tampered := params(sid("1"), "Olá")
	tampered["Body"] = "Olá, mudei"
	unknown := params(sid("2"), "oi")
	unknown["To"] = "whatsapp:+5511990000077"
	inactive := params(sid("3"), "oi")
	inactive["To"] = "whatsapp:+5511990000009"
	noSid := params("", "oi")
	delete(noSid, "MessageSid")
	badFrom := params(sid("4"), "oi")
	badFrom["From"] = "+5511987654321"
	cases := []struct {
		name      string
		body      string
		signature string
		status    int
		queued    int
	}{
		{"valid signature", form(good), twiliotest.Sign(token, base+"/webhooks/twilio", good), 200, 1},
		{"tampered parameter", form(tampered), twiliotest.Sign(token, base+"/webhooks/twilio", good), 403, 0},
		{"missing signature", form(good), "", 403, 0},
		{"signed for another URL", form(good), twiliotest.Sign(token, "https://evil.example/webhooks/twilio", good), 403, 0},
		{"signed with another token", form(good), twiliotest.Sign("localdevtoken0000000000000000002", base+"/webhooks/twilio", good), 403, 0},
		{"unknown To", form(unknown), twiliotest.Sign(token, base+"/webhooks/twilio", unknown), 403, 0},
		{"inactive To", form(inactive), twiliotest.Sign(token, base+"/webhooks/twilio", inactive), 403, 0},
		{"malformed form", "From=%zz&To=1", "sig", 400, 0},
		{"missing MessageSid", form(noSid), twiliotest.Sign(token, base+"/webhooks/twilio", noSid), 400, 0},
		{"From without whatsapp:", form(badFrom), twiliotest.Sign(token, base+"/webhooks/twilio", badFrom), 400, 0},
		{"too large", "Body=" + strings.Repeat("a", twiliohook.MaxBodyBytes), "sig", 413, 0},
	}
	// What a request with a bad signature for a known brand gets: every refusal must look
	// exactly like it, so nobody can probe which numbers are brands.
	refusal := post(newEnv(t, base), form(good), "bad")
	if refusal.Code != 403 {
		t.Fatalf("bad signature answered %d", refusal.Code)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, base)
			rec := post(e, tc.body, tc.signature)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%q)", rec.Code, tc.status, rec.Body.String())
			}
			if e.queue.Len() != tc.queued {
				t.Fatalf("queued %d, want %d", e.queue.Len(), tc.queued)
			}
			if tc.status == 403 && (rec.Body.String() != refusal.Body.String() || rec.Header().Get("Content-Type") != refusal.Header().Get("Content-Type")) {
				t.Errorf("403 answer %q (%s) differs from a bad signature's %q (%s): it tells what was wrong",
					rec.Body.String(), rec.Header().Get("Content-Type"), refusal.Body.String(), refusal.Header().Get("Content-Type"))
			}
			if tc.status == 200 {
				if rec.Body.String() != twiliohook.EmptyTwiML || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") {
					t.Errorf("200 answer %q (%s), want empty TwiML", rec.Body.String(), rec.Header().Get("Content-Type"))
				}
				m := e.queue.Messages()[0]
				if m.ClientID != "demo-pizzaria" || m.From != customer || m.To != brandNumber || m.Body != "Olá" ||
					m.ProfileName != "Maria" || m.MessageSid != sid("1") || m.Version != 1 || m.ReceivedAt.IsZero() {
					t.Errorf("queued %+v", m)
				}
			}
		})
	}
}

// A replay is never queued twice: while the first delivery's claim is pending (queued, not
// yet in the conversation) Twilio is asked to come back; once the worker completed it, the
// replay is acknowledged.
func TestReplayIsAcknowledgedOnce(t *testing.T) {
	e := newEnv(t, base)
	p := params(sid("7"), "oi")
	sig := twiliotest.Sign(token, base+"/webhooks/twilio", p)
	if rec := post(e, form(p), sig); rec.Code != 200 || rec.Body.String() != twiliohook.EmptyTwiML {
		t.Fatalf("first delivery: %d %q", rec.Code, rec.Body.String())
	}
	if rec := post(e, form(p), sig); rec.Code != 503 {
		t.Fatalf("replay before the worker completed the claim: %d, want 503", rec.Code)
	}
	if err := e.idem.Complete(brandCtx(), "demo-pizzaria", []string{domain.InboundClaimKey(p["MessageSid"])}, time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if rec := post(e, form(p), sig); rec.Code != 200 || rec.Body.String() != twiliohook.EmptyTwiML {
			t.Fatalf("replay %d after completion: %d %q", i+1, rec.Code, rec.Body.String())
		}
	}
	if e.queue.Len() != 1 {
		t.Fatalf("queued %d times, want once", e.queue.Len())
	}
	if e.clients.calls != 1 {
		t.Errorf("number looked up %d times, want 1 (cached)", e.clients.calls)
	}
}

// Twilio signs the sorted parameters as one string of names and values run together, so the
// boundary between a value and the next name is not signed: with NumMedia=0 after it, a
// MessageSid can swallow "NumMedia0" and the request still validates. Only Twilio's exact SID
// format (34 characters) stops such an altered replay from passing as a new message.
func TestMessageSidCannotBeStretchedOverTheNextParameter(t *testing.T) {
	e := newEnv(t, base)
	p := params(sid("abc"), "oi")
	sig := twiliotest.Sign(token, base+"/webhooks/twilio", p)
	if rec := post(e, form(p), sig); rec.Code != 200 {
		t.Fatalf("original delivery: %d", rec.Code)
	}
	altered := map[string]string{}
	for k, v := range p {
		altered[k] = v
	}
	delete(altered, "NumMedia")
	altered["MessageSid"] = p["MessageSid"] + "NumMedia" + p["NumMedia"]
	if twiliotest.Sign(token, base+"/webhooks/twilio", altered) != sig {
		t.Fatal("the altered request should carry the same signature (test premise)")
	}
	if rec := post(e, form(altered), sig); rec.Code != 400 {
		t.Errorf("altered MessageSid answered %d, want 400", rec.Code)
	}
	if e.queue.Len() != 1 {
		t.Errorf("queued %d messages, want 1: the altered replay passed as a new message", e.queue.Len())
	}
}

func TestMessageSidFormat(t *testing.T) {
	for _, tc := range []struct {
		sid  string
		want int
	}{
		{"SM" + strings.Repeat("a", 32), 200},
		{"MM" + strings.Repeat("0", 32), 200},
		{"SM" + strings.Repeat("A", 32), 400}, // Twilio's hex is lowercase
		{"SM" + strings.Repeat("a", 31), 400},
		{"SM" + strings.Repeat("a", 33), 400},
		{"MG" + strings.Repeat("a", 32), 400}, // a messaging service, not a message
		{"SM" + strings.Repeat("g", 32), 400},
		{"sm" + strings.Repeat("a", 32), 400},
		{"SM" + strings.Repeat("a", 31) + "\n", 400},
	} {
		e := newEnv(t, base)
		p := params(tc.sid, "oi")
		if rec := post(e, form(p), twiliotest.Sign(token, base+"/webhooks/twilio", p)); rec.Code != tc.want {
			t.Errorf("MessageSid %q: %d, want %d", tc.sid, rec.Code, tc.want)
		}
	}
}

// A delivery that crashed between its claim and the queue leaves a pending claim: a retry
// while its lease runs is asked to come back (503, which Twilio retries under the URL's retry
// policy), a retry after it is processed. A processed message is acknowledged without work.
func TestClaimIsTwoPhase(t *testing.T) {
	e := newEnv(t, base)
	p := params(sid("c0ffee"), "oi")
	sig := twiliotest.Sign(token, base+"/webhooks/twilio", p)
	// The crashed delivery: it took the claim and never queued the message.
	if st, _ := e.idem.Begin(brandCtx(), "demo-pizzaria", domain.InboundClaimKey(p["MessageSid"]), twiliohook.DefaultClaimLease, time.Hour); st != domain.ClaimTaken {
		t.Fatalf("setup: %s", st)
	}
	if rec := post(e, form(p), sig); rec.Code != 503 || e.queue.Len() != 0 {
		t.Fatalf("retry during the lease: %d, queued %d; want 503 and nothing queued", rec.Code, e.queue.Len())
	}
	e.clock.Advance(twiliohook.DefaultClaimLease + time.Second)
	if rec := post(e, form(p), sig); rec.Code != 200 || e.queue.Len() != 1 {
		t.Fatalf("retry after the lease: %d, queued %d; want 200 and queued once", rec.Code, e.queue.Len())
	}
	// The worker completes the claim once the message is in the conversation.
	if err := e.idem.Complete(brandCtx(), "demo-pizzaria", []string{domain.InboundClaimKey(p["MessageSid"])}, time.Hour); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour / 2)
	if rec := post(e, form(p), sig); rec.Code != 200 || e.queue.Len() != 1 {
		t.Fatalf("retry of a processed message: %d, queued %d; want 200 and still queued once", rec.Code, e.queue.Len())
	}
}

func TestQueueFailureReleasesTheClaim(t *testing.T) {
	e := newEnv(t, base)
	e.queue.FailWith(errors.New("sqs down"))
	p := params(sid("8"), "oi")
	sig := twiliotest.Sign(token, base+"/webhooks/twilio", p)
	if rec := post(e, form(p), sig); rec.Code != 500 || strings.Contains(rec.Body.String(), "sqs") {
		t.Fatalf("status %d %q, want 500 without internals", rec.Code, rec.Body.String())
	}
	e.queue.FailWith(nil)
	if rec := post(e, form(p), sig); rec.Code != 200 || e.queue.Len() != 1 {
		t.Fatalf("Twilio's retry after a queue failure: %d, queued %d; want 200 and queued once", rec.Code, e.queue.Len())
	}
}

func TestPublicBaseURLWithQueryString(t *testing.T) {
	e := newEnv(t, "https://hooks.example.com/")
	p := params(sid("9"), "oi")
	req := httptest.NewRequest(http.MethodPost, "http://10.0.0.1/webhooks/twilio?brand=x", strings.NewReader(form(p)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(token, "https://hooks.example.com/webhooks/twilio?brand=x", p))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: the signature must be checked over PUBLIC_BASE_URL + path + query", rec.Code)
	}
}

func TestAPIGateway(t *testing.T) {
	e := newEnv(t, "")
	p := params(sid("10"), "Quero uma pizza 🍕")
	sig := twiliotest.Sign(token, "https://abc123.execute-api.sa-east-1.amazonaws.com/webhooks/twilio", p)
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/webhooks/twilio",
		Headers: map[string]string{
			"content-type":       "application/x-www-form-urlencoded",
			"x-twilio-signature": sig,
		},
		Body:            base64.StdEncoding.EncodeToString([]byte(form(p))),
		IsBase64Encoded: true,
		RequestContext:  events.APIGatewayV2HTTPRequestContext{DomainName: "abc123.execute-api.sa-east-1.amazonaws.com"},
	}
	resp, err := e.h.HandleAPIGateway(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 || resp.Body != twiliohook.EmptyTwiML {
		t.Fatalf("base64 body with lower-case headers: %d %q %v", resp.StatusCode, resp.Body, err)
	}
	if e.queue.Len() != 1 || e.queue.Messages()[0].Body != "Quero uma pizza 🍕" {
		t.Fatalf("queued %+v", e.queue.Messages())
	}
	ev.Body = "!!!not base64"
	if resp, _ := e.h.HandleAPIGateway(context.Background(), ev); resp.StatusCode != 400 {
		t.Errorf("bad base64: %d, want 400", resp.StatusCode)
	}
	ev.Body = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", twiliohook.MaxBodyBytes+10)))
	if resp, _ := e.h.HandleAPIGateway(context.Background(), ev); resp.StatusCode != 413 {
		t.Errorf("large body: %d, want 413", resp.StatusCode)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := twiliohook.New(twiliohook.Deps{}); err == nil {
		t.Error("missing deps accepted")
	}
	e := newEnv(t, base)
	_ = e
	if _, err := twiliohook.New(twiliohook.Deps{Brands: &directory.Directory{}, Credentials: fakeCreds{}, Idempotency: domaintest.NewIdempotency(nil), Queue: &domaintest.Queue{}, PublicBaseURL: "ftp:/x"}); err == nil {
		t.Error("bad PUBLIC_BASE_URL accepted")
	}
}
