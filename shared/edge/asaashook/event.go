package asaashook

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Asaas's payment events that matter to an order; every other event is acknowledged and
// ignored (PAYMENT_CREATED, PAYMENT_UPDATED, the risk analysis and chargeback events, events
// of other objects). A payment received in cash is a PAYMENT_RECEIVED (status
// RECEIVED_IN_CASH): Asaas documents no event of its own for it.
var kinds = map[string]domain.PaymentEventKind{
	"PAYMENT_CONFIRMED": domain.PaymentPaid,
	"PAYMENT_RECEIVED":  domain.PaymentPaid,
	"PAYMENT_OVERDUE":   domain.PaymentOverdue,
	"PAYMENT_DELETED":   domain.PaymentRemoved,
	"PAYMENT_REFUNDED":  domain.PaymentRefunded,
}

// maxID bounds the ids taken from an event (they become keys, queue ids and log fields):
// Asaas's are some 50 characters.
const maxID = 200

// asaasTime is the zone of Asaas's dates ("2024-06-12 16:45:03" is Brazil's time).
var asaasTime = time.FixedZone("BRT", -3*60*60)

// decodeEvent translates an Asaas webhook body into a domain.PaymentEvent. Kind is empty for
// an event of no use here, whose payment is not looked at. The amount (payment.value, reais
// as a JSON number) is read from its text into exact cents. The errors say what is wrong,
// never quoting the body.
//
// It is self-contained on purpose; the Asaas client package is to offer the same parsing
// (asaas.ParseEvent), which can replace it.
func decodeEvent(body []byte) (domain.PaymentEvent, error) {
	var v struct {
		ID          string `json:"id"`
		Event       string `json:"event"`
		DateCreated string `json:"dateCreated"`
		Payment     *struct {
			ID                string          `json:"id"`
			Value             json.RawMessage `json:"value"`
			ExternalReference *string         `json:"externalReference"`
		} `json:"payment"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return domain.PaymentEvent{}, errors.New("the body is not an Asaas event (JSON object)")
	}
	if !validID(v.ID) || !validID(v.Event) {
		return domain.PaymentEvent{}, errors.New("the event has no valid id or event name")
	}
	ev := domain.PaymentEvent{EventID: v.ID, Type: v.Event}
	if t, err := time.ParseInLocation(time.DateTime, v.DateCreated, asaasTime); err == nil {
		ev.OccurredAt = t.UTC()
	}
	kind, ok := kinds[v.Event]
	if !ok {
		return ev, nil
	}
	p := v.Payment
	if p == nil || !validID(p.ID) {
		return domain.PaymentEvent{}, errors.New("the payment event has no valid payment id")
	}
	cents, err := reaisToCents(p.Value)
	if err != nil {
		return domain.PaymentEvent{}, err
	}
	ev.Kind, ev.PaymentID, ev.AmountCents = kind, p.ID, cents
	if p.ExternalReference != nil {
		ev.OrderID = *p.ExternalReference
	}
	return ev, nil
}

// validID: 1 to maxID printable ASCII characters, no space.
func validID(s string) bool {
	if s == "" || len(s) > maxID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// maxReaisDigits bounds the integer part: far above any order, far below int64's cents.
const maxReaisDigits = 12

// reaisToCents reads an amount in reais, a JSON number (57.9, 100, 0.01; a string holding
// one is taken too), into cents without floating point. More than two decimals are
// accepted only as trailing zeros (57.900); a negative amount, an exponent or a fraction of
// a cent is an error.
func reaisToCents(raw json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errors.New("payment.value is not an amount")
		}
	}
	bad := errors.New("payment.value is not an amount in reais with at most two decimals")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxReaisDigits || !digits(whole) || (dot && (frac == "" || !digits(frac))) {
		return 0, bad
	}
	if len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, bad
		}
		frac = frac[:2]
	}
	frac += strings.Repeat("0", 2-len(frac))
	var cents int64
	for _, c := range whole + frac {
		cents = cents*10 + int64(c-'0')
	}
	return cents, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
