package ordering_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/ordering"
)

func TestFormatBRL(t *testing.T) {
	t.Parallel()
	for cents, want := range map[int64]string{
		0: "R$ 0,00", 5: "R$ 0,05", 799: "R$ 7,99", 5200: "R$ 52,00", 123456: "R$ 1.234,56",
		100000000: "R$ 1.000.000,00", -1050: "-R$ 10,50",
	} {
		if got := ordering.FormatBRL(cents); got != want {
			t.Errorf("FormatBRL(%d) = %q, want %q", cents, got, want)
		}
	}
}

func pizzaria() (domain.Menu, domain.Store, domain.Store) {
	tn := demo.Tenants()[0]
	return tn.Menu, tn.Stores[0], tn.Stores[1] // centro, paulista
}

func TestForStoreHidesUnavailable(t *testing.T) {
	t.Parallel()
	menu, centro, paulista := pizzaria()
	c := ordering.ForStore(&menu, centro.StoreID)
	p := ordering.ForStore(&menu, paulista.StoreID)
	if _, ok := c.Item("quatro-queijos"); !ok {
		t.Error("Centro must sell Quatro Queijos")
	}
	if _, ok := p.Item("quatro-queijos"); ok {
		t.Error("Paulista must not sell Quatro Queijos")
	}
	if len(p.Unavailable) != 1 || p.Unavailable[0].ItemID != "quatro-queijos" {
		t.Errorf("Paulista's unavailable items %+v", p.Unavailable)
	}
	if got := []string{c.Categories[0].Category.Name, c.Categories[1].Category.Name}; got[0] != "Pizzas" || got[1] != "Bebidas" {
		t.Errorf("categories in order %v", got)
	}
}

func TestNewLinePricesFromTheMenu(t *testing.T) {
	t.Parallel()
	menu, centro, _ := pizzaria()
	sm := ordering.ForStore(&menu, centro.StoreID)
	cal, _ := sm.Item("calabresa")
	line, err := ordering.NewLine(cal, centro.StoreID, "grande", []string{"borda", "borda"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if line.UnitPriceCents != 6000 || line.TotalCents() != 12000 || len(line.Options) != 1 || line.SizeName != "Grande" {
		t.Errorf("line %+v", line)
	}
	if ordering.Describe(line) != "Calabresa (Grande, Borda recheada)" {
		t.Errorf("Describe = %q", ordering.Describe(line))
	}
	for name, tc := range map[string]struct {
		size string
		opts []string
		q    int
		want error
	}{
		"no size":        {"", nil, 1, ordering.ErrSizeRequired},
		"unknown size":   {"gigante", nil, 1, ordering.ErrUnknownSize},
		"unknown option": {"media", []string{"bacon"}, 1, ordering.ErrUnknownOpt},
		"zero":           {"media", nil, 0, ordering.ErrQuantity},
		"too many":       {"media", nil, ordering.MaxLineQuantity + 1, ordering.ErrQuantity},
	} {
		if _, err := ordering.NewLine(cal, centro.StoreID, tc.size, tc.opts, tc.q); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	qq, _ := ordering.ForStore(&menu, centro.StoreID).Item("quatro-queijos")
	if _, err := ordering.NewLine(qq, "paulista", "media", nil, 1); !errors.Is(err, ordering.ErrUnavailable) {
		t.Errorf("Quatro Queijos at Paulista: %v, want ErrUnavailable", err)
	}
	// A store's own price wins over the brand's.
	cal.Stores = map[string]domain.StoreItem{"centro": {SizePrices: map[string]int64{"grande": 5500}}}
	if l, _ := ordering.NewLine(cal, "centro", "grande", nil, 1); l.UnitPriceCents != 5500 {
		t.Errorf("store price %d, want 5500", l.UnitPriceCents)
	}
}

func TestCartAddMergesAndRemove(t *testing.T) {
	t.Parallel()
	menu, centro, _ := pizzaria()
	sm := ordering.ForStore(&menu, centro.StoreID)
	coca, _ := sm.Item("coca")
	l, _ := ordering.NewLine(coca, centro.StoreID, "", nil, 1)
	cart, _ := ordering.Add(nil, l)
	cart, _ = ordering.Add(cart, l)
	if len(cart) != 1 || cart[0].Quantity != 2 || ordering.Subtotal(cart) != 2800 || ordering.Count(cart) != 2 {
		t.Fatalf("cart %+v", cart)
	}
	if got := ordering.RemoveAt(cart, 0, 1); got[0].Quantity != 1 || cart[0].Quantity != 2 {
		t.Errorf("RemoveAt one: %+v (and the original %+v must not change)", got, cart)
	}
	if got := ordering.RemoveAt(cart, 0, 0); len(got) != 0 {
		t.Errorf("RemoveAt all: %+v", got)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	_, centro, _ := pizzaria() // fee 7,99, free from 120,00, minimum 30,00
	line := func(cents int64, q int) []domain.OrderLine {
		return []domain.OrderLine{{ItemID: "x", Name: "X", Quantity: q, UnitPriceCents: cents}}
	}
	cases := []struct {
		name                string
		cart                []domain.OrderLine
		f                   domain.Fulfillment
		fee, total, missing int64
		free                bool
	}{
		{"delivery with fee", line(5200, 1), domain.FulfillmentDelivery, 799, 5999, 0, false},
		{"below minimum", line(1400, 1), domain.FulfillmentDelivery, 799, 2199, 1600, false},
		{"free delivery", line(6000, 2), domain.FulfillmentDelivery, 0, 12000, 0, true},
		{"pickup has no fee nor minimum", line(1400, 1), domain.FulfillmentPickup, 0, 1400, 0, false},
	}
	for _, tc := range cases {
		q := ordering.QuoteFor(&centro, tc.cart, tc.f)
		if q.DeliveryFeeCents != tc.fee || q.TotalCents != tc.total || q.MissingCents != tc.missing || q.FreeDelivery != tc.free {
			t.Errorf("%s: %+v", tc.name, q)
		}
	}
}

func TestOrderIDAndNewOrder(t *testing.T) {
	t.Parallel()
	a := ordering.OrderID("demo-burger", "s1", "SM1")
	if a != ordering.OrderID("demo-burger", "s1", "SM1") || len(a) != 10 {
		t.Errorf("OrderID %q must be stable and 10 characters", a)
	}
	if a == ordering.OrderID("demo-burger", "s1", "SM2") || a == ordering.OrderID("demo-pizzaria", "s1", "SM1") {
		t.Error("another confirmation or brand must give another id")
	}
	_, centro, _ := pizzaria()
	conv := &domain.Conversation{ClientID: "demo-pizzaria", PhoneNumber: "whatsapp:+5511987654321", SessionID: "s1", CustomerName: "Ana"}
	cart := []domain.OrderLine{{ItemID: "coca", Name: "Coca-Cola 2 L", Quantity: 3, UnitPriceCents: 1400}}
	o := ordering.NewOrder(a, &centro, conv, cart, ordering.Checkout{Fulfillment: domain.FulfillmentDelivery, Address: "Rua A, 1", PaymentMethod: domain.PaymentCredit}, time.Now())
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.SubtotalCents != 4200 || o.DeliveryFeeCents != 799 || o.TotalCents != 4999 || o.Status != domain.OrderCreated || o.EstimatedMinutes != 45 {
		t.Errorf("order %+v", o)
	}
	cart[0].Quantity = 9
	if o.Lines[0].Quantity != 3 {
		t.Error("the order shares its lines with the cart")
	}
}
