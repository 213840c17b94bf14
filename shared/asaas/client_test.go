package asaas_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/dev/localasaas"
	"github.com/wabot-platform/wabot/shared/domain"
)

func TestGetRetriedOn503ThenSucceeds(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	p := srv.addPayment(localasaas.Payment{Customer: "cus_1", BillingType: "PIX", Value: reais(5790), DueDate: "2026-03-09", ExternalReference: "ord-1"})
	srv.Fail("GET /payments/{id}", http.StatusServiceUnavailable, 2)

	got, err := newClient(srv).GetPayment(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.Value != 5790 || got.ExternalReference != "ord-1" {
		t.Errorf("payment = %+v", got)
	}
	if n := srv.requests("GET /payments/{id}"); n != 3 {
		t.Errorf("GET requests = %d, want 3 (two 503s, then the answer)", n)
	}
}

func TestGetGivesUpAfterThreeAttempts(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	srv.Fail("GET /payments", http.StatusTooManyRequests, 5)

	_, err := newClient(srv).FindPayments(context.Background(), "ord-1")
	if asaas.StatusCode(err) != http.StatusTooManyRequests || domain.IsPermanent(err) {
		t.Errorf("err = %v, want a transient 429", err)
	}
	if n := srv.requests("GET /payments"); n != 3 {
		t.Errorf("GET requests = %d, want 3", n)
	}
}

func TestPostNeverRetried(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	cus := srv.addCustomer(localasaas.Customer{Name: "Maria"})
	req := asaas.PaymentRequest{Customer: cus.ID, BillingType: asaas.BillingPIX, Value: 5790, DueDate: time.Now().Format(asaas.DateLayout), ExternalReference: "ord-1"}

	srv.Fail("POST /payments", http.StatusServiceUnavailable, 1)
	_, err := newClient(srv).CreatePayment(context.Background(), req)
	if !asaas.IsUnknownOutcome(err) || domain.IsPermanent(err) || asaas.StatusCode(err) != http.StatusServiceUnavailable {
		t.Errorf("503 on create: err = %v, want a transient unknown outcome", err)
	}
	if n := srv.requests("POST /payments"); n != 1 {
		t.Errorf("POST requests = %d, want 1: a POST is never retried", n)
	}

	// A 429 says Asaas did nothing: a known outcome, still transient, still not retried.
	srv.Fail("POST /payments", http.StatusTooManyRequests, 1)
	_, err = newClient(srv).CreatePayment(context.Background(), req)
	if asaas.IsUnknownOutcome(err) || domain.IsPermanent(err) || asaas.StatusCode(err) != http.StatusTooManyRequests {
		t.Errorf("429 on create: err = %v", err)
	}
	if n := srv.requests("POST /payments"); n != 2 {
		t.Errorf("POST requests = %d, want 2", n)
	}
	if len(srv.payments("")) != 0 {
		t.Errorf("payments = %+v, want none", srv.payments(""))
	}
}

func TestPostTimeoutIsUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	cus := srv.addCustomer(localasaas.Customer{Name: "Maria"})
	srv.Stall("POST /payments", 5*time.Second)

	start := time.Now()
	_, err := newClient(srv, asaas.WithTimeout(150*time.Millisecond)).CreatePayment(context.Background(), asaas.PaymentRequest{
		Customer: cus.ID, BillingType: asaas.BillingPIX, Value: 100, DueDate: time.Now().Format(asaas.DateLayout), ExternalReference: "ord-1",
	})
	if !asaas.IsUnknownOutcome(err) || !errors.Is(err, context.DeadlineExceeded) || domain.IsPermanent(err) {
		t.Errorf("err = %v, want an unknown outcome after the timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: the timeout did not stop the call", d)
	}
	if len(srv.payments("ord-1")) != 1 {
		t.Errorf("the stand-in should have created the payment before stalling")
	}
}

func TestUnauthorizedAndKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	_, err := asaas.NewClient("$aact_wrong", asaas.WithBaseURL(srv.BaseURL())).FindPayments(context.Background(), "ord-1")
	if !asaas.IsUnauthorized(err) || !domain.IsPermanent(err) {
		t.Errorf("wrong key: err = %v, want a permanent 401", err)
	}
	var ae *asaas.Error
	if !errors.As(err, &ae) || !ae.HasCode("invalid_access_token") {
		t.Errorf("wrong key: err = %#v, want Asaas's error code", err)
	}

	// An answer that echoes the key (a proxy, a careless error text), a 401 with no body,
	// and a network failure: none of their errors may carry the key.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v3/payments":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errors":[{"code":"invalid_value","description":"token ` + r.Header.Get("access_token") + ` refused"}]}`))
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(echo.Close)
	c := asaas.NewClient(apiKey, asaas.WithBaseURL(echo.URL+"/v3"), asaas.WithRetry(1, 0))
	_, err1 := c.FindPayments(context.Background(), "ord-1")
	_, err2 := c.GetPayment(context.Background(), "pay_1")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err3 := asaas.NewClient(apiKey, asaas.WithBaseURL(closed.URL+"/v3"), asaas.WithRetry(1, 0)).CreatePayment(context.Background(), asaas.PaymentRequest{})
	for i, err := range []error{err1, err2, err3} {
		if err == nil {
			t.Fatalf("error %d: nil", i+1)
		}
		if strings.Contains(err.Error(), apiKey) {
			t.Errorf("error %d holds the API key: %v", i+1, err)
		}
	}
	if !strings.Contains(err1.Error(), "[api key]") || !asaas.IsBadRequest(err1) {
		t.Errorf("echoed key: err = %v, want it redacted", err1)
	}
	if !asaas.IsUnauthorized(err2) || !strings.Contains(err2.Error(), "401") {
		t.Errorf("empty 401: err = %v", err2)
	}
	// Nothing reached a closed port: a known outcome.
	if asaas.IsUnknownOutcome(err3) {
		t.Errorf("refused connection: err = %v, want a known outcome", err3)
	}
	if s := c.String(); strings.Contains(s, apiKey) {
		t.Errorf("Client.String() = %q holds the key", s)
	}
}

func TestHeadersAndContext(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	c := newClient(srv, asaas.WithUserAgent("wabot-test/2.0"))
	if _, err := c.FindCustomers(context.Background(), "payer-1"); err != nil {
		t.Fatal(err)
	}
	if ua := srv.userAgents(); len(ua) != 1 || ua[0] != "wabot-test/2.0" {
		t.Errorf("User-Agents = %q", ua)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.FindCustomers(ctx, "payer-1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
	if n := srv.requests("GET /customers"); n != 1 {
		t.Errorf("GET /customers = %d, want 1: a cancelled call sends nothing", n)
	}
}

func TestPixQrCodeExpiry(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	p := srv.addPayment(localasaas.Payment{Customer: "cus_1", BillingType: "PIX", Value: reais(100), DueDate: "2026-03-09"})
	qr, err := newClient(srv).PixQrCode(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := qr.ExpiresAt()
	want := time.Date(2026, 3, 10, 2, 59, 59, 0, time.UTC) // 23:59:59 in São Paulo (UTC-3)
	if err != nil || !exp.Equal(want) {
		t.Errorf("ExpiresAt = %v, %v; want %v", exp, err, want)
	}
	if qr.Payload != localasaas.PixPayload(p) || qr.EncodedImage == "" {
		t.Errorf("qr = %+v", qr)
	}
}
