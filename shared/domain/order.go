package domain

import (
	"context"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// OrderStatus is a step of an order's life.
type OrderStatus string

// Order statuses. The happy paths are CREATED -> CONFIRMED -> SENT_TO_POS (paid at the door
// or at pickup) and CREATED -> AWAITING_PAYMENT -> CONFIRMED -> SENT_TO_POS (PIX).
const (
	OrderCreated         OrderStatus = "CREATED"
	OrderAwaitingPayment OrderStatus = "AWAITING_PAYMENT"
	OrderConfirmed       OrderStatus = "CONFIRMED"
	OrderSentToPOS       OrderStatus = "SENT_TO_POS"
	OrderCancelled       OrderStatus = "CANCELLED"
)

// orderTransitions lists the statuses each status may move to.
var orderTransitions = map[OrderStatus][]OrderStatus{
	OrderCreated:         {OrderAwaitingPayment, OrderConfirmed, OrderCancelled},
	OrderAwaitingPayment: {OrderConfirmed, OrderCancelled},
	OrderConfirmed:       {OrderSentToPOS, OrderCancelled},
	OrderSentToPOS:       {OrderCancelled},
	OrderCancelled:       nil,
}

// Valid reports whether s is a known status.
func (s OrderStatus) Valid() bool { _, ok := orderTransitions[s]; return ok }

// CanMoveTo reports whether an order in status s may move to next.
func (s OrderStatus) CanMoveTo(next OrderStatus) bool {
	for _, n := range orderTransitions[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Fulfillment is how the customer gets the order.
type Fulfillment string

// Fulfillment types.
const (
	FulfillmentDelivery Fulfillment = "DELIVERY"
	FulfillmentPickup   Fulfillment = "PICKUP"
)

// OrderLine is one line of an order: an item, its size and options, the quantity and the
// prices code computed from the menu when the line was added.
type OrderLine struct {
	ItemID         string        `dynamodbav:"itemId" json:"itemId"`
	Name           string        `dynamodbav:"name" json:"name"`
	SizeID         string        `dynamodbav:"sizeId,omitempty" json:"sizeId,omitempty"`
	SizeName       string        `dynamodbav:"sizeName,omitempty" json:"sizeName,omitempty"`
	Options        []OrderOption `dynamodbav:"options,omitempty" json:"options,omitempty"`
	Quantity       int           `dynamodbav:"quantity" json:"quantity"`
	UnitPriceCents int64         `dynamodbav:"unitPriceCents" json:"unitPriceCents"` // size or base price plus options
	Notes          string        `dynamodbav:"notes,omitempty" json:"notes,omitempty"`
}

// OrderOption is an option chosen on a line, with its price delta.
type OrderOption struct {
	OptionID        string `dynamodbav:"optionId" json:"optionId"`
	Name            string `dynamodbav:"name" json:"name"`
	PriceDeltaCents int64  `dynamodbav:"priceDeltaCents" json:"priceDeltaCents"`
}

// TotalCents is quantity times unit price.
func (l OrderLine) TotalCents() int64 { return int64(l.Quantity) * l.UnitPriceCents }

// StatusChange is one entry of an order's status history.
type StatusChange struct {
	Status OrderStatus `dynamodbav:"status" json:"status"`
	At     time.Time   `dynamodbav:"at" json:"at"`
	Reason string      `dynamodbav:"reason,omitempty" json:"reason,omitempty"`
}

// Order is a customer's order at a store. Stored in WhatsAppBotOrders keyed by
// pk = "<clientId>#<orderId>". The orderId is derived from the conversation session and the message
// that confirmed it, so a retried confirmation finds the order it already created.
type Order struct {
	ClientID         string        `dynamodbav:"clientId" json:"clientId"`
	OrderID          string        `dynamodbav:"orderId" json:"orderId"`
	StoreID          string        `dynamodbav:"storeId" json:"storeId"`
	CustomerPhone    string        `dynamodbav:"customerPhone" json:"customerPhone"`
	CustomerName     string        `dynamodbav:"customerName,omitempty" json:"customerName,omitempty"`
	SessionID        string        `dynamodbav:"sessionId" json:"sessionId"`
	Lines            []OrderLine   `dynamodbav:"lines" json:"lines"`
	SubtotalCents    int64         `dynamodbav:"subtotalCents" json:"subtotalCents"`
	DeliveryFeeCents int64         `dynamodbav:"deliveryFeeCents" json:"deliveryFeeCents"`
	TotalCents       int64         `dynamodbav:"totalCents" json:"totalCents"`
	Fulfillment      Fulfillment   `dynamodbav:"fulfillment" json:"fulfillment"`
	DeliveryAddress  string        `dynamodbav:"deliveryAddress,omitempty" json:"deliveryAddress,omitempty"`
	EstimatedMinutes int           `dynamodbav:"estimatedMinutes,omitempty" json:"estimatedMinutes,omitempty"`
	PaymentMethod    PaymentMethod `dynamodbav:"paymentMethod" json:"paymentMethod"`
	// OnlinePayment: the order is paid online before it reaches the kitchen (PIX, or a card
	// at a store with cardOnline); see PaidOnline.
	OnlinePayment bool           `dynamodbav:"onlinePayment,omitempty" json:"onlinePayment,omitempty"`
	Status        OrderStatus    `dynamodbav:"status" json:"status"`
	StatusHistory []StatusChange `dynamodbav:"statusHistory" json:"statusHistory"`
	// CustomerToldPaidAt is when the customer was told their payment was received (PIX
	// orders): until it is set, a repeated payment confirmation tells them again.
	CustomerToldPaidAt time.Time `dynamodbav:"customerToldPaidAt,omitempty" json:"customerToldPaidAt,omitempty"`
	// PaymentID is the provider's charge of an order paid online (PIX, card link): set when
	// the charge is created, so the order's payment events and refunds find it.
	PaymentID string `dynamodbav:"paymentId,omitempty" json:"paymentId,omitempty"`
	// PaymentExpiresAt is when the charge can no longer be paid.
	PaymentExpiresAt time.Time `dynamodbav:"paymentExpiresAt,omitempty" json:"paymentExpiresAt,omitzero"`
	// PaidAt is when the provider said the charge was paid; RefundedAt when it said the
	// amount went back to the customer.
	PaidAt     time.Time `dynamodbav:"paidAt,omitempty" json:"paidAt,omitzero"`
	RefundedAt time.Time `dynamodbav:"refundedAt,omitempty" json:"refundedAt,omitzero"`
	// Test marks an order placed in the sandbox (the admin's test chat, see SandboxNumber):
	// it is stored like any other, so operators see what a customer's order would be, and is
	// never handed to a store's point of sale (the engine does not publish it, and the POS
	// publisher refuses it).
	Test bool `dynamodbav:"test,omitempty" json:"test,omitempty"`
	// PseudonymisedAt is when the customer's data was erased (LGPD): CustomerPhone then holds
	// a pseudonym (PseudonymPrefix...), and the name and delivery address are gone. The order
	// stays, a fiscal record.
	PseudonymisedAt time.Time `dynamodbav:"pseudonymisedAt,omitempty" json:"pseudonymisedAt,omitzero"`
	CreatedAt       time.Time `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt       time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
	Version         int64     `dynamodbav:"version" json:"version"`
}

// PaidOnline reports whether the order waits for an online payment before the kitchen gets
// it: PIX always (orders placed before OnlinePayment existed too), a card when the store
// charged it online.
func (o *Order) PaidOnline() bool { return o.OnlinePayment || o.PaymentMethod == PaymentPIX }

// MaxOrderLines bounds an order (and a cart).
const MaxOrderLines = 30

// Validate checks the order's keys, lines and amounts: the subtotal is the sum of the lines
// and the total is subtotal plus delivery fee, so no amount can be stored inconsistent.
func (o *Order) Validate() error {
	if err := resourcenames.ValidateID("clientId", o.ClientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	if err := resourcenames.ValidateID("storeId", o.StoreID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	if o.OrderID == "" || len(o.OrderID) > 64 {
		return Errorf(EINVALID, "orderId is required (at most 64 characters)")
	}
	if o.PseudonymisedAt.IsZero() {
		num, err := ParseWhatsAppAddress(o.CustomerPhone)
		if err != nil {
			return err
		}
		o.CustomerPhone = num
	} else if !strings.HasPrefix(o.CustomerPhone, PseudonymPrefix) {
		return Errorf(EINVALID, "a pseudonymised order's customerPhone must be a pseudonym")
	}
	if len(o.Lines) == 0 || len(o.Lines) > MaxOrderLines {
		return Errorf(EINVALID, "an order has 1 to %d lines", MaxOrderLines)
	}
	var sub int64
	for _, l := range o.Lines {
		if l.Quantity < 1 || l.UnitPriceCents < 0 {
			return Errorf(EINVALID, "order line %q: quantity must be positive and price not negative", l.ItemID)
		}
		sub += l.TotalCents()
	}
	if sub != o.SubtotalCents || o.DeliveryFeeCents < 0 || o.TotalCents != o.SubtotalCents+o.DeliveryFeeCents {
		return Errorf(EINVALID, "order amounts do not add up: lines %d, subtotal %d, fee %d, total %d", sub, o.SubtotalCents, o.DeliveryFeeCents, o.TotalCents)
	}
	switch o.Fulfillment {
	case FulfillmentDelivery:
		if o.DeliveryAddress == "" && o.PseudonymisedAt.IsZero() {
			return Errorf(EINVALID, "a delivery order needs an address")
		}
	case FulfillmentPickup:
	default:
		return Errorf(EINVALID, "fulfillment %q is not DELIVERY or PICKUP", o.Fulfillment)
	}
	if _, err := ParsePaymentMethod(string(o.PaymentMethod)); err != nil {
		return err
	}
	if !o.Status.Valid() {
		return Errorf(EINVALID, "status %q is not an order status", o.Status)
	}
	return nil
}

// MoveTo changes the order's status to next at at, recording it in the history. Moving to
// the status the order already has is a no-op (changed false), so a repeated event is
// harmless; any other move the state machine does not allow is ECONFLICT.
func (o *Order) MoveTo(next OrderStatus, at time.Time, reason string) (changed bool, err error) {
	if o.Status == next {
		return false, nil
	}
	if !o.Status.CanMoveTo(next) {
		return false, Errorf(ECONFLICT, "order %s cannot move from %s to %s", o.OrderID, o.Status, next)
	}
	o.Status = next
	o.StatusHistory = append(o.StatusHistory, StatusChange{Status: next, At: at.UTC(), Reason: reason})
	return true, nil
}

// OrderRepository stores orders.
type OrderRepository interface {
	// GetOrder returns ENOTFOUND if the brand has no such order.
	GetOrder(ctx context.Context, clientID, orderID string) (*Order, error)
	// CreateOrder stores o with version 1; ECONFLICT if the orderId exists.
	CreateOrder(ctx context.Context, o *Order) error
	// UpdateOrder works like ClientRepository.UpdateClient.
	UpdateOrder(ctx context.Context, clientID, orderID string, fn func(*Order) error) (*Order, error)
}

// OrderEventType names an order event published to a store's point of sale.
type OrderEventType string

// Order events published to the POS.
const (
	// EventOrderConfirmed: the order is confirmed (paid, or to be paid at the door) and must
	// be prepared.
	EventOrderConfirmed OrderEventType = "order.confirmed"
)

// OrderPublisher hands order events to a store's point of sale (its FIFO queue, whose URL is
// in the store's config). Publishing the same (order, event) twice must deliver it once.
type OrderPublisher interface {
	PublishOrder(ctx context.Context, store *Store, o *Order, event OrderEventType) error
}

// EventOrderCancelled: an order the store's POS had received is cancelled (by an operator,
// or because its payment was refunded) and must not be prepared or delivered.
const EventOrderCancelled OrderEventType = "order.cancelled"
