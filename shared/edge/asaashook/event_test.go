package asaashook

import (
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// The amount of an event that matters is read exactly (asaas.Cents), and only when Asaas
// could have written it: no sign, no exponent, no fraction of a centavo, no missing value.
func TestDecodeEventAmount(t *testing.T) {
	for in, want := range map[string]int64{
		"57.9": 5790, "100": 10000, "0.01": 1, "0": 0, "0.1": 10, "57.90": 5790, "57.900": 5790, "1234.56": 123456,
		"999999999999.99": 99999999999999, `"42.23"`: 4223, " 12.5 ": 1250,
		// 0.1 + 0.2 in float64 is 0.30000000000000004: cents must not go through a float.
		"0.3": 30, "1.15": 115, "4.35": 435,
	} {
		ev, err := decodeEvent([]byte(`{"id":"e","event":"PAYMENT_RECEIVED","payment":{"id":"p","value":` + in + `}}`))
		if err != nil || ev.AmountCents != want {
			t.Errorf("%s: %d, %v; want %d", in, ev.AmountCents, err, want)
		}
	}
	for _, in := range []string{"null", "-1", "57.901", "1e2", "1.005e0", `"57."`, `".5"`, `"1,50"`, `"abc"`, "true", "{}", "1234567890123.00", `"+1"`, `"0x10"`, `""`} {
		if ev, err := decodeEvent([]byte(`{"id":"e","event":"PAYMENT_RECEIVED","payment":{"id":"p","value":` + in + `}}`)); err == nil {
			t.Errorf("%s: %d, want an error", in, ev.AmountCents)
		}
	}
	if ev, err := decodeEvent([]byte(`{"id":"e","event":"PAYMENT_RECEIVED","payment":{"id":"p"}}`)); err == nil {
		t.Errorf("no value: %d, want an error", ev.AmountCents)
	}
}

func TestDecodeEvent(t *testing.T) {
	// The example of Asaas's documentation, whole.
	body := `{"id":"evt_05b708f961d739ea7eba7e4db318f621&368604920","event":"PAYMENT_RECEIVED","dateCreated":"2024-06-12 16:45:03",
	"payment":{"object":"payment","id":"pay_080225913252","dateCreated":"2021-01-01","customer":"cus_G7Dvo4iphUNk","dueDate":"2021-01-01",
	"value":100,"netValue":94.51,"originalValue":null,"description":"Pedido 056984","externalReference":"056984","billingType":"CREDIT_CARD",
	"status":"RECEIVED","deleted":false,"creditCard":{"creditCardNumber":"8829","creditCardBrand":"MASTERCARD"},"refunds":null}}`
	ev, err := decodeEvent([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.PaymentEvent{EventID: "evt_05b708f961d739ea7eba7e4db318f621&368604920", Kind: domain.PaymentPaid, Type: "PAYMENT_RECEIVED",
		PaymentID: "pay_080225913252", OrderID: "056984", AmountCents: 10000, OccurredAt: time.Date(2024, 6, 12, 19, 45, 3, 0, time.UTC)}
	if ev != want {
		t.Errorf("decoded %+v, want %+v", ev, want)
	}
	// A date that is not Asaas's format is left out, not an error.
	ev, err = decodeEvent([]byte(`{"id":"e","event":"PAYMENT_OVERDUE","dateCreated":"yesterday","payment":{"id":"p","value":1.5}}`))
	if err != nil || !ev.OccurredAt.IsZero() || ev.Kind != domain.PaymentOverdue || ev.AmountCents != 150 || ev.OrderID != "" {
		t.Errorf("decoded %+v, %v", ev, err)
	}
	// An event of no use keeps its id and name, and no kind.
	ev, err = decodeEvent([]byte(`{"id":"e","event":"PAYMENT_CREATED","payment":{"id":"p","value":"?"}}`))
	if err != nil || ev.Kind != "" || ev.Type != "PAYMENT_CREATED" || ev.EventID != "e" {
		t.Errorf("decoded %+v, %v", ev, err)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","event":"PAYMENT_RECEIVED","payment":{"id":"pay_1","value":57.9,"externalReference":"o-1"}}`))
	f.Add([]byte(`{"id":"evt_1","event":"PAYMENT_REFUNDED","payment":{"id":"pay_1","value":"0.01"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := decodeEvent(body)
		if err != nil {
			return
		}
		if !validID(ev.EventID) || !validID(ev.Type) {
			t.Fatalf("accepted ids %q %q", ev.EventID, ev.Type)
		}
		if ev.Kind != "" && (!validID(ev.PaymentID) || ev.AmountCents < 0) {
			t.Fatalf("accepted payment %+v", ev)
		}
	})
}
