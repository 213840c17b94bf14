package asaas_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/dev/localasaas"
	"github.com/wabot-platform/wabot/shared/domain"
)

func TestChargePIX(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	ch, err := p.Charge(context.Background(), brandClient(), order("ord-4521", 5790, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	pays := srv.payments("ord-4521")
	if len(pays) != 1 {
		t.Fatalf("payments = %+v, want 1", pays)
	}
	pay := pays[0]
	if w := srv.wireValues("ord-4521"); len(w) != 1 || w[0] != "57.9" {
		t.Errorf("value on the wire = %q, want 57.9", w)
	}
	// 23:30 in São Paulo: due the next day, not in 30 minutes (MinPaymentWindow).
	if pay.BillingType != "PIX" || centsOf(pay) != 5790 || pay.DueDate != "2026-03-10" ||
		pay.Description != "Pedido #ord-4521 - Pizzaria Demo" || pay.ExternalReference != "ord-4521" {
		t.Errorf("payment at Asaas = %+v", pay)
	}
	cus := srv.customers()
	if len(cus) != 1 {
		t.Fatalf("customers = %+v, want 1", cus)
	}
	c := cus[0]
	if c.Name != "Maria Silva" || c.MobilePhone != "11987654321" || c.ExternalReference != "payer-7f3a9c" || !c.NotificationDisabled || c.CpfCnpj != "" {
		t.Errorf("customer at Asaas = %+v", c)
	}
	want := domain.Charge{
		PaymentID: pay.ID, CustomerID: c.ID, Method: domain.PaymentPIX, Status: "PENDING", AmountCents: 5790,
		PixCode: localasaas.PixPayload(pay), URL: pay.InvoiceURL,
	}
	got := *ch
	got.PixImage, got.ExpiresAt = "", time.Time{}
	if got != want {
		t.Errorf("charge = %+v\nwant     %+v", got, want)
	}
	if ch.PixImage == "" {
		t.Error("no PIX image")
	}
	if exp := time.Date(2026, 3, 11, 2, 59, 59, 0, time.UTC); !ch.ExpiresAt.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v (the due day's end, 2026-03-10 23:59:59 in São Paulo)", ch.ExpiresAt, exp)
	}
}

func TestChargeCard(t *testing.T) {
	t.Parallel()
	for _, m := range []domain.PaymentMethod{domain.PaymentCredit, domain.PaymentDebit} {
		srv, p := setup(t)
		ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", 4250, m), payer())
		if err != nil {
			t.Fatal(m, err)
		}
		pays := srv.payments("ord-1")
		if len(pays) != 1 || pays[0].BillingType != "CREDIT_CARD" {
			t.Fatalf("%s: payments = %+v", m, pays)
		}
		if ch.URL != pays[0].InvoiceURL || ch.URL == "" || ch.PixCode != "" || ch.Method != m || ch.AmountCents != 4250 {
			t.Errorf("%s: charge = %+v", m, ch)
		}
		if n := srv.requests("GET /payments/{id}/pixQrCode"); n != 0 {
			t.Errorf("%s: %d PIX code requests for a card charge", m, n)
		}
	}
}

func TestChargeAmountsExact(t *testing.T) {
	t.Parallel()
	for cents, wire := range map[int64]string{5790: "57.9", 1: "0.01", 100000099: "1000000.99", 100: "1", 1010: "10.1"} {
		srv, p := setup(t)
		ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", cents, domain.PaymentPIX), payer())
		if err != nil {
			t.Fatal(cents, err)
		}
		pay := srv.payments("ord-1")[0]
		if w := srv.wireValues("ord-1"); len(w) != 1 || w[0] != wire || centsOf(pay) != cents {
			t.Errorf("%d cents went on the wire as %q (%d)", cents, w, centsOf(pay))
		}
		// The stand-in answers "57.90": read back exactly.
		if ch.AmountCents != cents {
			t.Errorf("%d cents came back as %d", cents, ch.AmountCents)
		}
	}
}

func TestChargeReusesCustomer(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	srv.addCustomer(localasaas.Customer{Name: "Old", ExternalReference: "payer-7f3a9c", Deleted: true})
	existing := srv.addCustomer(localasaas.Customer{Name: "Maria", ExternalReference: "payer-7f3a9c"})

	ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", 1000, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	if ch.CustomerID != existing.ID || srv.payments("ord-1")[0].Customer != existing.ID {
		t.Errorf("charge customer = %s, want the existing %s", ch.CustomerID, existing.ID)
	}
	if n := srv.requests("POST /customers"); n != 0 || len(srv.customers()) != 2 {
		t.Errorf("customers created = %d (held %d): the existing one must be reused", n, len(srv.customers()))
	}

	// A known customer id needs no lookup at all.
	pp := payer()
	pp.CustomerID = existing.ID
	if _, err := p.Charge(context.Background(), brandClient(), order("ord-2", 1000, domain.PaymentCredit), pp); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests("GET /customers"); n != 1 {
		t.Errorf("customer lookups = %d, want 1 (only the first charge's)", n)
	}
	if srv.payments("ord-2")[0].Customer != existing.ID {
		t.Error("the known customer was not charged")
	}
}

func TestChargeTwiceReusesPayment(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	first, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	if second.PaymentID != first.PaymentID || second.PixCode != first.PixCode {
		t.Errorf("second charge = %+v, want the first %+v", second, first)
	}
	if n := srv.requests("POST /payments"); n != 1 || len(srv.payments("ord-1")) != 1 {
		t.Errorf("creates = %d, payments = %d; want 1 and 1", n, len(srv.payments("ord-1")))
	}
	if n := srv.requests("POST /customers"); n != 1 {
		t.Errorf("customers created = %d, want 1", n)
	}
}

// Asaas creates the payment but its answer comes after the client's timeout: Charge finds the
// payment by the order id, and never creates a second one.
func TestChargeTimeoutOnCreateFindsThePayment(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, asaas.WithTimeout(200*time.Millisecond))
	srv.Stall("POST /payments", 5*time.Second)

	ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	pays := srv.payments("ord-1")
	if len(pays) != 1 {
		t.Fatalf("payments for the order = %d, want exactly 1", len(pays))
	}
	if ch.PaymentID != pays[0].ID || ch.PixCode == "" {
		t.Errorf("charge = %+v, want payment %s with its PIX code", ch, pays[0].ID)
	}
	if n := srv.requests("POST /payments"); n != 1 {
		t.Errorf("creates = %d, want 1", n)
	}

	again, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if err != nil || again.PaymentID != ch.PaymentID || len(srv.payments("ord-1")) != 1 {
		t.Errorf("second charge = %+v, %v; payments %d", again, err, len(srv.payments("ord-1")))
	}
}

// A create whose outcome is unknown and that the lookups do not find is a transient error; the
// next Charge looks first, and creates the one payment.
func TestChargeUnknownOutcomeNotFound(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	srv.Fail("POST /payments", http.StatusBadGateway, 1) // Asaas did nothing, but 5xx cannot say so

	_, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if !asaas.IsUnknownOutcome(err) || domain.IsPermanent(err) {
		t.Fatalf("err = %v, want a transient unknown outcome", err)
	}
	if n := srv.requests("GET /payments"); n != 4 {
		t.Errorf("payment lookups = %d, want 4 (one before the create, three after)", n)
	}

	ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	if pays := srv.payments("ord-1"); len(pays) != 1 || pays[0].ID != ch.PaymentID {
		t.Errorf("payments = %+v, want exactly the charge's", pays)
	}
	if n := srv.requests("POST /customers"); n != 1 {
		t.Errorf("customers created = %d, want 1 (the second charge finds the first's)", n)
	}
}

func TestChargeFoundPaymentReturnedAsIs(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	paid := srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(5790), DueDate: "2026-03-09", ExternalReference: "ord-1", Status: "RECEIVED"})
	ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	if ch.PaymentID != paid.ID || ch.Status != "RECEIVED" || ch.PixCode != "" {
		t.Errorf("charge = %+v, want the paid payment as it is", ch)
	}
	overdue := srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(100), DueDate: "2026-03-01", ExternalReference: "ord-2", Status: "OVERDUE"})
	ch, err = p.Charge(context.Background(), brandClient(), order("ord-2", 100, domain.PaymentPIX), payer())
	if err != nil || ch.PaymentID != overdue.ID || ch.Status != "OVERDUE" {
		t.Errorf("overdue: charge = %+v, %v; want it returned for the caller to decide", ch, err)
	}
	if n := srv.requests("POST /payments") + srv.requests("POST /customers"); n != 0 {
		t.Errorf("%d creates for orders that have a payment", n)
	}

	// Only an order whose payments are all deleted gets a new one.
	srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(100), DueDate: "2026-03-09", ExternalReference: "ord-3", Deleted: true})
	ch, err = p.Charge(context.Background(), brandClient(), order("ord-3", 100, domain.PaymentPIX), payer())
	if err != nil || len(srv.payments("ord-3")) != 2 || ch.Status != "PENDING" {
		t.Errorf("deleted: charge = %+v, %v; payments %d", ch, err, len(srv.payments("ord-3")))
	}
}

func TestChargeCPF(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	srv.requireCPF()
	srv.RefuseCPF("11144477735")
	ctx := context.Background()

	_, err := p.Charge(ctx, brandClient(), order("ord-1", 5790, domain.PaymentPIX), payer())
	if !errors.Is(err, domain.ErrPayerCPFRequired) || !domain.IsPermanent(err) || asaas.StatusCode(err) != 400 {
		t.Fatalf("no CPF: err = %v, want ErrPayerCPFRequired", err)
	}

	pp := payer()
	pp.CPF = "123.456.789-00" // wrong check digits: refused before asking Asaas
	before := srv.requests("POST /customers")
	if _, err := p.Charge(ctx, brandClient(), order("ord-1", 5790, domain.PaymentPIX), pp); !errors.Is(err, domain.ErrPayerCPFInvalid) {
		t.Errorf("bad check digits: err = %v", err)
	}
	if srv.requests("POST /customers") != before {
		t.Error("a CPF with wrong check digits was sent to Asaas")
	}

	pp.CPF = "111.444.777-35" // right check digits, refused by Asaas
	if _, err := p.Charge(ctx, brandClient(), order("ord-1", 5790, domain.PaymentPIX), pp); !errors.Is(err, domain.ErrPayerCPFInvalid) || asaas.StatusCode(err) != 400 {
		t.Errorf("refused CPF: err = %v, want ErrPayerCPFInvalid", err)
	}

	pp.CPF = "529.982.247-25"
	ch, err := p.Charge(ctx, brandClient(), order("ord-1", 5790, domain.PaymentPIX), pp)
	if err != nil {
		t.Fatal(err)
	}
	cus := srv.customers()
	if len(cus) != 1 || cus[0].CpfCnpj != "52998224725" || ch.CustomerID != cus[0].ID {
		t.Errorf("customers = %+v, charge %+v", cus, ch)
	}
}

// A customer registered without a CPF, on an account that needs one to charge: the payment's
// creation asks for it, and the next charge with the CPF sets it on the same customer.
func TestChargeCPFOnExistingCustomer(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	existing := srv.addCustomer(localasaas.Customer{Name: "Maria", ExternalReference: "payer-7f3a9c"})
	srv.requireCPF()
	ctx := context.Background()

	pp := payer()
	pp.CustomerID = existing.ID
	if _, err := p.Charge(ctx, brandClient(), order("ord-1", 5790, domain.PaymentPIX), pp); !errors.Is(err, domain.ErrPayerCPFRequired) {
		t.Fatalf("err = %v, want ErrPayerCPFRequired", err)
	}
	pp.CPF = "52998224725"
	ch, err := p.Charge(ctx, brandClient(), order("ord-1", 5790, domain.PaymentPIX), pp)
	if err != nil {
		t.Fatal(err)
	}
	if cus := srv.customers(); len(cus) != 1 || cus[0].CpfCnpj != "52998224725" || ch.CustomerID != existing.ID {
		t.Errorf("customers = %+v, charge %+v", cus, ch)
	}
	if n := srv.requests("PUT /customers/{id}"); n != 1 {
		t.Errorf("customer updates = %d, want 1", n)
	}
}

func TestCancelCharge(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	ctx := context.Background()
	if err := p.CancelCharge(ctx, brandClient(), "pay_000000009999"); err != nil {
		t.Errorf("absent payment: err = %v, want nil", err)
	}
	pending := srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(100), DueDate: "2026-03-09", ExternalReference: "ord-1"})
	srv.Fail("DELETE /payments/{id}", http.StatusServiceUnavailable, 1)
	if err := p.CancelCharge(ctx, brandClient(), pending.ID); err != nil {
		t.Fatal(err)
	}
	if pays := srv.payments("ord-1"); !pays[0].Deleted {
		t.Error("the payment was not deleted")
	}
	if n := srv.requests("DELETE /payments/{id}"); n != 3 {
		t.Errorf("DELETE requests = %d, want 3 (absent, 503, retried)", n)
	}
	if err := p.CancelCharge(ctx, brandClient(), pending.ID); err != nil {
		t.Errorf("deleted already: err = %v, want nil", err)
	}
	paid := srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(100), DueDate: "2026-03-09", ExternalReference: "ord-2", Status: "RECEIVED"})
	if err := p.CancelCharge(ctx, brandClient(), paid.ID); !asaas.IsBadRequest(err) {
		t.Errorf("paid payment: err = %v, want Asaas's 400", err)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	ctx := context.Background()
	paid := srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(5790), DueDate: "2026-03-09", ExternalReference: "ord-1", Status: "RECEIVED"})

	if err := p.Refund(ctx, brandClient(), paid.ID, "pedido cancelado pela loja"); err != nil {
		t.Fatal(err)
	}
	got := srv.payments("ord-1")[0]
	if got.Status != "REFUNDED" || len(got.Refunds) != 1 || got.Refunds[0].Description != "pedido cancelado pela loja" {
		t.Errorf("payment = %+v", got)
	}
	if err := p.Refund(ctx, brandClient(), paid.ID, "again"); err != nil {
		t.Errorf("second refund: err = %v, want nil", err)
	}
	if n := srv.requests("POST /payments/{id}/refund"); n != 2 {
		t.Errorf("refund requests = %d, want 2", n)
	}

	pending := srv.addPayment(localasaas.Payment{Customer: "cus_x", BillingType: "PIX", Value: reais(100), DueDate: "2026-03-09", ExternalReference: "ord-2"})
	if err := p.Refund(ctx, brandClient(), pending.ID, "x"); !asaas.IsBadRequest(err) {
		t.Errorf("unpaid payment: err = %v, want Asaas's 400", err)
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	srv := newStand(t, nil)
	p, err := asaas.NewProvider(creds{brand: {APIKey: ""}}, asaas.WithBaseURL(srv.BaseURL()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = p.Charge(ctx, brandClient(), order("ord-1", 100, domain.PaymentPIX), payer())
	if !domain.IsNotFound(err) || !domain.IsPermanent(err) {
		t.Errorf("empty key: err = %v, want a permanent ENOTFOUND", err)
	}
	other := &domain.Client{ClientID: "other-brand"}
	if err := p.CancelCharge(ctx, other, "pay_1"); !domain.IsNotFound(err) {
		t.Errorf("no credentials: err = %v", err)
	}

	wrong, _ := asaas.NewProvider(creds{brand: {APIKey: "$aact_not_this_one"}}, asaas.WithBaseURL(srv.BaseURL()))
	_, err = wrong.Charge(ctx, brandClient(), order("ord-1", 100, domain.PaymentPIX), payer())
	if !asaas.IsUnauthorized(err) || !domain.IsPermanent(err) || strings.Contains(err.Error(), "$aact_not_this_one") {
		t.Errorf("wrong key: err = %v", err)
	}
	if n := len(srv.userAgents()); n != 1 {
		t.Errorf("requests = %d, want 1 (the refused one)", n)
	}
	if _, err := asaas.NewProvider(nil); err == nil {
		t.Error("NewProvider(nil) accepted")
	}
}

func TestBaseURLBySandbox(t *testing.T) {
	t.Parallel()
	srv := newStand(t, clock)
	rec := &hostRecorder{target: strings.TrimPrefix(srv.URL, "http://")}
	p, err := asaas.NewProvider(creds{brand: {APIKey: apiKey}}, asaas.WithHTTPClient(&http.Client{Transport: rec}), asaas.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sandbox := brandClient()
	if _, err := p.Charge(ctx, sandbox, order("ord-1", 100, domain.PaymentCredit), payer()); err != nil {
		t.Fatal(err)
	}
	for _, u := range rec.seen() {
		if !strings.HasPrefix(u, "https://api-sandbox.asaas.com/v3/") {
			t.Errorf("sandbox brand called %s", u)
		}
	}
	n := len(rec.seen())
	production := brandClient()
	production.AsaasSandbox = false
	if err := p.CancelCharge(ctx, production, "pay_000000000042"); err != nil {
		t.Fatal(err)
	}
	if got := rec.seen()[n:]; len(got) != 1 || got[0] != "https://api.asaas.com/v3/payments/pay_000000000042" {
		t.Errorf("production brand called %v", got)
	}
	if p.BaseURL(sandbox) != asaas.SandboxURL || p.BaseURL(production) != asaas.ProductionURL {
		t.Error("BaseURL does not follow AsaasSandbox")
	}
	// WithBaseURL overrides both.
	local, _ := asaas.NewProvider(creds{}, asaas.WithBaseURL("http://localhost:8089/v3/"))
	if local.BaseURL(sandbox) != "http://localhost:8089/v3" || local.BaseURL(production) != "http://localhost:8089/v3" {
		t.Error("WithBaseURL does not override the environment")
	}
	for _, ua := range srv.userAgents() {
		if ua != asaas.DefaultUserAgent {
			t.Errorf("User-Agent %q", ua)
		}
	}
}

func TestChargeRefusesBadOrders(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	ctx := context.Background()
	for name, o := range map[string]*domain.Order{
		"nil":      nil,
		"no id":    order("", 100, domain.PaymentPIX),
		"zero":     order("ord-1", 0, domain.PaymentPIX),
		"negative": order("ord-1", -5, domain.PaymentPIX),
		"cash":     order("ord-1", 100, domain.PaymentMethod("CASH")),
	} {
		if _, err := p.Charge(ctx, brandClient(), o, payer()); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	if n := len(srv.userAgents()); n != 0 {
		t.Errorf("%d requests for invalid orders", n)
	}
}

// A customer whose creation's outcome is unknown is found by its reference.
func TestCustomerCreateUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, asaas.WithTimeout(200*time.Millisecond))
	srv.Stall("POST /customers", 5*time.Second)
	ch, err := p.Charge(context.Background(), brandClient(), order("ord-1", 100, domain.PaymentPIX), payer())
	if err != nil {
		t.Fatal(err)
	}
	if cus := srv.customers(); len(cus) != 1 || ch.CustomerID != cus[0].ID {
		t.Errorf("customers = %+v, charge %+v", cus, ch)
	}
}

// The phone goes to Asaas only when it is Brazilian, without +55.
func TestMobilePhone(t *testing.T) {
	t.Parallel()
	for phone, want := range map[string]string{
		"whatsapp:+5511987654321": "11987654321",
		"whatsapp:+551133334444":  "1133334444",
		"+5521987654321":          "21987654321",
		"whatsapp:+351912345678":  "",
		"whatsapp:+1415555":       "",
		"":                        "",
	} {
		srv, p := setup(t)
		pp := payer()
		pp.Phone = phone
		if _, err := p.Charge(context.Background(), brandClient(), order("ord-1", 100, domain.PaymentCredit), pp); err != nil {
			t.Fatal(phone, err)
		}
		if got := srv.customers()[0].MobilePhone; got != want {
			t.Errorf("%q: mobilePhone = %q, want %q", phone, got, want)
		}
	}
}

// A payer whose name the bot does not know is registered under a generic name.
func TestCustomerDefaultName(t *testing.T) {
	t.Parallel()
	srv, p := setup(t)
	pp := payer()
	pp.Name = "  "
	if _, err := p.Charge(context.Background(), brandClient(), order("ord-1", 100, domain.PaymentCredit), pp); err != nil {
		t.Fatal(err)
	}
	if got := srv.customers()[0].Name; got != asaas.DefaultCustomerName {
		t.Errorf("name = %q, want %q", got, asaas.DefaultCustomerName)
	}
}
