package asaas

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Payment events Asaas posts to a webhook (docs.asaas.com, "Events for payments"): the ones
// this platform acts on, among many.
const (
	EventPaymentCreated   = "PAYMENT_CREATED"
	EventPaymentConfirmed = "PAYMENT_CONFIRMED" // paid, the money not yet available (card)
	EventPaymentReceived  = "PAYMENT_RECEIVED"  // paid and available (PIX)
	EventPaymentOverdue   = "PAYMENT_OVERDUE"
	EventPaymentDeleted   = "PAYMENT_DELETED"
	EventPaymentRestored  = "PAYMENT_RESTORED"
	EventPaymentRefunded  = "PAYMENT_REFUNDED"
	EventPaymentUpdated   = "PAYMENT_UPDATED"
)

// Event is a webhook call of Asaas's: the event's id (the same on Asaas's redeliveries, so the
// deduplication key), its name, when Asaas created it, and the payment as it is after the
// event. Fields Asaas adds are ignored.
type Event struct {
	ID          string   `json:"id"`
	Event       string   `json:"event"`
	DateCreated string   `json:"dateCreated"` // DateTimeLayout, Brasília time
	Payment     *Payment `json:"payment"`
}

// ParseEvent decodes a webhook call's body. It refuses a body that is not a JSON object or has
// no event name; an event without a payment (a non-payment event) is returned as it is.
func ParseEvent(body []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return Event{}, fmt.Errorf("asaas: webhook body is not an event: %w", err)
	}
	if e.Event == "" {
		return Event{}, errors.New("asaas: webhook body has no event name")
	}
	return e, nil
}
