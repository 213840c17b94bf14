package ordering

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Quote is what a cart costs at a store for a way of fulfilment.
type Quote struct {
	SubtotalCents    int64
	DeliveryFeeCents int64
	TotalCents       int64
	// FreeDelivery is true when the store's free-delivery threshold waived the fee.
	FreeDelivery bool
	// MissingCents is how much more the cart needs to reach the store's minimum order for
	// delivery (0 when it is reached, or for pickup).
	MissingCents int64
}

// QuoteFor prices cart at store for f. The minimum order and the fee apply to delivery only;
// a free-delivery threshold of 0 means none.
func QuoteFor(store *domain.Store, cart []domain.OrderLine, f domain.Fulfillment) Quote {
	q := Quote{SubtotalCents: Subtotal(cart)}
	if f == domain.FulfillmentDelivery {
		d := store.DeliveryConfig
		q.DeliveryFeeCents = d.DeliveryFeeCents
		if d.FreeDeliveryAboveCents > 0 && q.SubtotalCents >= d.FreeDeliveryAboveCents {
			q.DeliveryFeeCents, q.FreeDelivery = 0, true
		}
		if q.SubtotalCents < d.MinimumOrderCents {
			q.MissingCents = d.MinimumOrderCents - q.SubtotalCents
		}
	}
	q.TotalCents = q.SubtotalCents + q.DeliveryFeeCents
	return q
}

// Fulfillments lists what the store offers, delivery first.
func Fulfillments(store *domain.Store) []domain.Fulfillment {
	var out []domain.Fulfillment
	if store.DeliveryConfig.DeliveryEnabled {
		out = append(out, domain.FulfillmentDelivery)
	}
	if store.DeliveryConfig.PickupEnabled {
		out = append(out, domain.FulfillmentPickup)
	}
	return out
}

// OrderID derives the id of the order confirmed by message messageSid in session sessionID
// of a brand's customer: the same confirmation, however often it is processed, names the same
// order, so the order is created once. Ten characters of base32 (50 bits) are short enough to
// read to a kitchen and collide within one brand with negligible odds.
func OrderID(clientID, sessionID, messageSid string) string {
	sum := sha256.Sum256([]byte(clientID + "\x00" + sessionID + "\x00" + messageSid))
	return strings.ToUpper(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:10])
}

// Checkout is what the customer chose at checkout.
type Checkout struct {
	Fulfillment   domain.Fulfillment
	Address       string
	PaymentMethod domain.PaymentMethod
}

// NewOrder builds the order of cart at store: amounts from QuoteFor, status CREATED.
func NewOrder(orderID string, store *domain.Store, conv *domain.Conversation, cart []domain.OrderLine, co Checkout, now time.Time) *domain.Order {
	q := QuoteFor(store, cart, co.Fulfillment)
	o := &domain.Order{
		ClientID: store.ClientID, OrderID: orderID, StoreID: store.StoreID,
		CustomerPhone: conv.PhoneNumber, CustomerName: conv.CustomerName, SessionID: conv.SessionID,
		Lines:         append([]domain.OrderLine(nil), cart...),
		SubtotalCents: q.SubtotalCents, DeliveryFeeCents: q.DeliveryFeeCents, TotalCents: q.TotalCents,
		Fulfillment: co.Fulfillment, PaymentMethod: co.PaymentMethod, OnlinePayment: PaysOnline(store, co.PaymentMethod),
		Status:        domain.OrderCreated,
		StatusHistory: []domain.StatusChange{{Status: domain.OrderCreated, At: now.UTC()}},
	}
	if co.Fulfillment == domain.FulfillmentDelivery {
		o.DeliveryAddress = co.Address
		o.EstimatedMinutes = store.DeliveryConfig.EstimatedMinutes
	}
	return o
}

// PaysOnline reports whether an order paid with m at store waits for an online payment before
// the kitchen gets it: PIX does, and a credit card at a store that charges cards online
// (Store.CardOnline, a payment link); otherwise a card is paid at the door or at pickup.
func PaysOnline(store *domain.Store, m domain.PaymentMethod) bool {
	return m == domain.PaymentPIX || (store.CardOnline && m == domain.PaymentCredit)
}
