package asaas_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/asaas/asaastest"
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

// setup starts a stand-in of Asaas and a provider on it, with short waits.
func setup(t *testing.T, opts ...asaas.Option) (*asaastest.Server, *asaas.Provider) {
	t.Helper()
	srv := asaastest.NewServer(t, apiKey)
	srv.SetClock(clock)
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
func newClient(srv *asaastest.Server, opts ...asaas.Option) *asaas.Client {
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
