package posqueue_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/posqueue"
)

// fixtures: a confirmed PIX delivery (domaintest's order, confirmed 3 minutes after it was
// placed), a card pickup without a customer name or an estimate, and a debit delivery.
var placed = time.Date(2026, 3, 14, 19, 42, 5, 123456789, time.UTC)

func store() *domain.Store {
	s := domaintest.NewStore(domaintest.Pizzaria, "centro")
	s.SQSQueueURL = "https://sqs.sa-east-1.amazonaws.com/123456789012/wabot-dev-demo-pizzaria-centro-orders.fifo"
	return s
}

func confirmed(id string, f func(*domain.Order)) *domain.Order {
	o := domaintest.NewOrder(domaintest.Pizzaria, "centro", id, placed)
	o.CreatedAt, o.UpdatedAt, o.Version = placed, placed, 2
	if _, err := o.MoveTo(domain.OrderConfirmed, placed.Add(3*time.Minute), "paid"); err != nil {
		panic(err)
	}
	if f != nil {
		f(o)
	}
	return o
}

func pixDelivery() *domain.Order { return confirmed("K7Q2M9XH4A", nil) }

func cardPickup() *domain.Order {
	return confirmed("P1CKUP0001", func(o *domain.Order) {
		o.CustomerName = ""
		o.Fulfillment, o.DeliveryAddress, o.EstimatedMinutes = domain.FulfillmentPickup, "", 0
		o.DeliveryFeeCents, o.TotalCents = 0, o.SubtotalCents
		o.PaymentMethod = domain.PaymentCredit
	})
}

func debitDelivery() *domain.Order {
	return confirmed("D3B1T00001", func(o *domain.Order) {
		o.PaymentMethod = domain.PaymentDebit
		o.Lines = o.Lines[1:]
		o.Lines[0].Quantity = 3
		o.SubtotalCents = 2100
		o.TotalCents = o.SubtotalCents + o.DeliveryFeeCents
	})
}

func TestBuild(t *testing.T) {
	t.Parallel()
	now := placed.Add(time.Hour)
	m := posqueue.Build(store(), pixDelivery(), domain.EventOrderConfirmed, now)
	if m.SchemaVersion != "1.1" || m.EventID != "K7Q2M9XH4A:order.confirmed" || m.EventType != domain.EventOrderConfirmed {
		t.Errorf("envelope = %q %q %q", m.SchemaVersion, m.EventID, m.EventType)
	}
	if want := placed.Add(3 * time.Minute).Truncate(time.Millisecond); !m.OccurredAt.Equal(want) {
		t.Errorf("occurredAt = %v, want the confirmation time %v (not the send time)", m.OccurredAt, want)
	}
	if m.ClientID != domaintest.Pizzaria || m.StoreID != "centro" || m.Order.OrderID != "K7Q2M9XH4A" {
		t.Errorf("ids = %s/%s/%s", m.ClientID, m.StoreID, m.Order.OrderID)
	}
	if m.Order.Customer.Phone != "+5511987654321" || m.Order.Customer.Name != "Ana" {
		t.Errorf("customer = %+v, want Ana at +5511987654321 (no whatsapp: prefix)", m.Order.Customer)
	}
	if got := m.Order.Amounts; got != (posqueue.Amounts{SubtotalCents: 12700, DeliveryFeeCents: 700, TotalCents: 13400, Currency: "BRL"}) {
		t.Errorf("amounts = %+v", got)
	}
	it := m.Order.Items[0]
	if it.SizeID != "grande" || it.SizeName != "Grande" || len(it.Options) != 1 || it.Quantity != 2 || it.UnitPriceCents != 6000 || it.TotalCents != 12000 || it.Notes != "bem passada" {
		t.Errorf("first item = %+v", it)
	}
	if m.Order.Items[1].Options == nil {
		t.Error("a line without options has options null, want []")
	}
	if f := m.Order.Fulfillment; f.Type != domain.FulfillmentDelivery || f.Address == "" || f.EstimatedMinutes != 40 {
		t.Errorf("fulfillment = %+v", f)
	}
	if p := m.Order.Payment; p.Method != domain.PaymentPIX || p.Status != posqueue.PaymentPaid {
		t.Errorf("payment = %+v, want PIX PAID", p)
	}

	// A card order is paid on delivery; a pickup has no address.
	m = posqueue.Build(store(), cardPickup(), domain.EventOrderConfirmed, now)
	if p := m.Order.Payment; p.Method != domain.PaymentCredit || p.Status != posqueue.PaymentOnDelivery {
		t.Errorf("payment = %+v, want CREDIT PAY_ON_DELIVERY", p)
	}
	if f := m.Order.Fulfillment; f.Type != domain.FulfillmentPickup || f.Address != "" || f.EstimatedMinutes != 0 {
		t.Errorf("pickup fulfillment = %+v", f)
	}

	// Without a confirmation in the history, the event time is now.
	o := pixDelivery()
	o.StatusHistory = nil
	if m = posqueue.Build(store(), o, domain.EventOrderConfirmed, now); !m.OccurredAt.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("occurredAt without history = %v, want %v", m.OccurredAt, now)
	}

	// Republishing builds the same body: the event time comes from the order, not the clock.
	a, _ := json.Marshal(posqueue.Build(store(), pixDelivery(), domain.EventOrderConfirmed, now))
	b, _ := json.Marshal(posqueue.Build(store(), pixDelivery(), domain.EventOrderConfirmed, now.Add(time.Hour)))
	if string(a) != string(b) {
		t.Errorf("two builds of one event differ:\n%s\n%s", a, b)
	}
}

// cancelledAt is when the fixtures' orders are cancelled: after they reached the POS.
var cancelledAt = placed.Add(10 * time.Minute)

// cancelled is o sent to the POS, then cancelled with reason (refunded: its payment came back
// a minute later).
func cancelled(o *domain.Order, reason string, refunded bool) *domain.Order {
	if _, err := o.MoveTo(domain.OrderSentToPOS, placed.Add(4*time.Minute), ""); err != nil {
		panic(err)
	}
	if _, err := o.MoveTo(domain.OrderCancelled, cancelledAt, reason); err != nil {
		panic(err)
	}
	if refunded {
		o.PaidAt, o.RefundedAt = placed.Add(3*time.Minute), cancelledAt.Add(time.Minute)
	}
	return o
}

func TestBuildCancellation(t *testing.T) {
	t.Parallel()
	now := placed.Add(time.Hour)
	confirmedBody, _ := json.Marshal(posqueue.Build(store(), pixDelivery(), domain.EventOrderConfirmed, now))

	m := posqueue.Build(store(), cancelled(pixDelivery(), " Cliente desistiu ", true), domain.EventOrderCancelled, now)
	if m.EventID != "K7Q2M9XH4A:order.cancelled" || m.EventType != domain.EventOrderCancelled || m.SchemaVersion != posqueue.SchemaVersion {
		t.Errorf("envelope = %q %q %q", m.SchemaVersion, m.EventID, m.EventType)
	}
	if m.EventID != posqueue.EventID("K7Q2M9XH4A", domain.EventOrderCancelled) || posqueue.GroupID("K7Q2M9XH4A") != "K7Q2M9XH4A" {
		t.Errorf("the cancellation's id is not derived like the confirmation's: %q", m.EventID)
	}
	if want := cancelledAt.Truncate(time.Millisecond); !m.OccurredAt.Equal(want) {
		t.Errorf("occurredAt = %v, want the cancellation time %v", m.OccurredAt, want)
	}
	if c := m.Cancellation; c == nil || c.Reason != "Cliente desistiu" || c.Refunded == nil || !*c.Refunded {
		t.Errorf("cancellation = %+v, want the reason and refunded true", c)
	}
	// The order is repeated as it was confirmed: the same member as in the confirmation.
	var conf, canc map[string]json.RawMessage
	_ = json.Unmarshal(confirmedBody, &conf)
	body, _ := json.Marshal(m)
	_ = json.Unmarshal(body, &canc)
	if string(conf["order"]) != string(canc["order"]) {
		t.Errorf("the cancellation's order differs from the confirmation's:\n%s\n%s", conf["order"], canc["order"])
	}
	if _, ok := conf["cancellation"]; ok {
		t.Errorf("a confirmation carries a cancellation: %s", confirmedBody)
	}

	// Paid online, the refund not confirmed yet: refunded false, present.
	m = posqueue.Build(store(), cancelled(pixDelivery(), "sem entregador", false), domain.EventOrderCancelled, now)
	if c := m.Cancellation; c == nil || c.Refunded == nil || *c.Refunded {
		t.Errorf("cancellation = %+v, want refunded false", c)
	}
	// Paid on delivery: nothing was paid, refunded absent; no reason, no reason member.
	m = posqueue.Build(store(), cancelled(cardPickup(), "", false), domain.EventOrderCancelled, now)
	if c := m.Cancellation; c == nil || c.Refunded != nil || c.Reason != "" {
		t.Errorf("cancellation = %+v, want neither reason nor refunded", c)
	}
	if body, _ := json.Marshal(m.Cancellation); string(body) != "{}" {
		t.Errorf("cancellation of a card order without a reason = %s, want {}", body)
	}
}

// Every message the builder produces is valid under the published schema.
func TestBuiltMessagesFollowTheSchema(t *testing.T) {
	t.Parallel()
	for _, o := range []*domain.Order{pixDelivery(), cardPickup(), debitDelivery(), cardPaidOnline()} {
		body, err := json.Marshal(posqueue.Build(store(), o, domain.EventOrderConfirmed, placed))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, string(body)); err != nil {
			t.Errorf("order %s: %v\n%s", o.OrderID, err, body)
		}
	}
	for _, o := range []*domain.Order{
		cancelled(pixDelivery(), "Cliente desistiu", true), cancelled(pixDelivery(), "", false),
		cancelled(cardPickup(), "loja fechada", false), cancelled(debitDelivery(), "", false),
		cancelled(cardPaidOnline(), "sem entregador", true),
	} {
		body, err := json.Marshal(posqueue.Build(store(), o, domain.EventOrderCancelled, placed))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, string(body)); err != nil {
			t.Errorf("cancelled order %s: %v\n%s", o.OrderID, err, body)
		}
	}
}

// The schema holds cancellations to the contract too.
func TestSchemaCatchesCancellationViolations(t *testing.T) {
	t.Parallel()
	paid, _ := json.Marshal(posqueue.Build(store(), cancelled(pixDelivery(), "Cliente desistiu", true), domain.EventOrderCancelled, placed))
	card, _ := json.Marshal(posqueue.Build(store(), cancelled(cardPickup(), "Cliente desistiu", false), domain.EventOrderCancelled, placed))
	for name, tc := range map[string]struct{ good, bad string }{
		"no cancellation":             {string(paid), regexp.MustCompile(`,"cancellation":\{[^}]*\}`).ReplaceAllString(string(paid), ``)},
		"paid without refunded":       {string(paid), strings.Replace(string(paid), `,"refunded":true`, ``, 1)},
		"refunded not a boolean":      {string(paid), strings.Replace(string(paid), `"refunded":true`, `"refunded":"yes"`, 1)},
		"refunded on a card order":    {string(card), strings.Replace(string(card), `"reason":"Cliente desistiu"`, `"reason":"Cliente desistiu","refunded":false`, 1)},
		"empty reason":                {string(card), strings.Replace(string(card), `"reason":"Cliente desistiu"`, `"reason":""`, 1)},
		"undocumented member":         {string(card), strings.Replace(string(card), `"reason":"Cliente desistiu"`, `"reason":"Cliente desistiu","by":"ana"`, 1)},
		"cancellation of a confirmed": {string(paid), strings.Replace(string(paid), `"eventType":"order.cancelled"`, `"eventType":"order.confirmed"`, 1)},
	} {
		if err := validate(t, tc.good); err != nil {
			t.Fatalf("%s: the unchanged body is invalid: %v\n%s", name, err, tc.good)
		}
		if tc.bad == tc.good {
			t.Errorf("%s: the test did not change the body", name)
			continue
		}
		if err := validate(t, tc.bad); err == nil {
			t.Errorf("%s: the schema accepted\n%s", name, tc.bad)
		}
	}
}

// The schema rejects what breaks the contract, so the tests that pass it prove something.
func TestSchemaCatchesViolations(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(posqueue.Build(store(), pixDelivery(), domain.EventOrderConfirmed, placed))
	if err != nil {
		t.Fatal(err)
	}
	good := string(body)
	for name, bad := range map[string]string{
		"missing totalCents":       strings.Replace(good, `"totalCents":13400,`, ``, 1),
		"money as a float":         strings.Replace(good, `"deliveryFeeCents":700`, `"deliveryFeeCents":7.5`, 1),
		"negative money":           strings.Replace(good, `"deliveryFeeCents":700`, `"deliveryFeeCents":-700`, 1),
		"PIX not paid":             strings.Replace(good, `"status":"PAID"`, `"status":"PAY_ON_DELIVERY"`, 1),
		"delivery without address": regexp.MustCompile(`"address":"[^"]*",`).ReplaceAllString(good, ``),
		"undocumented field":       strings.Replace(good, `"schemaVersion":"1.1"`, `"schemaVersion":"1.1","debug":true`, 1),
		"whatsapp prefix":          strings.Replace(good, `"phone":"+55`, `"phone":"whatsapp:+55`, 1),
		"local time":               strings.Replace(good, `"occurredAt":"2026-03-14T19:45:05.123Z"`, `"occurredAt":"2026-03-14T16:45:05.123-03:00"`, 1),
		"not a date":               strings.Replace(good, `"occurredAt":"2026-03-14T19:45:05.123Z"`, `"occurredAt":"2026-13-14T19:45:05.123Z"`, 1),
		"unknown event":            strings.Replace(good, `"eventType":"order.confirmed"`, `"eventType":"order.eaten"`, 1),
		"no items":                 regexp.MustCompile(`"items":\[.*\],"amounts"`).ReplaceAllString(good, `"items":[],"amounts"`),
		"major version 2":          strings.Replace(good, `"schemaVersion":"1.1"`, `"schemaVersion":"2.0"`, 1),
		"a cancellation":           strings.TrimSuffix(good, `}`) + `,"cancellation":{"reason":"x"}}`,
	} {
		if bad == good {
			t.Errorf("%s: the test did not change the body", name)
			continue
		}
		if err := validate(t, bad); err == nil {
			t.Errorf("%s: the schema accepted\n%s", name, bad)
		}
	}
}

// The example integrators copy from docs/pos-contract.md is valid too.
func TestDocsExampleFollowsTheSchema(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "pos-contract.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) == 0 {
		t.Fatal("docs/pos-contract.md has no ```json example")
	}
	for i, b := range blocks {
		if err := validate(t, b[1]); err != nil {
			t.Errorf("example %d: %v", i+1, err)
		}
	}
}

// cardPaidOnline is a credit card order of a store that charges cards online (a payment link):
// published once paid, like PIX.
func cardPaidOnline() *domain.Order {
	o := cardPickup()
	o.OrderID, o.OnlinePayment = "CARDLINK01", true
	return o
}

func TestCardPaidOnlineIsPaid(t *testing.T) {
	t.Parallel()
	if st := posqueue.Build(store(), cardPaidOnline(), domain.EventOrderConfirmed, placed).Order.Payment; st.Status != posqueue.PaymentPaid || st.Method != domain.PaymentCredit {
		t.Errorf("payment %+v, want a credit card already paid", st)
	}
	if st := posqueue.Build(store(), cardPickup(), domain.EventOrderConfirmed, placed).Order.Payment; st.Status != posqueue.PaymentOnDelivery {
		t.Errorf("payment %+v, want a card paid at pickup", st)
	}
}
