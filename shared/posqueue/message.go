package posqueue

import (
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// SchemaVersion is the version of the contract this package writes. Additive changes raise
// the minor; a breaking change raises the major and is announced to integrators first
// (docs/pos-contract.md). 1.1 added the order.cancelled event and its cancellation member;
// order.confirmed is unchanged since 1.0.
const SchemaVersion = "1.1"

// Currency of every amount: the platform sells in Brazil only.
const Currency = "BRL"

// Payment statuses a point of sale sees.
const (
	// PaymentPaid: the customer already paid (PIX; an order is published only once paid).
	PaymentPaid = "PAID"
	// PaymentOnDelivery: the customer pays by card on delivery or at pickup; the courier or
	// the counter brings the card machine.
	PaymentOnDelivery = "PAY_ON_DELIVERY"
)

// Message is the body of one order event on a store's queue: the JSON document described by
// docs/pos-contract.schema.json. Field order is the order of the JSON.
type Message struct {
	SchemaVersion string `json:"schemaVersion"`
	// EventID is stable: the same event of the same order always has the same id
	// (orderId:eventType), so a POS can drop a redelivery whenever it comes.
	EventID   string                `json:"eventId"`
	EventType domain.OrderEventType `json:"eventType"`
	// OccurredAt is when the event happened (the order was confirmed, or cancelled), not when
	// it was sent, so a republished event has the same body.
	OccurredAt time.Time `json:"occurredAt"`
	ClientID   string    `json:"clientId"`
	StoreID    string    `json:"storeId"`
	// Order is the order as it was confirmed: a cancellation repeats it, so a POS can show
	// what not to prepare even if it lost the confirmation.
	Order Order `json:"order"`
	// Cancellation is present in order.cancelled events only.
	Cancellation *Cancellation `json:"cancellation,omitempty"`
}

// Cancellation says why an order the POS received is cancelled, and what became of its
// payment.
type Cancellation struct {
	// Reason is the reason recorded with the cancellation (an operator's words, "cliente
	// desistiu"); absent when none was given.
	Reason string `json:"reason,omitempty"`
	// Refunded is present for an order paid online (payment status PAID): true when the
	// payment provider had taken the refund of the whole amount (Order.RefundedAt) by the
	// time of the event, false when it had not yet (the platform refunds every paid order it
	// cancels; nothing is for the store to do).
	// Absent for PAY_ON_DELIVERY: nothing was paid, and nothing is to be collected.
	Refunded *bool `json:"refunded,omitempty"`
}

// Order is the order as a kitchen needs it.
type Order struct {
	OrderID     string      `json:"orderId"`
	CreatedAt   time.Time   `json:"createdAt"`
	Customer    Customer    `json:"customer"`
	Items       []Item      `json:"items"`
	Amounts     Amounts     `json:"amounts"`
	Fulfillment Fulfillment `json:"fulfillment"`
	Payment     Payment     `json:"payment"`
}

// Customer is who ordered. Phone is E.164 ("+5511987654321"), without WhatsApp's prefix.
type Customer struct {
	Name  string `json:"name,omitempty"` // absent when the customer never gave one
	Phone string `json:"phone"`
}

// Item is one line of the order. UnitPriceCents already includes the options' deltas;
// TotalCents is quantity times unit price.
type Item struct {
	ItemID         string   `json:"itemId"`
	Name           string   `json:"name"`
	SizeID         string   `json:"sizeId,omitempty"`
	SizeName       string   `json:"sizeName,omitempty"`
	Options        []Option `json:"options"` // [] when none: one shape for every line
	Quantity       int      `json:"quantity"`
	UnitPriceCents int64    `json:"unitPriceCents"`
	TotalCents     int64    `json:"totalCents"`
	Notes          string   `json:"notes,omitempty"`
}

// Option is an extra chosen on a line.
type Option struct {
	OptionID        string `json:"optionId"`
	Name            string `json:"name"`
	PriceDeltaCents int64  `json:"priceDeltaCents"`
}

// Amounts are the order's money, integer centavos: totalCents = subtotalCents +
// deliveryFeeCents, and subtotalCents is the sum of the items' totalCents.
type Amounts struct {
	SubtotalCents    int64  `json:"subtotalCents"`
	DeliveryFeeCents int64  `json:"deliveryFeeCents"`
	TotalCents       int64  `json:"totalCents"`
	Currency         string `json:"currency"`
}

// Fulfillment is how the order reaches the customer. Address is present for DELIVERY only,
// on one line as the customer confirmed it.
type Fulfillment struct {
	Type             domain.Fulfillment `json:"type"`
	Address          string             `json:"address,omitempty"`
	EstimatedMinutes int                `json:"estimatedMinutes,omitempty"`
}

// Payment is how the order is paid: Method PIX, CREDIT or DEBIT; Status PAID or
// PAY_ON_DELIVERY.
type Payment struct {
	Method domain.PaymentMethod `json:"method"`
	Status string               `json:"status"`
}

// EventID is the id of event for order orderID; it is also the message's deduplication id.
func EventID(orderID string, event domain.OrderEventType) string {
	return orderID + ":" + string(event)
}

// Build returns the message of event for order o of store. It does not check its input
// (PublishOrder does, before building); now is the event time when o's history does not say
// when it was confirmed.
func Build(store *domain.Store, o *domain.Order, event domain.OrderEventType, now time.Time) Message {
	m := Message{
		SchemaVersion: SchemaVersion,
		EventID:       EventID(o.OrderID, event),
		EventType:     event,
		OccurredAt:    stamp(occurredAt(o, event, now)),
		ClientID:      store.ClientID,
		StoreID:       store.StoreID,
		Order: Order{
			OrderID:   o.OrderID,
			CreatedAt: stamp(o.CreatedAt),
			Customer:  Customer{Name: strings.TrimSpace(o.CustomerName), Phone: phone(o.CustomerPhone)},
			Items:     make([]Item, 0, len(o.Lines)),
			Amounts: Amounts{
				SubtotalCents:    o.SubtotalCents,
				DeliveryFeeCents: o.DeliveryFeeCents,
				TotalCents:       o.TotalCents,
				Currency:         Currency,
			},
			Fulfillment: Fulfillment{Type: o.Fulfillment, EstimatedMinutes: max(o.EstimatedMinutes, 0)},
			Payment:     Payment{Method: o.PaymentMethod, Status: PaymentOnDelivery},
		},
	}
	if o.Fulfillment == domain.FulfillmentDelivery {
		m.Order.Fulfillment.Address = o.DeliveryAddress
	}
	if o.PaidOnline() {
		m.Order.Payment.Status = PaymentPaid
	}
	if event == domain.EventOrderCancelled {
		m.Cancellation = &Cancellation{Reason: strings.TrimSpace(reasonOf(o, event))}
		if m.Order.Payment.Status == PaymentPaid {
			refunded := !o.RefundedAt.IsZero()
			m.Cancellation.Refunded = &refunded
		}
	}
	for _, l := range o.Lines {
		it := Item{
			ItemID: l.ItemID, Name: l.Name, SizeID: l.SizeID, SizeName: l.SizeName,
			Options:  make([]Option, 0, len(l.Options)),
			Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, TotalCents: l.TotalCents(),
			Notes: strings.TrimSpace(l.Notes),
		}
		if it.SizeID != "" && it.SizeName == "" {
			// The contract pairs the two; a kitchen reading "grande" beats reading nothing.
			it.SizeName = it.SizeID
		}
		for _, op := range l.Options {
			it.Options = append(it.Options, Option{OptionID: op.OptionID, Name: op.Name, PriceDeltaCents: op.PriceDeltaCents})
		}
		m.Order.Items = append(m.Order.Items, it)
	}
	return m
}

// occurredAt is when the order last reached the status the event announces, from its
// history; now when the history does not say.
func occurredAt(o *domain.Order, event domain.OrderEventType, now time.Time) time.Time {
	if h := lastChange(o, event); !h.At.IsZero() {
		return h.At
	}
	return now
}

// reasonOf is the reason recorded when the order last reached the status the event
// announces ("" none).
func reasonOf(o *domain.Order, event domain.OrderEventType) string {
	return lastChange(o, event).Reason
}

// lastChange is the entry of the order's history where it last reached the status the event
// announces (zero when there is none).
func lastChange(o *domain.Order, event domain.OrderEventType) domain.StatusChange {
	want := statusOf[event]
	for i := len(o.StatusHistory) - 1; i >= 0; i-- {
		if h := o.StatusHistory[i]; h.Status == want && want != "" {
			return h
		}
	}
	return domain.StatusChange{}
}

// statusOf is the order status each event announces; it is also the status an order must
// have to be published with that event.
var statusOf = map[domain.OrderEventType]domain.OrderStatus{
	domain.EventOrderConfirmed: domain.OrderConfirmed,
	domain.EventOrderCancelled: domain.OrderCancelled,
}

// stamp is t in UTC to the millisecond: RFC 3339 with a "Z", and no nanosecond noise.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// phone turns a WhatsApp address into its E.164 number.
func phone(addr string) string {
	addr = strings.TrimSpace(addr)
	if len(addr) >= len(domain.WhatsAppPrefix) && strings.EqualFold(addr[:len(domain.WhatsAppPrefix)], domain.WhatsAppPrefix) {
		return addr[len(domain.WhatsAppPrefix):]
	}
	return addr
}
