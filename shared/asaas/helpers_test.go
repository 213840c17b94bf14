package asaas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/dev/localasaas"
	"github.com/wabot-platform/wabot/shared/domain"
)

// apiKey has the shape of an Asaas key and is distinctive, so a leak into an error cannot go
// unnoticed.
const apiKey = "$aact_YTU5YTE0M2M2N2I4MTliNzk0YTI5N2U5MzdjNWZmNDQ6OjAwMDAwMDAwMDAwMDAwNzI0NTI6OiRhYWNoXzRl"

const brand = "demo-pizzaria"

// now is 2026-03-10 02:30 UTC: still 2026-03-09 in São Paulo (UTC-3), so a due date computed
// in UTC would be a day off.
var now = time.Date(2026, 3, 10, 2, 30, 0, 0, time.UTC)

func clock() time.Time { return now }

// creds is a credential source of fixed brands.
type creds map[string]domain.PaymentCredentials

func (c creds) PaymentCredentials(_ context.Context, clientID string) (domain.PaymentCredentials, error) {
	pc, ok := c[clientID]
	if !ok {
		return domain.PaymentCredentials{}, domain.Errorf(domain.ENOTFOUND, "no payment credentials for %s", clientID)
	}
	return pc, nil
}

func brandClient() *domain.Client {
	return &domain.Client{ClientID: brand, ClientName: "Pizzaria Demo", AsaasSandbox: true}
}

func order(id string, cents int64, m domain.PaymentMethod) *domain.Order {
	return &domain.Order{ClientID: brand, OrderID: id, TotalCents: cents, PaymentMethod: m, CustomerName: "Maria Silva"}
}

func payer() domain.Payer {
	return domain.Payer{Name: "Maria Silva", Phone: "whatsapp:+5511987654321", Reference: "payer-7f3a9c"}
}

// stand is the Asaas of these tests: the local payment provider (package localasaas, the
// dev stack's Asaas) with one account, apiKey's, brand's, behind a recorder of two things the
// provider does not keep: every request's User-Agent, and the value of every POST /payments
// as the client wrote it. The provider reads amounts with its own code, so a client that
// writes cents wrong is caught twice: by the text, and by what the provider understood.
type stand struct {
	*localasaas.Provider
	URL string
	tb  testing.TB

	mu     sync.Mutex
	agents []string
	wire   map[string][]string // externalReference -> the values of its POST /payments, as written
}

// newStand starts a stand with the clock now (nil: the real one); it stops when the test
// ends.
func newStand(tb testing.TB, now func() time.Time) *stand {
	tb.Helper()
	s := &stand{Provider: localasaas.New(localasaas.Options{Now: now}), tb: tb, wire: map[string][]string{}}
	if err := s.AddAccount(localasaas.Account{APIKey: apiKey, ClientID: brand}); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.agents = append(s.agents, r.UserAgent())
		s.mu.Unlock()
		if r.Method == http.MethodPost && r.URL.Path == "/v3/payments" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var v struct {
				Value             json.RawMessage `json:"value"`
				ExternalReference string          `json:"externalReference"`
			}
			if json.Unmarshal(body, &v) == nil {
				s.mu.Lock()
				s.wire[v.ExternalReference] = append(s.wire[v.ExternalReference], string(v.Value))
				s.mu.Unlock()
			}
		}
		s.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// BaseURL is the API base, as asaas.WithBaseURL takes it.
func (s *stand) BaseURL() string { return s.URL + localasaas.DefaultPrefix }

// requireCPF makes the account refuse customers without a CPF, and charges of them.
func (s *stand) requireCPF() {
	if err := s.AddAccount(localasaas.Account{APIKey: apiKey, ClientID: brand, RequireCPF: true}); err != nil {
		s.tb.Fatal(err)
	}
}

// requests counts the requests of route ("GET /payments/{id}"), failed ones included.
func (s *stand) requests(route string) int { return s.Requests()[route] }

// userAgents lists the User-Agent of every request received.
func (s *stand) userAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.agents...)
}

// wireValues lists the values of the POST /payments of order ref as the client wrote them.
func (s *stand) wireValues(ref string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.wire[ref]...)
}

// customers returns the account's customers, deleted ones included.
func (s *stand) customers() []localasaas.Customer { return s.Customers(apiKey) }

// payments returns the account's payments whose externalReference is ref ("" all), deleted
// ones included, oldest first.
func (s *stand) payments(ref string) []localasaas.Payment {
	var out []localasaas.Payment
	for _, p := range s.Payments(apiKey) {
		if ref == "" || p.ExternalReference == ref {
			out = append(out, p)
		}
	}
	return out
}

// addCustomer stores a customer as if created earlier.
func (s *stand) addCustomer(c localasaas.Customer) localasaas.Customer {
	c, err := s.AddCustomer(apiKey, c)
	if err != nil {
		s.tb.Fatal(err)
	}
	return c
}

// addPayment stores a payment as if created earlier.
func (s *stand) addPayment(p localasaas.Payment) localasaas.Payment {
	p, err := s.AddPayment(apiKey, p)
	if err != nil {
		s.tb.Fatal(err)
	}
	return p
}

// reais is an amount in cents as the provider holds it.
func reais(cents int64) float64 { return float64(cents) / 100 }

// centsOf is the amount the provider understood, in cents.
func centsOf(p localasaas.Payment) int64 { return int64(math.Round(p.Value * 100)) }

// setup starts a stand-in of Asaas and a provider on it, with short waits.
func setup(t *testing.T, opts ...asaas.Option) (*stand, *asaas.Provider) {
	t.Helper()
	srv := newStand(t, clock)
	base := []asaas.Option{
		asaas.WithBaseURL(srv.BaseURL()),
		asaas.WithRetry(3, time.Millisecond),
		asaas.WithLookup(3, 10*time.Millisecond),
		asaas.WithClock(clock),
	}
	p, err := asaas.NewProvider(creds{brand: {APIKey: apiKey}}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, p
}

// newClient is a low-level client on the stand-in.
func newClient(srv *stand, opts ...asaas.Option) *asaas.Client {
	base := []asaas.Option{asaas.WithBaseURL(srv.BaseURL()), asaas.WithRetry(3, time.Millisecond)}
	return asaas.NewClient(apiKey, append(base, opts...)...)
}

// hostRecorder is a transport that sends every request to a test server, whatever its host,
// and records the hosts and paths asked for.
type hostRecorder struct {
	target string // host:port of the test server
	mu     sync.Mutex
	urls   []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.urls = append(h.urls, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
	h.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "http", h.target, ""
	return http.DefaultTransport.RoundTrip(r)
}

func (h *hostRecorder) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.urls...)
}
