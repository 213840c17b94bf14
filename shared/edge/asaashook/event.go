package asaashook

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/wabot-platform/wabot/shared/asaas"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Asaas's payment events that matter to an order; every other event is acknowledged and
// ignored (PAYMENT_CREATED, PAYMENT_UPDATED, the risk analysis and chargeback events, events
// of other objects). A payment received in cash is a PAYMENT_RECEIVED (status
// RECEIVED_IN_CASH): Asaas documents no event of its own for it.
var kinds = map[string]domain.PaymentEventKind{
	asaas.EventPaymentConfirmed: domain.PaymentPaid,
	asaas.EventPaymentReceived:  domain.PaymentPaid,
	asaas.EventPaymentOverdue:   domain.PaymentOverdue,
	asaas.EventPaymentDeleted:   domain.PaymentRemoved,
	asaas.EventPaymentRefunded:  domain.PaymentRefunded,
}

// maxID bounds the ids taken from an event (they become keys, queue ids and log fields):
// Asaas's are some 50 characters.
const maxID = 200

// amountText is an amount as Asaas writes one: reais, at most 12 digits of them (far above
// any order, far below int64's cents), and at most two decimals that are not trailing zeros
// (57.9, 100, 0.01, 57.900). A sign, an exponent or a fraction of a centavo is not an amount
// Asaas charged.
var amountText = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2}0*)?$`)

// decodeEvent translates an Asaas webhook body into a domain.PaymentEvent. Kind is empty for
// an event of no use here, whose payment is not looked at: Asaas would retry an event
// refused for it, then pause the brand's queue. The payment of an event that matters is
// read by asaas.ParseEvent, its amount (payment.value, reais as a JSON number, or a string
// holding one) into exact cents by asaas.Cents; it must be written as amountText says. The
// errors say what is wrong, never quoting the body.
func decodeEvent(body []byte) (domain.PaymentEvent, error) {
	var head struct {
		ID          string `json:"id"`
		Event       string `json:"event"`
		DateCreated string `json:"dateCreated"`
		Payment     *struct {
			Value json.RawMessage `json:"value"`
		} `json:"payment"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return domain.PaymentEvent{}, errors.New("the body is not an Asaas event (JSON object)")
	}
	if !validID(head.ID) || !validID(head.Event) {
		return domain.PaymentEvent{}, errors.New("the event has no valid id or event name")
	}
	ev := domain.PaymentEvent{EventID: head.ID, Type: head.Event}
	if t, err := asaas.ParseDateTime(head.DateCreated); err == nil {
		ev.OccurredAt = t.UTC()
	}
	kind, ok := kinds[head.Event]
	if !ok {
		return ev, nil
	}
	e, err := asaas.ParseEvent(body)
	switch {
	case err != nil:
		// Not quoted: asaas's error holds the offending text.
		return domain.PaymentEvent{}, errors.New("the payment event's payment is not an Asaas payment (a field of the wrong type, or payment.value not an amount)")
	case e.Payment == nil || !validID(e.Payment.ID):
		return domain.PaymentEvent{}, errors.New("the payment event has no valid payment id")
	case head.Payment == nil || !wireAmount(head.Payment.Value):
		return domain.PaymentEvent{}, errors.New("payment.value is not an amount in reais with at most two decimals")
	}
	ev.Kind, ev.PaymentID, ev.AmountCents, ev.OrderID = kind, e.Payment.ID, int64(e.Payment.Value), e.Payment.ExternalReference
	return ev, nil
}

// wireAmount reports whether raw, a JSON number or a string holding one, is written as
// amountText says.
func wireAmount(raw json.RawMessage) bool {
	s := string(raw)
	if strings.HasPrefix(s, `"`) && json.Unmarshal(raw, &s) != nil {
		return false
	}
	return amountText.MatchString(s)
}

// validID: 1 to maxID printable ASCII characters, no space (what SQS takes in an id).
func validID(s string) bool {
	return s != "" && len(s) <= maxID && resourcenames.SQSIDChars(s)
}
