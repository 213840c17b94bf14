package localasaas_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/localasaas"
)

const (
	burgerKey = "$aact_local_burger"
	pizzaKey  = "$aact_local_pizza"
	validCPF  = "529.982.247-25"
	validCNPJ = "11.222.333/0001-81"
)

// now is the provider's clock in the tests: 27 Nov 2026, 20:00 in São Paulo.
var now = time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC)

// hook is a webhook receiver that records what it gets and answers fail[i] to the i-th
// request (200 past the list).
type hook struct {
	mu   sync.Mutex
	fail []int
	reqs []*http.Request
	evts []map[string]any
	srv  *httptest.Server
}

func newHook(t *testing.T, fail ...int) *hook {
	h := &hook{fail: fail}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		_ = json.NewDecoder(r.Body).Decode(&ev)
		h.mu.Lock()
		n := len(h.reqs)
		h.reqs = append(h.reqs, r)
		h.evts = append(h.evts, ev)
		status := http.StatusOK
		if n < len(h.fail) {
			status = h.fail[n]
		}
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.evts {
		out = append(out, fmt.Sprint(e["event"]))
	}
	return out
}

type env struct {
	t    *testing.T
	p    *localasaas.Provider
	srv  *httptest.Server
	hook *hook
}

func newEnv(t *testing.T, opts localasaas.Options, fail ...int) *env {
	t.Helper()
	e := &env{t: t, hook: newHook(t, fail...)}
	opts.Now = func() time.Time { return now }
	opts.RetryBackoff = time.Millisecond
	e.p = localasaas.New(opts)
	e.srv = httptest.NewServer(e.p)
	t.Cleanup(e.srv.Close)
	must(t, e.p.AddAccount(localasaas.Account{APIKey: burgerKey, ClientID: "demo-burger", WebhookURL: e.hook.srv.URL + "/webhooks/asaas", WebhookToken: "whsec-burger"}))
	must(t, e.p.AddAccount(localasaas.Account{APIKey: pizzaKey, ClientID: "demo-pizzaria", RequireCPF: true}))
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// do sends a request to the API and decodes the answer into out (when not nil).
func (e *env) do(key, method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("User-Agent", "wabot-test/1")
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("access_token", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type errorsBody struct {
	Errors []struct {
		Code        string `json:"code"`
		Description string `json:"description"`
	} `json:"errors"`
}

func (b errorsBody) codes() []string {
	var out []string
	for _, e := range b.Errors {
		if e.Description == "" {
			out = append(out, e.Code+"(no description)")
			continue
		}
		out = append(out, e.Code)
	}
	return out
}

func (e *env) customer(key, ref string) localasaas.Customer {
	e.t.Helper()
	var c localasaas.Customer
	if s := e.do(key, "POST", "/v3/customers", map[string]any{"name": "Maria Silva", "cpfCnpj": validCPF, "externalReference": ref}, &c); s != 200 {
		e.t.Fatalf("create customer: %d", s)
	}
	return c
}

func (e *env) charge(key, customer, billingType string, value float64, order string) localasaas.Payment {
	e.t.Helper()
	var p localasaas.Payment
	body := map[string]any{"customer": customer, "billingType": billingType, "value": value, "dueDate": "2026-11-28", "description": "Pedido " + order, "externalReference": order}
	if s := e.do(key, "POST", "/v3/payments", body, &p); s != 200 {
		e.t.Fatalf("create payment: %d", s)
	}
	return p
}

// control posts to the control endpoint and decodes the answer.
func (e *env) control(action, ref, clientID string, out any) int {
	e.t.Helper()
	b, _ := json.Marshal(map[string]string{"payment": ref, "clientId": clientID})
	resp, err := http.Post(e.srv.URL+"/_control/"+action, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	var b errorsBody
	if s := e.do("", "GET", "/v3/customers", nil, &b); s != 401 || !slices.Equal(b.codes(), []string{"access_token_not_found"}) {
		t.Errorf("no key: %d %v", s, b.codes())
	}
	b = errorsBody{}
	if s := e.do("$aact_wrong", "GET", "/v3/payments", nil, &b); s != 401 || !slices.Equal(b.codes(), []string{"invalid_access_token"}) {
		t.Errorf("unknown key: %d %v", s, b.codes())
	}
	// No User-Agent at all (Go's client sends none when it is set empty).
	req, _ := http.NewRequest("GET", e.srv.URL+"/v3/customers", nil)
	req.Header.Set("access_token", burgerKey)
	req.Header.Set("User-Agent", "")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	b = errorsBody{}
	_ = json.NewDecoder(resp.Body).Decode(&b)
	resp.Body.Close()
	if resp.StatusCode != 400 || !slices.Equal(b.codes(), []string{"invalid_user_agent"}) {
		t.Errorf("no User-Agent: %d %v", resp.StatusCode, b.codes())
	}
	var l localasaas.List[localasaas.Customer]
	if s := e.do(burgerKey, "GET", "/v3/customers", nil, &l); s != 200 || l.Object != "list" || l.Data == nil || l.Limit != 10 {
		t.Errorf("good key: %d %+v", s, l)
	}
	if n := e.p.Requests()["GET /customers"]; n != 3 {
		t.Errorf("Requests[GET /customers] = %d, want 3", n)
	}
}

func TestCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "whatsapp:+5511987654321")
	if !regexp.MustCompile(`^cus_[a-z0-9]{12}$`).MatchString(c.ID) || c.Object != "customer" || c.CpfCnpj != "52998224725" || c.PersonType != "FISICA" || c.DateCreated != "2026-11-27" {
		t.Errorf("customer = %+v", c)
	}
	e.customer(burgerKey, "whatsapp:+5521912345678")
	var l localasaas.List[localasaas.Customer]
	e.do(burgerKey, "GET", "/v3/customers?externalReference=whatsapp:%2B5511987654321", nil, &l)
	if l.TotalCount != 1 || len(l.Data) != 1 || l.Data[0].ID != c.ID || l.HasMore {
		t.Errorf("by externalReference: %+v", l)
	}
	e.do(burgerKey, "GET", "/v3/customers?limit=1&offset=0", nil, &l)
	if l.TotalCount != 2 || len(l.Data) != 1 || !l.HasMore || l.Limit != 1 {
		t.Errorf("page: %+v", l)
	}
	// Another brand's account sees none of it.
	e.do(pizzaKey, "GET", "/v3/customers?externalReference=whatsapp:%2B5511987654321", nil, &l)
	if l.TotalCount != 0 || len(l.Data) != 0 {
		t.Errorf("other account: %+v", l)
	}
	var got localasaas.Customer
	if s := e.do(burgerKey, "GET", "/v3/customers/"+c.ID, nil, &got); s != 200 || got != c {
		t.Errorf("GET: %d %+v", s, got)
	}
	var b errorsBody
	if s := e.do(pizzaKey, "GET", "/v3/customers/"+c.ID, nil, &b); s != 404 || len(b.Errors) != 1 {
		t.Errorf("GET by another account: %d %v", s, b)
	}
	b = errorsBody{}
	if s := e.do(burgerKey, "POST", "/v3/customers", map[string]any{"cpfCnpj": validCPF}, &b); s != 400 || !slices.Equal(b.codes(), []string{"invalid_name"}) {
		t.Errorf("no name: %d %v", s, b.codes())
	}
}

func TestCPF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	for _, tc := range []struct {
		key, cpf string
		status   int
		digits   string
	}{
		{pizzaKey, "", 400, ""},                  // required by the account
		{burgerKey, "", 200, ""},                 // optional for this one
		{pizzaKey, "529.982.247-24", 400, ""},    // wrong check digit
		{burgerKey, "52998224724", 400, ""},      // invalid even where optional
		{pizzaKey, "111.111.111-11", 400, ""},    // one digit repeated
		{pizzaKey, "5299822472", 400, ""},        // too short
		{pizzaKey, "529982247x5", 400, ""},       // not a number
		{pizzaKey, validCPF, 200, "52998224725"}, // formatted
		{pizzaKey, "52998224725", 200, "52998224725"},
		{pizzaKey, validCNPJ, 200, "11222333000181"},
		{pizzaKey, "11.222.333/0001-80", 400, ""},
	} {
		var c localasaas.Customer
		var b errorsBody
		var out any = &c
		if tc.status != 200 {
			out = &b
		}
		s := e.do(tc.key, "POST", "/v3/customers", map[string]any{"name": "Maria", "cpfCnpj": tc.cpf}, out)
		if s != tc.status {
			t.Errorf("%s %q: status %d, want %d", tc.key, tc.cpf, s, tc.status)
			continue
		}
		if s != 200 && !slices.Equal(b.codes(), []string{"invalid_cpfCnpj"}) {
			t.Errorf("%q: errors %v, want [invalid_cpfCnpj]", tc.cpf, b.codes())
		}
		if s == 200 && c.CpfCnpj != tc.digits {
			t.Errorf("%q: cpfCnpj %q, want %q", tc.cpf, c.CpfCnpj, tc.digits)
		}
	}
}

func TestPaymentValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	var b errorsBody
	s := e.do(burgerKey, "POST", "/v3/payments", map[string]any{"customer": c.ID, "billingType": "BITCOIN", "value": 0, "dueDate": "2026-11-26"}, &b)
	if s != 400 || !slices.Equal(b.codes(), []string{"invalid_billingType", "invalid_value", "invalid_dueDate"}) {
		t.Errorf("bad payment: %d %v", s, b.codes())
	}
	b = errorsBody{}
	s = e.do(burgerKey, "POST", "/v3/payments", map[string]any{"customer": c.ID, "billingType": "PIX", "value": -1.5, "dueDate": "28/11/2026"}, &b)
	if s != 400 || !slices.Equal(b.codes(), []string{"invalid_value", "invalid_dueDate"}) {
		t.Errorf("negative value, bad date: %d %v", s, b.codes())
	}
	b = errorsBody{}
	s = e.do(pizzaKey, "POST", "/v3/payments", map[string]any{"customer": c.ID, "billingType": "PIX", "value": 10, "dueDate": "2026-11-27"}, &b)
	if s != 400 || !slices.Equal(b.codes(), []string{"invalid_customer"}) {
		t.Errorf("another account's customer: %d %v", s, b.codes())
	}
	if got := e.p.Payments(burgerKey); len(got) != 0 {
		t.Errorf("payments after refusals: %v", got)
	}
	// Today is accepted; the value is rounded to cents.
	var p localasaas.Payment
	if s := e.do(burgerKey, "POST", "/v3/payments", map[string]any{"customer": c.ID, "billingType": "PIX", "value": 35.904, "dueDate": "2026-11-27", "externalReference": "ord-1"}, &p); s != 200 {
		t.Fatalf("good payment: %d", s)
	}
	if !regexp.MustCompile(`^pay_[a-z0-9]{16}$`).MatchString(p.ID) || p.Status != "PENDING" || p.Value != 35.9 || p.Object != "payment" ||
		p.InvoiceURL != localasaas.DefaultPublicURL+"/i/"+p.ID || p.ExternalReference != "ord-1" || p.Customer != c.ID || p.PaymentDate != nil {
		t.Errorf("payment = %+v", p)
	}
}

func TestPixQrCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	p := e.charge(burgerKey, c.ID, "PIX", 35.9, "ord-1")
	var qr localasaas.PixQrCode
	if s := e.do(burgerKey, "GET", "/v3/payments/"+p.ID+"/pixQrCode", nil, &qr); s != 200 {
		t.Fatalf("pixQrCode: %d", s)
	}
	if !strings.HasPrefix(qr.Payload, "00020101021226") || !strings.Contains(qr.Payload, p.ID) || !strings.Contains(qr.Payload, "540535.90") {
		t.Errorf("payload %q", qr.Payload)
	}
	body, crc := qr.Payload[:len(qr.Payload)-4], qr.Payload[len(qr.Payload)-4:]
	if !strings.HasSuffix(body, "6304") || crc != fmt.Sprintf("%04X", localasaas.CRC16(body)) {
		t.Errorf("CRC: payload %q ends %q, want %04X", qr.Payload, crc, localasaas.CRC16(body))
	}
	// The CRC function itself: CRC-16/CCITT-FALSE's check value.
	if got := localasaas.CRC16("123456789"); got != 0x29B1 {
		t.Errorf("CRC16(123456789) = %04X, want 29B1", got)
	}
	if qr.ExpirationDate != "2026-11-28 23:59:59" {
		t.Errorf("expirationDate %q", qr.ExpirationDate)
	}
	raw, err := base64.StdEncoding.DecodeString(qr.EncodedImage)
	must(t, err)
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() < 100 {
		t.Errorf("encodedImage is not a PNG: %v", err)
	}
	card := e.charge(burgerKey, c.ID, "CREDIT_CARD", 10, "ord-2")
	var b errorsBody
	if s := e.do(burgerKey, "GET", "/v3/payments/"+card.ID+"/pixQrCode", nil, &b); s != 400 {
		t.Errorf("pixQrCode of a card payment: %d", s)
	}
	if s := e.do(burgerKey, "GET", "/v3/payments/pay_nope/pixQrCode", nil, &b); s != 404 {
		t.Errorf("pixQrCode of no payment: %d", s)
	}
	// The invoice page shows the payload.
	resp, err := http.Get(e.srv.URL + "/i/" + p.ID)
	must(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), qr.Payload) || !strings.Contains(string(page), "data:image/png;base64,") {
		t.Errorf("invoice page: %d %s", resp.StatusCode, page)
	}
}

type outcome struct {
	localasaas.Outcome
	errorsBody
}

func TestPayDeliversWebhookWithRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{}, http.StatusOK, http.StatusInternalServerError) // created: ok; received: 500 then ok
	c := e.customer(burgerKey, "x")
	p := e.charge(burgerKey, c.ID, "PIX", 42.5, "ord-77")
	e.p.Flush()
	var out outcome
	if s := e.control("pay", "ord-77", "", &out); s != 200 {
		t.Fatalf("pay: %d %v", s, out.codes())
	}
	if out.ClientID != "demo-burger" || out.Payment.ID != p.ID || out.Payment.Status != "RECEIVED" || out.Payment.PaymentDate == nil || *out.Payment.PaymentDate != "2026-11-27" {
		t.Errorf("outcome = %+v", out.Outcome)
	}
	if len(out.Deliveries) != 1 {
		t.Fatalf("deliveries = %+v", out.Deliveries)
	}
	if d := out.Deliveries[0]; d.Event != "PAYMENT_RECEIVED" || !d.Delivered || d.StatusCode != 200 || d.Attempts != 2 || d.PaymentID != p.ID {
		t.Errorf("delivery = %+v", d)
	}
	if got := e.hook.events(); !slices.Equal(got, []string{"PAYMENT_CREATED", "PAYMENT_RECEIVED", "PAYMENT_RECEIVED"}) {
		t.Errorf("webhook got %v", got)
	}
	e.hook.mu.Lock()
	req, ev := e.hook.reqs[2], e.hook.evts[2]
	first := e.hook.evts[1]
	e.hook.mu.Unlock()
	if req.Header.Get("asaas-access-token") != "whsec-burger" || req.Header.Get("Content-Type") != "application/json" || req.Header.Get("User-Agent") == "" || req.URL.Path != "/webhooks/asaas" {
		t.Errorf("webhook headers %v path %s", req.Header, req.URL.Path)
	}
	if !regexp.MustCompile(`^evt_[0-9a-f]{32}&\d+$`).MatchString(fmt.Sprint(ev["id"])) || ev["id"] != first["id"] {
		t.Errorf("event id %v (the retry must keep it: first %v)", ev["id"], first["id"])
	}
	if ev["dateCreated"] != "2026-11-27 20:00:00" {
		t.Errorf("dateCreated %v", ev["dateCreated"])
	}
	pay, _ := ev["payment"].(map[string]any)
	if pay["id"] != p.ID || pay["status"] != "RECEIVED" || pay["object"] != "payment" || pay["value"] != 42.5 || pay["externalReference"] != "ord-77" || pay["billingType"] != "PIX" {
		t.Errorf("event payment %v", pay)
	}
	all := e.p.Deliveries()
	if len(all) != 2 || all[0].Event != "PAYMENT_CREATED" || all[0].Attempts != 1 || all[1].Attempts != 2 {
		t.Errorf("Deliveries() = %+v", all)
	}
	var got localasaas.Payment
	e.do(burgerKey, "GET", "/v3/payments/"+p.ID, nil, &got)
	if got.Status != "RECEIVED" {
		t.Errorf("GET after pay: %s", got.Status)
	}
	// Paying again is refused.
	out = outcome{}
	if s := e.control("pay", p.ID, "", &out); s != 409 || !slices.Equal(out.codes(), []string{"invalid_action"}) {
		t.Errorf("pay twice: %d %v", s, out.codes())
	}
}

func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{}, 200, 500, 502, 503)
	c := e.customer(burgerKey, "x")
	p := e.charge(burgerKey, c.ID, "PIX", 10, "ord-1")
	out, err := e.p.PayFor("demo-burger", p.ID)
	must(t, err)
	if d := out.Deliveries[0]; d.Delivered || d.Attempts != localasaas.WebhookAttempts || d.StatusCode != 503 || d.Error == "" {
		t.Errorf("delivery = %+v", d)
	}
	if out.Payment.Status != "RECEIVED" {
		t.Errorf("status %s: the payment is paid whatever the webhook answers", out.Payment.Status)
	}
}

func TestCreditCardAndSkippedWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(pizzaKey, "x") // pizzaria: no webhook URL
	p := e.charge(pizzaKey, c.ID, "CREDIT_CARD", 99.99, "ord-9")
	got, err := e.p.Pay(p.ID)
	must(t, err)
	if got.Status != "RECEIVED" || got.ConfirmedDate == nil {
		t.Errorf("payment = %+v", got)
	}
	d := e.p.Deliveries()
	var evs []string
	for _, x := range d {
		evs = append(evs, x.Event)
		if !x.Skipped || x.Delivered || x.Attempts != 0 || x.ClientID != "demo-pizzaria" {
			t.Errorf("delivery = %+v", x)
		}
	}
	if !slices.Equal(evs, []string{"PAYMENT_CREATED", "PAYMENT_CONFIRMED", "PAYMENT_RECEIVED"}) {
		t.Errorf("events %v", evs)
	}
}

func TestControlLookup(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	cb, cp := e.customer(burgerKey, "x"), e.customer(pizzaKey, "y")
	pb := e.charge(burgerKey, cb.ID, "PIX", 10, "ord-shared")
	e.charge(pizzaKey, cp.ID, "PIX", 20, "ord-shared")
	var out outcome
	if s := e.control("pay", "ord-none", "", &out); s != 404 || !slices.Equal(out.codes(), []string{"not_found"}) {
		t.Errorf("no payment: %d %v", s, out.codes())
	}
	out = outcome{}
	if s := e.control("pay", "ord-shared", "", &out); s != 409 || !slices.Equal(out.codes(), []string{"ambiguous_reference"}) {
		t.Errorf("ambiguous: %d %v", s, out.codes())
	}
	if _, err := e.p.Pay("ord-shared"); !errors.Is(err, localasaas.ErrAmbiguous) {
		t.Errorf("Pay ambiguous: %v", err)
	}
	out = outcome{}
	if s := e.control("pay", "ord-shared", "demo-burger", &out); s != 200 || out.Payment.ID != pb.ID {
		t.Errorf("with clientId: %d %+v", s, out.Payment)
	}
	// A second charge for an order (the first expired): the one awaiting payment is chosen.
	p1 := e.charge(burgerKey, cb.ID, "PIX", 10, "ord-2")
	if _, err := e.p.Overdue("ord-2"); err != nil {
		t.Fatal(err)
	}
	p2 := e.charge(burgerKey, cb.ID, "PIX", 10, "ord-2")
	got, err := e.p.Pay("ord-2")
	must(t, err)
	if got.ID != p2.ID || p1.ID == p2.ID {
		t.Errorf("paid %s, want the newest %s", got.ID, p2.ID)
	}
	var b errorsBody
	resp, err := http.Post(e.srv.URL+"/_control/pay", "application/json", strings.NewReader(`{}`))
	must(t, err)
	_ = json.NewDecoder(resp.Body).Decode(&b)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("no reference: %d", resp.StatusCode)
	}
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	p := e.charge(burgerKey, c.ID, "PIX", 10, "ord-1")
	var out outcome
	if s := e.control("overdue", "ord-1", "demo-burger", &out); s != 200 || out.Payment.Status != "OVERDUE" {
		t.Fatalf("overdue: %d %+v", s, out.Payment)
	}
	if len(out.Deliveries) != 1 || out.Deliveries[0].Event != "PAYMENT_OVERDUE" || !out.Deliveries[0].Delivered {
		t.Errorf("deliveries %+v", out.Deliveries)
	}
	out = outcome{}
	if s := e.control("overdue", p.ID, "", &out); s != 409 {
		t.Errorf("overdue twice: %d", s)
	}
	var l localasaas.List[localasaas.Payment]
	e.do(burgerKey, "GET", "/v3/payments?status=OVERDUE&externalReference=ord-1", nil, &l)
	if l.TotalCount != 1 || l.Data[0].ID != p.ID {
		t.Errorf("list OVERDUE: %+v", l)
	}
	// An overdue PIX can still be paid.
	if got, err := e.p.Pay(p.ID); err != nil || got.Status != "RECEIVED" {
		t.Errorf("pay overdue: %v %+v", err, got)
	}
}

func TestRefundOnlyAfterPaid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	p := e.charge(burgerKey, c.ID, "PIX", 25, "ord-1")
	var b errorsBody
	if s := e.do(burgerKey, "POST", "/v3/payments/"+p.ID+"/refund", nil, &b); s != 400 || !slices.Equal(b.codes(), []string{"invalid_action"}) {
		t.Errorf("refund pending: %d %v", s, b.codes())
	}
	_, err := e.p.Pay(p.ID)
	must(t, err)
	var got localasaas.Payment
	if s := e.do(burgerKey, "POST", "/v3/payments/"+p.ID+"/refund", map[string]any{"description": "cliente desistiu"}, &got); s != 200 || got.Status != "REFUNDED" || len(got.Refunds) != 1 || got.Refunds[0].Value != 25 {
		t.Errorf("refund: %d %+v", s, got)
	}
	e.p.Flush()
	if evs := e.hook.events(); !slices.Equal(evs, []string{"PAYMENT_CREATED", "PAYMENT_RECEIVED", "PAYMENT_REFUNDED"}) {
		t.Errorf("events %v", evs)
	}
	b = errorsBody{}
	if s := e.do(burgerKey, "POST", "/v3/payments/"+p.ID+"/refund", nil, &b); s != 400 {
		t.Errorf("refund twice: %d", s)
	}
	if s := e.do(pizzaKey, "POST", "/v3/payments/"+p.ID+"/refund", nil, &b); s != 404 {
		t.Errorf("refund by another account: %d", s)
	}
}

func TestDeleteOnlyBeforePaid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	p := e.charge(burgerKey, c.ID, "PIX", 25, "ord-1")
	var del struct {
		Deleted bool   `json:"deleted"`
		ID      string `json:"id"`
	}
	if s := e.do(burgerKey, "DELETE", "/v3/payments/"+p.ID, nil, &del); s != 200 || !del.Deleted || del.ID != p.ID {
		t.Errorf("delete: %d %+v", s, del)
	}
	var got localasaas.Payment
	if e.do(burgerKey, "GET", "/v3/payments/"+p.ID, nil, &got); !got.Deleted {
		t.Errorf("GET deleted: %+v", got)
	}
	var l localasaas.List[localasaas.Payment]
	if e.do(burgerKey, "GET", "/v3/payments?externalReference=ord-1", nil, &l); l.TotalCount != 0 {
		t.Errorf("a deleted payment is listed: %+v", l)
	}
	if _, err := e.p.Pay("ord-1"); !errors.Is(err, localasaas.ErrNotFound) {
		t.Errorf("pay deleted: %v", err)
	}
	e.p.Flush()
	if evs := e.hook.events(); !slices.Equal(evs, []string{"PAYMENT_CREATED", "PAYMENT_DELETED"}) {
		t.Errorf("events %v", evs)
	}
	paid := e.charge(burgerKey, c.ID, "PIX", 25, "ord-2")
	_, err := e.p.Pay(paid.ID)
	must(t, err)
	var b errorsBody
	if s := e.do(burgerKey, "DELETE", "/v3/payments/"+paid.ID, nil, &b); s != 400 || !slices.Equal(b.codes(), []string{"invalid_action"}) {
		t.Errorf("delete paid: %d %v", s, b.codes())
	}
	if s := e.do(burgerKey, "DELETE", "/v3/payments/pay_unknown", nil, &b); s != 404 {
		t.Errorf("delete unknown: %d", s)
	}
}

func TestStateFileSurvivesNew(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "dev", "asaas.json")
	e := newEnv(t, localasaas.Options{StateFile: file})
	c := e.customer(burgerKey, "whatsapp:+5511987654321")
	p := e.charge(burgerKey, c.ID, "PIX", 12.34, "ord-1")
	_, err := e.p.Pay(p.ID)
	must(t, err)

	e2 := newEnv(t, localasaas.Options{StateFile: file})
	var got localasaas.Payment
	if s := e2.do(burgerKey, "GET", "/v3/payments/"+p.ID, nil, &got); s != 200 || got.Status != "RECEIVED" || got.Value != 12.34 {
		t.Errorf("after New: %d %+v", s, got)
	}
	var l localasaas.List[localasaas.Customer]
	if e2.do(burgerKey, "GET", "/v3/customers?externalReference=whatsapp:%2B5511987654321", nil, &l); l.TotalCount != 1 || l.Data[0].ID != c.ID {
		t.Errorf("customer after New: %+v", l)
	}
	if len(e2.p.Payments(burgerKey)) != 1 || len(e2.p.Payments(pizzaKey)) != 0 {
		t.Errorf("Payments after New: %v", e2.p.Payments(burgerKey))
	}
	// New ids do not collide with the loaded ones, and invoice numbers go on.
	p2 := e2.charge(burgerKey, c.ID, "PIX", 1, "ord-2")
	if p2.InvoiceNumber <= got.InvoiceNumber {
		t.Errorf("invoice numbers %s then %s", got.InvoiceNumber, p2.InvoiceNumber)
	}
}

func TestStallCreateMakesOneCharge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	e.p.StallCreate(5 * time.Second)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("POST", e.srv.URL+"/v3/payments", strings.NewReader(fmt.Sprintf(`{"customer":%q,"billingType":"PIX","value":30,"dueDate":"2026-11-28","externalReference":"ord-1"}`, c.ID)))
	req.Header.Set("access_token", burgerKey)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("the stalled create answered %d", resp.StatusCode)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the client waited %v", time.Since(start))
	}
	ps := e.p.Payments(burgerKey)
	if len(ps) != 1 || ps[0].ExternalReference != "ord-1" {
		t.Fatalf("payments = %+v, want exactly one", ps)
	}
	// The stall is used once: the client's retry-by-lookup finds the charge at once.
	var l localasaas.List[localasaas.Payment]
	if s := e.do(burgerKey, "GET", "/v3/payments?externalReference=ord-1", nil, &l); s != 200 || l.TotalCount != 1 || l.Data[0].ID != ps[0].ID {
		t.Errorf("lookup: %d %+v", s, l)
	}
	if n := e.p.Requests()["POST /payments"]; n != 1 {
		t.Errorf("POST /payments count %d", n)
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	c := e.customer(burgerKey, "x")
	e.p.FailNext("POST /payments", http.StatusServiceUnavailable)
	var b errorsBody
	if s := e.do(burgerKey, "POST", "/v3/payments", map[string]any{"customer": c.ID, "billingType": "PIX", "value": 1, "dueDate": "2026-11-28"}, &b); s != 503 || len(b.Errors) != 1 {
		t.Errorf("failed create: %d %v", s, b)
	}
	if n := len(e.p.Payments(burgerKey)); n != 0 {
		t.Errorf("a failed create made %d payments", n)
	}
	p := e.charge(burgerKey, c.ID, "PIX", 1, "ord-1")
	e.p.FailNext("/payments/{id}", http.StatusInternalServerError)
	if s := e.do(burgerKey, "GET", "/v3/payments/"+p.ID, nil, &b); s != 500 {
		t.Errorf("failed GET: %d", s)
	}
	var got localasaas.Payment
	if s := e.do(burgerKey, "GET", "/v3/payments/"+p.ID, nil, &got); s != 200 || got.ID != p.ID {
		t.Errorf("GET after: %d", s)
	}
	if r := e.p.Requests(); r["POST /payments"] != 2 || r["GET /payments/{id}"] != 2 {
		t.Errorf("Requests = %v", r)
	}
}

func TestPrefixes(t *testing.T) {
	t.Parallel()
	p := localasaas.New(localasaas.Options{Prefix: "api/v3/", ControlPrefix: "/ctl", PublicURL: "https://x.test/asaas/", Now: func() time.Time { return now }})
	must(t, p.AddAccount(localasaas.Account{APIKey: "k", ClientID: "demo-burger"}))
	srv := httptest.NewServer(http.StripPrefix(localasaas.MountPath, p))
	defer srv.Close()
	e := &env{t: t, p: p, srv: srv}
	var c localasaas.Customer
	if s := e.do("k", "POST", localasaas.MountPath+"/api/v3/customers", map[string]any{"name": "A"}, &c); s != 200 {
		t.Fatalf("mounted create: %d", s)
	}
	var pay localasaas.Payment
	e.do("k", "POST", localasaas.MountPath+"/api/v3/payments", map[string]any{"customer": c.ID, "billingType": "UNDEFINED", "value": 5, "dueDate": "2026-12-01", "externalReference": "o"}, &pay)
	if pay.InvoiceURL != "https://x.test/asaas/i/"+pay.ID {
		t.Errorf("invoiceUrl %q", pay.InvoiceURL)
	}
	resp, err := http.Post(srv.URL+localasaas.MountPath+"/ctl/pay", "application/json", strings.NewReader(`{"payment":"o"}`))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("mounted control: %d", resp.StatusCode)
	}
	var b errorsBody
	if s := e.do("k", "GET", localasaas.MountPath+"/api/v3/subscriptions", nil, &b); s != 404 || len(b.Errors) != 1 {
		t.Errorf("unknown endpoint: %d", s)
	}
	if err := p.AddAccount(localasaas.Account{APIKey: "k", ClientID: "other"}); err == nil {
		t.Error("one API key for two brands was accepted")
	}
}

func TestUpdateCustomerAndCPFHooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	// A customer stored without a CPF on an account that requires one cannot be charged.
	c, err := e.p.AddCustomer(pizzaKey, localasaas.Customer{Name: "Maria", ExternalReference: "payer-1"})
	must(t, err)
	var b errorsBody
	body := map[string]any{"customer": c.ID, "billingType": "PIX", "value": 10, "dueDate": "2026-11-28"}
	if s := e.do(pizzaKey, "POST", "/v3/payments", body, &b); s != 400 || !slices.Equal(b.codes(), []string{"invalid_customer.cpfCnpj"}) {
		t.Errorf("charge without CPF: %d %v", s, b.codes())
	}
	e.p.RefuseCPF("111.444.777-35")
	b = errorsBody{}
	if s := e.do(pizzaKey, "PUT", "/v3/customers/"+c.ID, map[string]any{"cpfCnpj": "11144477735"}, &b); s != 400 || !slices.Equal(b.codes(), []string{"invalid_cpfCnpj"}) {
		t.Errorf("refused CPF: %d %v", s, b.codes())
	}
	var got localasaas.Customer
	if s := e.do(pizzaKey, "PUT", "/v3/customers/"+c.ID, map[string]any{"cpfCnpj": validCPF}, &got); s != 200 || got.CpfCnpj != "52998224725" || got.Name != "Maria" || got.ExternalReference != "payer-1" {
		t.Errorf("PUT: %d %+v", s, got)
	}
	if cs := e.p.Customers(pizzaKey); len(cs) != 1 || cs[0] != got {
		t.Errorf("Customers = %+v", cs)
	}
	if s := e.do(burgerKey, "PUT", "/v3/customers/"+c.ID, map[string]any{"name": "X"}, nil); s != 404 {
		t.Errorf("PUT by another account: %d", s)
	}
	if s := e.do(pizzaKey, "POST", "/v3/payments", body, nil); s != 200 {
		t.Errorf("charge with CPF: %d", s)
	}
	// A payment stored as is, and a failure repeated.
	paid, err := e.p.AddPayment(pizzaKey, localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: 57.9, Status: localasaas.StatusReceived, ExternalReference: "ord-9"})
	must(t, err)
	e.p.Fail("GET /payments/{id}", http.StatusServiceUnavailable, 2)
	var p localasaas.Payment
	for i, want := range []int{503, 503, 200} {
		if s := e.do(pizzaKey, "GET", "/v3/payments/"+paid.ID, nil, &p); s != want {
			t.Errorf("GET %d: %d, want %d", i, s, want)
		}
	}
	if p.Status != localasaas.StatusReceived || p.Value != 57.9 || p.NetValue != 57.9 || p.DueDate != "2026-11-27" || p.InvoiceURL == "" {
		t.Errorf("stored payment = %+v", p)
	}
	if _, err := e.p.AddPayment("$aact_nobody", localasaas.Payment{}); err == nil {
		t.Error("AddPayment to an unknown key accepted")
	}
}

func TestStallAnyRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, localasaas.Options{})
	e.p.Stall("POST /customers", 5*time.Second)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("POST", e.srv.URL+"/v3/customers", strings.NewReader(`{"name":"Maria","externalReference":"payer-1"}`))
	req.Header.Set("access_token", burgerKey)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the stalled create answered %d", resp.StatusCode)
	}
	if cs := e.p.Customers(burgerKey); len(cs) != 1 || cs[0].ExternalReference != "payer-1" {
		t.Errorf("customers = %+v, want the one created before the stall", cs)
	}
}
