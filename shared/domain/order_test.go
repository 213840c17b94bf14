package domain_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

func validOrder() *domain.Order {
	return &domain.Order{
		ClientID: "demo-burger", OrderID: "ABCDEF1234", StoreID: "vila-madalena", CustomerPhone: "whatsapp:+5511987654321",
		SessionID: "s1", Lines: []domain.OrderLine{{ItemID: "coke", Name: "Coke", Quantity: 2, UnitPriceCents: 800}},
		SubtotalCents: 1600, DeliveryFeeCents: 599, TotalCents: 2199, Fulfillment: domain.FulfillmentDelivery,
		DeliveryAddress: "Rua A, 1", PaymentMethod: domain.PaymentCredit, Status: domain.OrderCreated,
	}
}

func TestOrderValidate(t *testing.T) {
	t.Parallel()
	if err := validOrder().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*domain.Order){
		"amounts do not add up":    func(o *domain.Order) { o.TotalCents = 2000 },
		"subtotal not the lines":   func(o *domain.Order) { o.SubtotalCents = 1500; o.TotalCents = 2099 },
		"no lines":                 func(o *domain.Order) { o.Lines = nil },
		"delivery without address": func(o *domain.Order) { o.DeliveryAddress = "" },
		"unknown payment":          func(o *domain.Order) { o.PaymentMethod = "CASH" },
		"unknown status":           func(o *domain.Order) { o.Status = "COOKING" },
		"bad phone":                func(o *domain.Order) { o.CustomerPhone = "+5511987654321" },
		"zero quantity":            func(o *domain.Order) { o.Lines[0].Quantity = 0 },
	} {
		o := validOrder()
		change(o)
		if err := o.Validate(); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestOrderStateMachine(t *testing.T) {
	t.Parallel()
	now := time.Now()
	o := validOrder()
	steps := []struct {
		to      domain.OrderStatus
		changed bool
		code    string
	}{
		{domain.OrderSentToPOS, false, domain.ECONFLICT}, // CREATED cannot skip confirmation
		{domain.OrderAwaitingPayment, true, ""},
		{domain.OrderAwaitingPayment, false, ""}, // a repeated event is harmless
		{domain.OrderConfirmed, true, ""},
		{domain.OrderSentToPOS, true, ""},
		{domain.OrderConfirmed, false, domain.ECONFLICT}, // no way back
		{domain.OrderCancelled, true, ""},
		{domain.OrderConfirmed, false, domain.ECONFLICT}, // cancelled is final
	}
	for i, s := range steps {
		changed, err := o.MoveTo(s.to, now, "test")
		if changed != s.changed || domain.ErrorCode(err) != s.code {
			t.Fatalf("step %d to %s: changed %v err %v, want %v %q", i, s.to, changed, err, s.changed, s.code)
		}
	}
	if n := len(o.StatusHistory); n != 4 {
		t.Errorf("history has %d entries, want 4 (one per change)", n)
	}
}

func TestNextOpening(t *testing.T) {
	t.Parallel()
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	hours := domain.OperatingHours{
		"friday":   {{Open: "18:00", Close: "01:00"}},
		"saturday": {{Open: "11:00", Close: "15:00"}, {Open: "18:00", Close: "23:00"}},
	}
	fri := time.Date(2026, 11, 27, 10, 0, 0, 0, sp) // a Friday
	cases := []struct {
		at   time.Time
		want time.Time
	}{
		{fri, time.Date(2026, 11, 27, 18, 0, 0, 0, sp)},
		{fri.Add(15 * time.Hour), time.Date(2026, 11, 28, 11, 0, 0, 0, sp)},                  // Saturday 01:00, after Friday's night
		{time.Date(2026, 11, 28, 16, 0, 0, 0, sp), time.Date(2026, 11, 28, 18, 0, 0, 0, sp)}, // between two intervals
		{time.Date(2026, 11, 29, 12, 0, 0, 0, sp), time.Date(2026, 12, 4, 18, 0, 0, 0, sp)},  // Sunday: next Friday
	}
	for _, tc := range cases {
		got, ok := hours.NextOpening(tc.at, sp)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("NextOpening(%v) = %v %v, want %v", tc.at, got, ok, tc.want)
		}
	}
	if _, ok := (domain.OperatingHours{}).NextOpening(fri, sp); ok {
		t.Error("a store without hours has a next opening")
	}
}

func TestMenuValidate(t *testing.T) {
	t.Parallel()
	good := func() *domain.Menu {
		return &domain.Menu{ClientID: "demo-burger",
			Categories: []domain.Category{{CategoryID: "burgers", Name: "Burgers"}},
			Items: []domain.MenuItem{{ItemID: "classic", CategoryID: "burgers", Name: "Classic", PriceCents: 3200, Available: true,
				Options: []domain.ItemOption{{OptionID: "bacon", Name: "Bacon", PriceDeltaCents: 600}}}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*domain.Menu){
		"unknown category": func(m *domain.Menu) { m.Items[0].CategoryID = "pizzas" },
		"duplicate item":   func(m *domain.Menu) { m.Items = append(m.Items, m.Items[0]) },
		"no price":         func(m *domain.Menu) { m.Items[0].PriceCents = 0 },
		"negative option":  func(m *domain.Menu) { m.Items[0].Options[0].PriceDeltaCents = -1 },
		"bad item id":      func(m *domain.Menu) { m.Items[0].ItemID = "Classic Burger" },
		"store price for a size it lacks": func(m *domain.Menu) {
			m.Items[0].Stores = map[string]domain.StoreItem{"centro": {SizePrices: map[string]int64{"grande": 100}}}
		},
		"empty name": func(m *domain.Menu) { m.Items[0].Name = "  " },
	} {
		m := good()
		change(m)
		if err := m.Validate(); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

// A test order says so in its JSON and DynamoDB attributes; a real one says nothing.
func TestOrderTestFlag(t *testing.T) {
	t.Parallel()
	o := validOrder()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"test"`) {
		t.Errorf("a real order's JSON mentions test: %s", b)
	}
	o.Test = true
	if err := o.Validate(); err != nil {
		t.Fatalf("a test order is invalid: %v", err)
	}
	b, _ = json.Marshal(o)
	var back domain.Order
	if err := json.Unmarshal(b, &back); err != nil || !back.Test || !strings.Contains(string(b), `"test":true`) {
		t.Errorf("JSON %s does not round-trip the flag (%v)", b, err)
	}
	if f, _ := reflect.TypeOf(domain.Order{}).FieldByName("Test"); f.Tag.Get("dynamodbav") != "test,omitempty" {
		t.Errorf("the DynamoDB attribute of Test is %q, want test,omitempty", f.Tag.Get("dynamodbav"))
	}
}
