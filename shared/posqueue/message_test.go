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
	if m.SchemaVersion != "1.0" || m.EventID != "K7Q2M9XH4A:order.confirmed" || m.EventType != domain.EventOrderConfirmed {
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

// Every message the builder produces is valid under the published schema.
func TestBuiltMessagesFollowTheSchema(t *testing.T) {
	t.Parallel()
	for _, o := range []*domain.Order{pixDelivery(), cardPickup(), debitDelivery()} {
		body, err := json.Marshal(posqueue.Build(store(), o, domain.EventOrderConfirmed, placed))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, string(body)); err != nil {
			t.Errorf("order %s: %v\n%s", o.OrderID, err, body)
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
		"undocumented field":       strings.Replace(good, `"schemaVersion":"1.0"`, `"schemaVersion":"1.0","debug":true`, 1),
		"whatsapp prefix":          strings.Replace(good, `"phone":"+55`, `"phone":"whatsapp:+55`, 1),
		"local time":               strings.Replace(good, `"occurredAt":"2026-03-14T19:45:05.123Z"`, `"occurredAt":"2026-03-14T16:45:05.123-03:00"`, 1),
		"not a date":               strings.Replace(good, `"occurredAt":"2026-03-14T19:45:05.123Z"`, `"occurredAt":"2026-13-14T19:45:05.123Z"`, 1),
		"unknown event":            strings.Replace(good, `"eventType":"order.confirmed"`, `"eventType":"order.eaten"`, 1),
		"no items":                 regexp.MustCompile(`"items":\[.*\],"amounts"`).ReplaceAllString(good, `"items":[],"amounts"`),
		"major version 2":          strings.Replace(good, `"schemaVersion":"1.0"`, `"schemaVersion":"2.0"`, 1),
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
