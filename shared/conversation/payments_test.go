package conversation_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/posqueue"
)

// payments is a payment provider in memory for the engine's tests (the Asaas adapter itself
// is tested against an HTTP server speaking Asaas's API, and end to end on the local stack):
// one charge per order, like Asaas looked up by the order id; a CPF can be required.
type payments struct {
	mu         sync.Mutex
	requireCPF bool
	failNext   error
	charges    map[string]*domain.Charge // orderId -> charge
	creates    int
	customers  map[string]string // reference -> customer id
	cpfs       []string          // CPFs received
	cancelled  []string
	refunded   []string
}

func newPayments() *payments {
	return &payments{charges: map[string]*domain.Charge{}, customers: map[string]string{}}
}

func (p *payments) Charge(_ context.Context, _ *domain.Client, o *domain.Order, payer domain.Payer) (*domain.Charge, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.failNext; err != nil {
		p.failNext = nil
		return nil, err
	}
	cust := payer.CustomerID
	if cust == "" {
		cust = p.customers[payer.Reference]
	}
	if cust == "" {
		if payer.CPF == "" && p.requireCPF {
			return nil, domain.ErrPayerCPFRequired
		}
		if payer.CPF != "" {
			p.cpfs = append(p.cpfs, payer.CPF)
		}
		cust = fmt.Sprintf("cus_%d", len(p.customers)+1)
		p.customers[payer.Reference] = cust
	}
	if ch, ok := p.charges[o.OrderID]; ok {
		return ch, nil
	}
	p.creates++
	ch := &domain.Charge{
		PaymentID: fmt.Sprintf("pay_%d", p.creates), CustomerID: cust, Method: o.PaymentMethod, Status: "PENDING",
		AmountCents: o.TotalCents, URL: "https://pay.example/i/" + o.OrderID,
	}
	if o.PaymentMethod == domain.PaymentPIX {
		ch.PixCode = "00020101021226PIX" + o.OrderID
	}
	p.charges[o.OrderID] = ch
	return ch, nil
}

func (p *payments) CancelCharge(_ context.Context, _ *domain.Client, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancelled = append(p.cancelled, id)
	return nil
}

func (p *payments) Refund(_ context.Context, _ *domain.Client, id, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refunded = append(p.refunded, id)
	return nil
}

func (p *payments) snapshot() (creates int, cancelled, refunded, cpfs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.creates, append([]string(nil), p.cancelled...), append([]string(nil), p.refunded...), append([]string(nil), p.cpfs...)
}

func withPayments(p *payments) func(*conversation.Deps) {
	return func(d *conversation.Deps) { d.Payments = p }
}

// pixOrder takes a burger customer through a PIX order and returns the replies to the
// confirmation.
func pixOrder(e *env, phone string) []string {
	for _, body := range []string{"oi", "2 veggie burgers", "fechar pedido", "retirada", "pix"} {
		e.say(demo.BurgerID, phone, body)
	}
	return e.say(demo.BurgerID, phone, "sim")
}

func (e *env) event(kind domain.PaymentEventKind, orderID, paymentID string, cents int64) {
	e.t.Helper()
	o := e.order(demo.BurgerID, orderID)
	ev := domain.PaymentEvent{EventID: fmt.Sprintf("evt_%d", e.sid.Add(1)), Kind: kind, Type: "PAYMENT_" + string(kind),
		PaymentID: paymentID, OrderID: orderID, AmountCents: cents}
	m := domain.InboundMessage{Version: domain.InboundMessageVersion, ClientID: demo.BurgerID,
		MessageSid: domain.PaymentMessageSid(ev.EventID), From: o.CustomerPhone, To: demo.BurgerNumber, Payment: &ev}
	if err := e.svc.HandleInbound(domain.NewPlatformContext(context.Background()), []domain.InboundMessage{m}); err != nil {
		e.t.Fatalf("payment event %s: %v", kind, err)
	}
}

// A PIX order is charged in the turn that places it: the customer gets the amount, the
// expiry and the copy-and-paste code alone in its own message; a redelivery sends the same
// code and charges nothing more; paid (twice, and out of order) reaches the kitchen once.
func TestPIXChargedAndPaidOnce(t *testing.T) {
	t.Parallel()
	p := newPayments()
	e := newEnv(t, withPayments(p))
	phone := customer(700)
	replies := pixOrder(e, phone)
	if len(replies) != 3 {
		t.Fatalf("replies %q, want the order, how to pay and the code", replies)
	}
	id := lastOrder(e, demo.BurgerID, phone)
	contains(t, replies[0], id, "R$ 68,00")
	contains(t, replies[1], "Pix Copia e Cola", "R$ 68,00", "https://pay.example/i/"+id)
	if replies[2] != "00020101021226PIX"+id {
		t.Errorf("code message %q, want the code alone", replies[2])
	}
	o := e.order(demo.BurgerID, id)
	if o.Status != domain.OrderAwaitingPayment || o.PaymentID != "pay_1" {
		t.Fatalf("order %s payment %q, want AWAITING_PAYMENT with the charge", o.Status, o.PaymentID)
	}
	m, err := e.repos.GetMapping(domain.NewPlatformContext(context.Background()), demo.BurgerID, phone)
	if err != nil || m.PaymentCustomerID != "cus_1" {
		t.Fatalf("mapping %+v, %v: want the provider's customer id kept", m, err)
	}

	// Asks for the code again, the way people do.
	again := e.say(demo.BurgerID, phone, "nao recebi o codigo do pix, manda de novo?")
	if len(again) != 2 || again[1] != replies[2] {
		t.Errorf("asked again: %q, want the same code", again)
	}
	if creates, _, _, _ := p.snapshot(); creates != 1 {
		t.Fatalf("%d charges created, want 1", creates)
	}

	e.event(domain.PaymentPaid, id, "pay_1", 6800) // RECEIVED before CONFIRMED
	e.event(domain.PaymentPaid, id, "pay_1", 6800)
	e.event(domain.PaymentPaid, id, "pay_1", 6800)
	told := e.bodies(phone, demo.BurgerNumber)
	if len(told) != 1 || !strings.Contains(told[0], "Payment received") {
		t.Errorf("customer told %q, want one payment notice", told)
	}
	if msgs := e.pos("vila-madalena"); len(msgs) != 1 || msgs[0].Order.OrderID != id {
		t.Fatalf("POS got %d messages, want the order once", len(msgs))
	}
	if o := e.order(demo.BurgerID, id); o.Status != domain.OrderSentToPOS || o.PaidAt.IsZero() {
		t.Errorf("order %s paidAt %v, want SENT_TO_POS and paid", o.Status, o.PaidAt)
	}
	wantState(t, e.conv(demo.BurgerID, phone), domain.StateOrderPlaced, "vila-madalena")
}

// The provider needs a CPF: the customer is asked, a wrong one is refused by its check
// digits, a right one written in a sentence is taken; the history keeps it masked, and the
// next order does not ask again.
func TestPIXAsksForTheCPFOnce(t *testing.T) {
	t.Parallel()
	p := newPayments()
	p.requireCPF = true
	e := newEnv(t, withPayments(p))
	phone := customer(701)
	replies := pixOrder(e, phone)
	if len(replies) != 2 {
		t.Fatalf("replies %q, want the order and the CPF question", replies)
	}
	contains(t, replies[1], "CPF")
	id := lastOrder(e, demo.BurgerID, phone)
	contains(t, one(t, e.say(demo.BurgerID, phone, "123.456.789-00")), "doesn't look valid")
	contains(t, one(t, e.say(demo.BurgerID, phone, "what?")), "CPF")
	code := e.say(demo.BurgerID, phone, "ok meu cpf é 529.982.247-25")
	if len(code) != 2 || code[1] != "00020101021226PIX"+id {
		t.Fatalf("after the CPF: %q, want how to pay and the code", code)
	}
	if _, _, _, cpfs := p.snapshot(); len(cpfs) != 1 || cpfs[0] != "52998224725" {
		t.Errorf("provider got CPFs %q, want the digits once", cpfs)
	}
	for _, h := range e.conv(demo.BurgerID, phone).MessageHistory {
		if strings.Contains(h.Body, "982.247") || strings.Contains(h.Body, "98224725") {
			t.Errorf("history keeps the CPF: %q", h.Body)
		}
	}
	e.event(domain.PaymentPaid, id, "pay_1", 6800)
	e.bodies(phone, demo.BurgerNumber)
	// A second order: the provider knows the customer; no CPF asked.
	for _, body := range []string{"1 veggie burger", "finalizar", "retirada", "pix"} {
		e.say(demo.BurgerID, phone, body)
	}
	if second := e.say(demo.BurgerID, phone, "sim"); len(second) != 3 {
		t.Errorf("second order: %q, want the code without a CPF question", second)
	}
}

// A charge that times out is retried with the turn; the provider's lookup by order id means
// one charge.
func TestPIXChargeFailureRetriesTheTurn(t *testing.T) {
	t.Parallel()
	p := newPayments()
	e := newEnv(t, withPayments(p))
	phone := customer(702)
	for _, body := range []string{"oi", "2 veggie burgers", "fechar pedido", "retirada", "pix"} {
		e.say(demo.BurgerID, phone, body)
	}
	p.failNext = domain.Errorf(domain.EINTERNAL, "asaas: timeout: the outcome of the create is unknown")
	m := e.msg(demo.BurgerID, phone, "sim")
	if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), m); err == nil || domain.IsPermanent(err) {
		t.Fatalf("charge failure = %v, want a transient error (the worker retries)", err)
	}
	if got := e.bodies(phone, demo.BurgerNumber); len(got) != 0 {
		t.Fatalf("sent %q before the charge existed", got)
	}
	if replies := e.handle(m); len(replies) != 3 {
		t.Fatalf("retried turn: %q, want the order and the code", replies)
	}
	if creates, _, _, _ := p.snapshot(); creates != 1 {
		t.Errorf("%d charges, want 1", creates)
	}
}

// An overdue charge cancels the order, removes the charge (an overdue PIX could still be
// paid), puts the items back and offers to pay again; nothing reaches the kitchen. Money
// that arrives anyway is refunded.
func TestOverdueCancelsAndLatePaymentIsRefunded(t *testing.T) {
	t.Parallel()
	p := newPayments()
	e := newEnv(t, withPayments(p))
	phone := customer(703)
	pixOrder(e, phone)
	id := lastOrder(e, demo.BurgerID, phone)
	e.event(domain.PaymentOverdue, id, "pay_1", 6800)
	e.event(domain.PaymentOverdue, id, "pay_1", 6800)
	if o := e.order(demo.BurgerID, id); o.Status != domain.OrderCancelled {
		t.Fatalf("status %s, want CANCELLED", o.Status)
	}
	told := e.bodies(phone, demo.BurgerNumber)
	if len(told) != 1 {
		t.Fatalf("told %q, want one notice", told)
	}
	contains(t, told[0], id, "expired", "checkout")
	c := e.conv(demo.BurgerID, phone)
	wantState(t, c, domain.StateCart, "vila-madalena")
	if len(c.Cart) != 1 || c.Cart[0].Quantity != 2 {
		t.Errorf("cart %+v, want the two burgers back", c.Cart)
	}
	e.event(domain.PaymentPaid, id, "pay_1", 6800) // paid the expired code anyway
	if _, cancelled, refunded, _ := p.snapshot(); len(cancelled) != 1 || len(refunded) != 1 || refunded[0] != "pay_1" {
		t.Errorf("cancelled %q refunded %q, want the overdue charge removed and the late payment refunded", cancelled, refunded)
	}
	contains(t, one(t, e.bodies(phone, demo.BurgerNumber)), "cancelled", "returned")
	if msgs := e.pos("vila-madalena"); len(msgs) != 0 {
		t.Fatalf("POS got %d messages for a cancelled order", len(msgs))
	}
	// Paying again is one word away.
	if again := e.say(demo.BurgerID, phone, "finalizar"); len(again) == 0 {
		t.Error("checkout after the expiry answered nothing")
	}
}

// The customer cancels while the charge waits: the charge is removed.
func TestCustomerCancelRemovesTheCharge(t *testing.T) {
	t.Parallel()
	p := newPayments()
	e := newEnv(t, withPayments(p))
	phone := customer(704)
	pixOrder(e, phone)
	id := lastOrder(e, demo.BurgerID, phone)
	contains(t, one(t, e.say(demo.BurgerID, phone, "quero cancelar")), id)
	if _, cancelled, _, _ := p.snapshot(); len(cancelled) != 1 || cancelled[0] != "pay_1" {
		t.Errorf("cancelled charges %q, want pay_1", cancelled)
	}
	if o := e.order(demo.BurgerID, id); o.Status != domain.OrderCancelled {
		t.Errorf("status %s, want CANCELLED", o.Status)
	}
}

// An operator cancels a paid order the kitchen has: refunded, the POS told, the customer told.
func TestOperatorCancelRefundsAndTellsThePOS(t *testing.T) {
	t.Parallel()
	p := newPayments()
	e := newEnv(t, withPayments(p))
	phone := customer(705)
	pixOrder(e, phone)
	id := lastOrder(e, demo.BurgerID, phone)
	e.event(domain.PaymentPaid, id, "pay_1", 6800)
	e.bodies(phone, demo.BurgerNumber)
	// The customer wants to cancel once the kitchen has it: a person of the store decides.
	contains(t, one(t, e.say(demo.BurgerID, phone, "pfv cancela meu pedido")), id, "kitchen", "Vila Madalena", "refunded")
	wantState(t, e.conv(demo.BurgerID, phone), domain.StateHandoff, "vila-madalena")
	if _, _, refunded, _ := p.snapshot(); len(refunded) != 0 {
		t.Fatal("the customer's words alone refunded a paid order")
	}
	ctx := domain.NewPlatformContext(context.Background())
	for range 2 {
		o, err := e.svc.CancelOrder(ctx, demo.BurgerID, id, "out of veggie patties")
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != domain.OrderCancelled || o.RefundedAt.IsZero() {
			t.Fatalf("order %s refundedAt %v, want cancelled and refunded", o.Status, o.RefundedAt)
		}
	}
	if _, _, refunded, _ := p.snapshot(); len(refunded) != 1 {
		t.Errorf("refunds %q, want one", refunded)
	}
	msgs := e.pos("vila-madalena")
	if len(msgs) != 2 || msgs[1].EventType != domain.EventOrderCancelled {
		t.Fatalf("POS messages %+v, want the order then its cancellation", msgs)
	}
	contains(t, one(t, e.bodies(phone, demo.BurgerNumber)), id, "refunded")
	if _, err := e.svc.CancelOrder(ctx, demo.BurgerID, "NOSUCHORDR", "x"); !domain.IsNotFound(err) {
		t.Errorf("cancel of an unknown order = %v, want ENOTFOUND", err)
	}
}

// A store that charges cards online: the card order waits for its payment like PIX, the
// customer gets the payment link, and the kitchen gets it paid.
func TestCardPaidByLink(t *testing.T) {
	t.Parallel()
	p := newPayments()
	e := newEnv(t, withPayments(p))
	ctx := domain.NewPlatformContext(context.Background())
	if _, err := e.repos.UpdateStore(ctx, demo.BurgerID, "vila-madalena", func(s *domain.Store) error {
		s.CardOnline = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	phone := customer(706)
	for _, body := range []string{"oi", "2 veggie burgers", "fechar pedido"} {
		e.say(demo.BurgerID, phone, body)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "retirada")), "Credit card (payment link)", "Debit card (on delivery or pickup)")
	e.say(demo.BurgerID, phone, "cartao de credito")
	replies := e.say(demo.BurgerID, phone, "sim")
	if len(replies) != 2 {
		t.Fatalf("replies %q, want the order and the link", replies)
	}
	id := lastOrder(e, demo.BurgerID, phone)
	contains(t, replies[0], id, "card payment")
	contains(t, replies[1], "https://pay.example/i/"+id, "R$ 68,00")
	o := e.order(demo.BurgerID, id)
	if o.Status != domain.OrderAwaitingPayment || !o.OnlinePayment || o.PaymentID == "" {
		t.Fatalf("order %+v, want it waiting for its card payment", o)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "ja paguei?")), "payment by link")
	if got := e.pos("vila-madalena"); len(got) != 0 {
		t.Fatalf("the kitchen got an unpaid card order")
	}
	e.event(domain.PaymentPaid, id, o.PaymentID, 6800)
	msgs := e.pos("vila-madalena")
	if len(msgs) != 1 || msgs[0].Order.Payment.Status != posqueue.PaymentPaid || msgs[0].Order.Payment.Method != domain.PaymentCredit {
		t.Fatalf("POS got %+v, want the order paid by credit card", msgs)
	}
}
