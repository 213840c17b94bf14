package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/twilio"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

const (
	brand    = "demo-pizzaria"
	brandNum = "whatsapp:+5511990000001"
	customer = "whatsapp:+5511987654321"
	// body is distinctive so a leak into an error message cannot go unnoticed.
	body = "Seu pedido #4521 saiu para entrega"
)

var sidPattern = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

// source is a credential source that counts Invalidate calls, like secrets.Source offers.
type source struct {
	mu          sync.Mutex
	creds       twiliotest.StaticCredentials
	invalidated atomic.Int32
}

func (s *source) TwilioCredentials(ctx context.Context, clientID string) (domain.TwilioCredentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds.TwilioCredentials(ctx, clientID)
}

func (s *source) Invalidate(string) { s.invalidated.Add(1) }

func (s *source) set(clientID string, c domain.TwilioCredentials) {
	s.mu.Lock()
	s.creds[clientID] = c
	s.mu.Unlock()
}

// setup returns a local Twilio, a source holding its account for brand, and a Messenger
// wired to both.
func setup(t *testing.T) (*twiliotest.Server, *source, *twilio.Messenger) {
	t.Helper()
	srv := twiliotest.NewServer(t)
	src := &source{creds: twiliotest.StaticCredentials{brand: srv.Credentials()}}
	m, err := twilio.New(src, twilio.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return srv, src, m
}

func text(to string) domain.OutboundMessage {
	return domain.OutboundMessage{ClientID: brand, From: brandNum, To: to, Body: body}
}

// noLeak fails when err's text holds the auth token, the body or the customer's number.
func noLeak(t *testing.T, err error, token string) {
	t.Helper()
	for _, secret := range []string{token, body, "+5511987654321", "+15005550001"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q leaks %q", err, secret)
		}
	}
}

func twilioErr(t *testing.T, err error) *twilio.Error {
	t.Helper()
	var te *twilio.Error
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want a *twilio.Error", err, err)
	}
	return te
}

func TestSendText(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	sid, err := m.Send(context.Background(), text(customer))
	if err != nil {
		t.Fatal(err)
	}
	if !sidPattern.MatchString(sid) {
		t.Errorf("sid = %q, want SM and 32 hex digits", sid)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r, creds := reqs[0], srv.Credentials()
	checks := []struct{ what, got, want string }{
		{"method", r.Method, http.MethodPost},
		{"host", r.Host, "api.twilio.com"},
		{"path", r.Path, "/2010-04-01/Accounts/" + creds.AccountSID + "/Messages.json"},
		{"basic auth user", r.Username, creds.AccountSID},
		{"content type", r.ContentType, "application/x-www-form-urlencoded"},
		{"To", r.Form.Get("To"), customer},
		{"From", r.Form.Get("From"), brandNum},
		{"Body", r.Form.Get("Body"), body},
		{"sid", r.SID, sid},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !r.AuthOK || r.Status != http.StatusCreated {
		t.Errorf("auth ok %v, status %d; want true, 201", r.AuthOK, r.Status)
	}
	if !strings.HasPrefix(r.UserAgent, "twilio-go/") {
		t.Errorf("user agent %q: the request did not come from twilio-go", r.UserAgent)
	}
	for _, absent := range []string{"ContentSid", "ContentVariables"} {
		if _, ok := r.Form[absent]; ok {
			t.Errorf("%s sent with a free-text message", absent)
		}
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].SID != sid || msgs[0].Body != body {
		t.Errorf("messages = %+v", msgs)
	}
}

// Addresses are sent in canonical form.
func TestSendCanonicalAddresses(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	msg := text(" WhatsApp:+5511987654321 ")
	msg.From = "WHATSAPP:+5511990000001"
	if _, err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	f := srv.Requests()[0].Form
	if f.Get("To") != customer || f.Get("From") != brandNum {
		t.Errorf("To %q From %q, want canonical %q %q", f.Get("To"), f.Get("From"), customer, brandNum)
	}
}

func TestSendTemplate(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	vars := map[string]string{"1": "Maria", "2": "19:30"}
	sid, err := m.Send(context.Background(), domain.OutboundMessage{
		ClientID: brand, From: brandNum, To: customer,
		ContentSID: "HX0123456789abcdef0123456789abcdef", ContentVariables: vars,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Form.Get("ContentSid") != "HX0123456789abcdef0123456789abcdef" || r.SID != sid {
		t.Errorf("ContentSid %q, sid %q/%q", r.Form.Get("ContentSid"), r.SID, sid)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.Form.Get("ContentVariables")), &got); err != nil {
		t.Fatalf("ContentVariables %q is not JSON: %v", r.Form.Get("ContentVariables"), err)
	}
	if len(got) != 2 || got["1"] != "Maria" || got["2"] != "19:30" {
		t.Errorf("ContentVariables = %v, want %v", got, vars)
	}
	if _, ok := r.Form["Body"]; ok {
		t.Error("Body sent with a template")
	}
}

// A template without variables sends no ContentVariables (Twilio then uses its defaults).
func TestSendTemplateWithoutVariables(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	if _, err := m.Send(context.Background(), domain.OutboundMessage{
		ClientID: brand, From: brandNum, To: customer, ContentSID: "HX0123456789abcdef0123456789abcdef",
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Requests()[0].Form["ContentVariables"]; ok {
		t.Error("empty ContentVariables sent")
	}
}

// A refused token is a permanent error naming Twilio's code, without the token; the cached
// client and the source's copy are dropped so the next attempt reads the secret again.
func TestBadCredentials(t *testing.T) {
	t.Parallel()
	srv, src, m := setup(t)
	wrong := domain.TwilioCredentials{AccountSID: srv.Credentials().AccountSID, AuthToken: "fedcba9876543210fedcba9876543210"}
	src.set(brand, wrong)
	_, err := m.Send(context.Background(), text(customer))
	te := twilioErr(t, err)
	if te.Status != 401 || te.Code != twilio.CodeAuthenticate {
		t.Errorf("status %d code %d, want 401 %d", te.Status, te.Code, twilio.CodeAuthenticate)
	}
	if !twilio.IsPermanent(err) {
		t.Error("a refused token is not worth retrying as it is")
	}
	noLeak(t, err, wrong.AuthToken)
	if r := srv.Requests()[0]; r.AuthOK || r.Status != 401 {
		t.Errorf("server saw auth ok %v, answered %d", r.AuthOK, r.Status)
	}
	if n := src.invalidated.Load(); n != 1 {
		t.Errorf("source invalidated %d times, want 1", n)
	}
	if n := twilio.CachedClients(m); n != 0 {
		t.Errorf("%d clients still cached after a 401", n)
	}
}

// After a rotation the brand's client is rebuilt with the new token, in place of the old.
func TestRotatedToken(t *testing.T) {
	t.Parallel()
	srv, src, m := setup(t)
	ctx := context.Background()
	if _, err := m.Send(ctx, text(customer)); err != nil {
		t.Fatal(err)
	}
	old := twilio.CachedClient(m, brand, srv.Credentials().AccountSID)
	src.set(brand, srv.Rotate(srv.Credentials().AccountSID))
	if _, err := m.Send(ctx, text(customer)); err != nil {
		t.Fatalf("send with the rotated token: %v", err)
	}
	if n := twilio.CachedClients(m); n != 1 {
		t.Errorf("%d clients cached, want 1 (the rotated one replaces the old)", n)
	}
	if twilio.CachedClient(m, brand, srv.Credentials().AccountSID) == old {
		t.Error("the client built with the old token is still used")
	}
}

func TestInvalidToIsPermanent(t *testing.T) {
	t.Parallel()
	_, src, m := setup(t)
	_, err := m.Send(context.Background(), text(twiliotest.InvalidNumber))
	te := twilioErr(t, err)
	if te.Status != 400 || te.Code != twilio.CodeInvalidTo || !twilio.IsPermanent(err) {
		t.Errorf("status %d code %d permanent %v; want 400 %d true", te.Status, te.Code, twilio.IsPermanent(err), twilio.CodeInvalidTo)
	}
	if errors.Is(err, twilio.ErrOutsideWindow) {
		t.Error("21211 is not the 24-hour window")
	}
	// Twilio's message quotes the number: it is masked, like the one in the wrapping text.
	if !strings.Contains(te.Message, domain.Mask("+15005550001")) {
		t.Errorf("message %q does not hold the masked number", te.Message)
	}
	noLeak(t, err, src.creds[brand].AuthToken)
}

func TestServerErrorIsTransient(t *testing.T) {
	t.Parallel()
	srv, src, m := setup(t)
	srv.Fail(&twiliotest.InternalError)
	_, err := m.Send(context.Background(), text(customer))
	te := twilioErr(t, err)
	if te.Status != 500 || twilio.IsPermanent(err) {
		t.Errorf("status %d permanent %v; want 500, transient", te.Status, twilio.IsPermanent(err))
	}
	noLeak(t, err, src.creds[brand].AuthToken)

	srv.Fail(nil)
	if _, err := m.Send(context.Background(), text(customer)); err != nil {
		t.Fatalf("retry after the failure cleared: %v", err)
	}
}

func TestRateLimitIsTransient(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	srv.Fail(&twiliotest.TooManyRequests)
	_, err := m.Send(context.Background(), text(customer))
	if te := twilioErr(t, err); te.Status != 429 || twilio.IsPermanent(err) {
		t.Errorf("status %d permanent %v; want 429, transient", te.Status, twilio.IsPermanent(err))
	}
}

func TestOutsideWindow(t *testing.T) {
	t.Parallel()
	srv, src, m := setup(t)
	srv.Fail(&twiliotest.OutsideWindow)
	_, err := m.Send(context.Background(), text(customer))
	if !errors.Is(err, twilio.ErrOutsideWindow) {
		t.Fatalf("err = %v, want ErrOutsideWindow", err)
	}
	if te := twilioErr(t, err); te.Code != twilio.CodeOutsideWindow || !twilio.IsPermanent(err) {
		t.Errorf("code %d permanent %v; want %d, permanent (send a template instead)", te.Code, twilio.IsPermanent(err), twilio.CodeOutsideWindow)
	}
	noLeak(t, err, src.creds[brand].AuthToken)
}

func TestMissingCredentials(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	msg := text(customer)
	msg.ClientID = "other-brand"
	_, err := m.Send(context.Background(), msg)
	if !domain.IsNotFound(err) || !twilio.IsPermanent(err) {
		t.Fatalf("err = %v, want ENOTFOUND, permanent", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent without credentials", n)
	}
}

// Empty credentials (a source that returns no error but nothing) are ENOTFOUND too; twilio-go
// would otherwise send the request without authentication.
func TestEmptyCredentials(t *testing.T) {
	t.Parallel()
	srv, src, m := setup(t)
	src.set(brand, domain.TwilioCredentials{})
	if _, err := m.Send(context.Background(), text(customer)); !domain.IsNotFound(err) {
		t.Fatalf("err = %v, want ENOTFOUND", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// A credential source that cannot be reached is a transient error, passed on.
func TestCredentialSourceFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("secrets manager unreachable")
	m, err := twilio.New(failingSource{boom})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Send(context.Background(), text(customer))
	if !errors.Is(err, boom) || twilio.IsPermanent(err) {
		t.Fatalf("err = %v, want the source's error, transient", err)
	}
}

type failingSource struct{ err error }

func (f failingSource) TwilioCredentials(context.Context, string) (domain.TwilioCredentials, error) {
	return domain.TwilioCredentials{}, f.err
}

// One twilio-go client per brand and account, reused across sends.
func TestClientCacheReused(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	ctx := context.Background()
	if _, err := m.Send(ctx, text(customer)); err != nil {
		t.Fatal(err)
	}
	first := twilio.CachedClient(m, brand, srv.Credentials().AccountSID)
	if first == nil {
		t.Fatal("no client cached after a send")
	}
	for range 3 {
		if _, err := m.Send(ctx, text(customer)); err != nil {
			t.Fatal(err)
		}
	}
	if n := twilio.CachedClients(m); n != 1 {
		t.Errorf("%d clients cached, want 1", n)
	}
	if twilio.CachedClient(m, brand, srv.Credentials().AccountSID) != first {
		t.Error("the client was rebuilt for the same credentials")
	}
}

// Each brand sends through its own account, even concurrently and with one Messenger.
func TestBrandsUseTheirOwnAccounts(t *testing.T) {
	t.Parallel()
	srv, src, m := setup(t)
	other := srv.AddAccount()
	src.set("demo-burger", other)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			msg := text(customer)
			if i%2 == 1 {
				msg.ClientID, msg.From = "demo-burger", "whatsapp:+5511990000002"
			}
			if _, err := m.Send(context.Background(), msg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	byAccount := map[string]string{srv.Credentials().AccountSID: brandNum, other.AccountSID: "whatsapp:+5511990000002"}
	for _, msg := range srv.Messages() {
		if byAccount[msg.AccountSID] != msg.From {
			t.Errorf("message from %s sent through account %s", msg.From, msg.AccountSID)
		}
	}
	if n := len(srv.Messages()); n != 20 {
		t.Errorf("%d messages, want 20", n)
	}
	if n := twilio.CachedClients(m); n != 2 {
		t.Errorf("%d clients cached, want 2", n)
	}
}

func TestInvalidMessages(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	const hx = "HX0123456789abcdef0123456789abcdef"
	cases := map[string]domain.OutboundMessage{
		"no content":             {ClientID: brand, From: brandNum, To: customer},
		"body and template":      {ClientID: brand, From: brandNum, To: customer, Body: body, ContentSID: hx},
		"variables, no template": {ClientID: brand, From: brandNum, To: customer, Body: body, ContentVariables: map[string]string{"1": "x"}},
		"To without whatsapp:":   {ClientID: brand, From: brandNum, To: "+5511987654321", Body: body},
		"To not E.164":           {ClientID: brand, From: brandNum, To: "whatsapp:11987654321", Body: body},
		"From without whatsapp:": {ClientID: brand, From: "+5511990000001", To: customer, Body: body},
		"no client":              {From: brandNum, To: customer, Body: body},
		"client id not an id":    {ClientID: "../other", From: brandNum, To: customer, Body: body},
	}
	for name, msg := range cases {
		_, err := m.Send(context.Background(), msg)
		if domain.ErrorCode(err) != domain.EINVALID || !twilio.IsPermanent(err) {
			t.Errorf("%s: err = %v, want EINVALID, permanent", name, err)
		} else if strings.Contains(err.Error(), body) || strings.Contains(err.Error(), "+5511987654321") {
			t.Errorf("%s: error %q leaks the body or the number", name, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid messages", n)
	}
}

// The admin's test chat never reaches Twilio: a sandbox customer (domain.SandboxNumber) is
// refused before any call, permanently, without the number in the error.
func TestSandboxCustomerRefused(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	to := domain.SandboxNumber("user-ana")
	for name, msg := range map[string]domain.OutboundMessage{
		"text":             {ClientID: brand, From: brandNum, To: to, Body: body},
		"template":         {ClientID: brand, From: brandNum, To: to, ContentSID: "HX0123456789abcdef0123456789abcdef"},
		"any +5500 number": {ClientID: brand, From: brandNum, To: "whatsapp:+550012345678", Body: body},
	} {
		_, err := m.Send(context.Background(), msg)
		if domain.ErrorCode(err) != domain.EINVALID || !twilio.IsPermanent(err) || !strings.Contains(err.Error(), "sandbox") {
			t.Errorf("%s: err = %v, want a permanent EINVALID about the sandbox", name, err)
		} else if strings.Contains(err.Error(), strings.TrimPrefix(msg.To, "whatsapp:")) || strings.Contains(err.Error(), body) {
			t.Errorf("%s: error %q leaks the number or the body", name, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent to Twilio for a sandbox customer", n)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Send(ctx, text(customer)); !errors.Is(err, context.Canceled) || twilio.IsPermanent(err) {
		t.Fatalf("err = %v, want context.Canceled, transient", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent after cancel", n)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A network failure is transient, and its error keeps its chain for errors.Is.
func TestNetworkErrorIsTransient(t *testing.T) {
	t.Parallel()
	down := errors.New("connection refused")
	hc := &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) { return nil, down })}
	creds := domain.TwilioCredentials{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "fedcba9876543210fedcba9876543210"}
	m, err := twilio.New(twiliotest.StaticCredentials{brand: creds}, twilio.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Send(context.Background(), text(customer))
	if !errors.Is(err, down) || twilio.IsPermanent(err) {
		t.Fatalf("err = %v, want the network error, transient", err)
	}
	noLeak(t, err, creds.AuthToken)
}

// Whatever comes back from below twilio-go is stripped of the token and the body, should
// it ever quote them.
func TestTransportErrorIsRedacted(t *testing.T) {
	t.Parallel()
	creds := domain.TwilioCredentials{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "fedcba9876543210fedcba9876543210"}
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		return nil, errors.New("proxy refused " + string(b) + " with " + creds.AuthToken)
	})}
	m, err := twilio.New(twiliotest.StaticCredentials{brand: creds}, twilio.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Send(context.Background(), domain.OutboundMessage{ClientID: brand, From: brandNum, To: customer, Body: "SeuPedidoSaiu"})
	if err == nil || strings.Contains(err.Error(), creds.AuthToken) || strings.Contains(err.Error(), "SeuPedidoSaiu") {
		t.Fatalf("err = %v, want one without the token or the body", err)
	}
}

// An error page that is not Twilio's JSON (a proxy's 502) is transient.
func TestNonJSONErrorIsTransient(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
			Body: io.NopCloser(strings.NewReader("<html>502 Bad Gateway</html>")), Request: r,
		}, nil
	})}
	creds := domain.TwilioCredentials{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "fedcba9876543210fedcba9876543210"}
	m, err := twilio.New(twiliotest.StaticCredentials{brand: creds}, twilio.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Send(context.Background(), text(customer)); err == nil || twilio.IsPermanent(err) {
		t.Fatalf("err = %v, want a transient error", err)
	}
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"400", &twilio.Error{Status: 400, Code: 21211}, true},
		{"401", &twilio.Error{Status: 401, Code: 20003}, true},
		{"404", &twilio.Error{Status: 404, Code: 20404}, true},
		{"63016", &twilio.Error{Status: 400, Code: 63016}, true},
		{"408", &twilio.Error{Status: 408}, false},
		{"429", &twilio.Error{Status: 429, Code: 20429}, false},
		{"20429 under another status", &twilio.Error{Status: 400, Code: 20429}, false},
		{"500", &twilio.Error{Status: 500, Code: 20500}, false},
		{"503", &twilio.Error{Status: 503}, false},
		{"wrapped 400", errors.Join(errors.New("context"), &twilio.Error{Status: 400}), true},
		{"EINVALID", domain.Errorf(domain.EINVALID, "x"), true},
		{"ENOTFOUND", domain.Errorf(domain.ENOTFOUND, "x"), true},
		{"EINTERNAL", domain.Errorf(domain.EINTERNAL, "x"), false},
		{"plain", errors.New("x"), false},
		{"deadline", context.DeadlineExceeded, false},
	}
	for _, c := range cases {
		if got := twilio.IsPermanent(c.err); got != c.want {
			t.Errorf("%s: IsPermanent = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := twilio.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := twilio.New(twiliotest.StaticCredentials{}, twilio.WithHTTPClient(nil)); err == nil {
		t.Error("a nil HTTP client was accepted")
	}
}
