package asaas_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/asaas"
)

// A PAYMENT_RECEIVED call as Asaas documents it ("Events for payments"), shortened, with
// fields this package does not know.
const receivedEvent = `{
  "id": "evt_05b708f961d739ea7eba7e4db318f621&368604920",
  "event": "PAYMENT_RECEIVED",
  "dateCreated": "2024-06-12 16:45:03",
  "payment": {
    "object": "payment",
    "id": "pay_080225913252",
    "dateCreated": "2021-01-01",
    "customer": "cus_G7Dvo4iphUNk",
    "subscription": null,
    "dueDate": "2021-01-01",
    "value": 100,
    "netValue": 94.51,
    "originalValue": null,
    "description": "Pedido 056984",
    "externalReference": "056984",
    "billingType": "PIX",
    "status": "RECEIVED",
    "pixTransaction": null,
    "confirmedDate": "2021-01-01",
    "paymentDate": "2021-01-01",
    "invoiceUrl": "https://www.asaas.com/i/080225913252",
    "deleted": false,
    "creditCard": {"creditCardNumber": "8829"},
    "discount": {"value": 0.00, "dueDateLimitDays": 0}
  },
  "somethingNew": {"a": 1}
}`

func TestParseEvent(t *testing.T) {
	t.Parallel()
	e, err := asaas.ParseEvent([]byte(receivedEvent))
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "evt_05b708f961d739ea7eba7e4db318f621&368604920" || e.Event != asaas.EventPaymentReceived || e.DateCreated != "2024-06-12 16:45:03" {
		t.Errorf("event = %+v", e)
	}
	p := e.Payment
	if p == nil || p.ID != "pay_080225913252" || p.ExternalReference != "056984" || p.Status != asaas.StatusReceived ||
		p.Value != 10000 || p.NetValue != 9451 || p.BillingType != asaas.BillingPIX || p.Deleted {
		t.Errorf("payment = %+v", p)
	}

	for _, bad := range []string{``, `[]`, `{"id":"evt_1"}`, `{"event":`} {
		if _, err := asaas.ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q) accepted", bad)
		}
	}
	// A non-payment event has no payment; it is still an event.
	e, err = asaas.ParseEvent([]byte(`{"id":"evt_2","event":"TRANSFER_DONE","transfer":{}}`))
	if err != nil || e.Payment != nil || e.Event != "TRANSFER_DONE" {
		t.Errorf("transfer event = %+v, %v", e, err)
	}
}
