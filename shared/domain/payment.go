package domain

import (
	"context"
	"time"
)

// Online payments (PIX and card links through the brand's payment provider, Asaas). The
// domain speaks of charges and payment events; the provider's own names stay in its adapter.

// Charge is a provider's charge of one order: the order id is its reference at the provider,
// so a charge can always be found from the order.
type Charge struct {
	PaymentID   string        `json:"paymentId"`
	CustomerID  string        `json:"customerId,omitempty"` // the provider's customer (kept on the phone mapping)
	Method      PaymentMethod `json:"method"`
	Status      string        `json:"status"` // the provider's status, for logs (PENDING, RECEIVED ...)
	AmountCents int64         `json:"amountCents"`
	// PixCode is the PIX copy-and-paste code ("Pix Copia e Cola"); PixImage is the QR code as
	// a base64 PNG (WhatsApp needs a public URL for an image, so it is not sent yet).
	PixCode  string `json:"pixCode,omitempty"`
	PixImage string `json:"-"`
	// URL is the provider's payment page: the card link, or the PIX page with the QR code.
	URL string `json:"url,omitempty"`
	// ExpiresAt is when the charge can no longer be paid (the PIX code's expiry).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Payer is who pays a charge. The CPF is sent to the provider only, never stored by us: once
// the provider has the customer, CustomerID is enough.
type Payer struct {
	Name  string
	Phone string // whatsapp:+E164 (sent as the provider customer's mobile phone)
	// Reference is the payer's stable id at the provider for one brand (its customer's
	// externalReference): never the phone number itself.
	Reference string
	// CustomerID is the provider's customer id known from an earlier charge ("" unknown).
	CustomerID string
	// CPF is 11 digits, given by the customer when the provider asked for it ("" none).
	CPF string
}

// PaymentProvider charges, cancels and refunds orders on a brand's own account.
type PaymentProvider interface {
	// Charge returns the live charge of order o (PIX or card, as o.PaymentMethod says): the
	// one the provider already has for the order, or a new one. It never leaves two live
	// charges for one order: a create whose outcome is unknown (a timeout) is looked up by
	// the order id before another is tried, and an unknown outcome that the lookup does not
	// settle is a transient error. ErrPayerCPFRequired or ErrPayerCPFInvalid when the provider
	// needs (another) CPF to register the payer.
	Charge(ctx context.Context, client *Client, o *Order, payer Payer) (*Charge, error)
	// CancelCharge removes a charge that is not paid, so it can no longer be paid; one that
	// is absent or removed already is not an error.
	CancelCharge(ctx context.Context, client *Client, paymentID string) error
	// Refund gives the whole amount of a paid charge back; one already refunded is not an
	// error.
	Refund(ctx context.Context, client *Client, paymentID, reason string) error
}

// Errors of PaymentProvider.Charge that the conversation answers by asking the customer.
var (
	ErrPayerCPFRequired = Errorf(EINVALID, "the payment provider needs the payer's CPF")
	ErrPayerCPFInvalid  = Errorf(EINVALID, "the payment provider refused the payer's CPF")
)

// PaymentEventKind is what a payment event means for its order.
type PaymentEventKind string

// Payment event kinds.
const (
	// PaymentPaid: the charge is paid (Asaas PAYMENT_CONFIRMED or PAYMENT_RECEIVED).
	PaymentPaid PaymentEventKind = "PAID"
	// PaymentOverdue: the charge expired unpaid (PAYMENT_OVERDUE).
	PaymentOverdue PaymentEventKind = "OVERDUE"
	// PaymentRemoved: the charge was deleted at the provider (PAYMENT_DELETED).
	PaymentRemoved PaymentEventKind = "REMOVED"
	// PaymentRefunded: the amount went back to the payer (PAYMENT_REFUNDED).
	PaymentRefunded PaymentEventKind = "REFUNDED"
)

// PaymentEvent is a provider's notification about an order's charge, as the payment webhook
// accepted it. It travels on the inbound queue (InboundMessage.Payment) in the customer's
// message group, so it is processed in order with the customer's own messages.
type PaymentEvent struct {
	EventID     string           `json:"eventId"` // the provider's event id: deduplication
	Kind        PaymentEventKind `json:"kind"`
	Type        string           `json:"type"` // the provider's event name, for logs
	PaymentID   string           `json:"paymentId"`
	OrderID     string           `json:"orderId"`
	AmountCents int64            `json:"amountCents"`
	OccurredAt  time.Time        `json:"occurredAt,omitzero"`
}

// PaymentClaimKey is the idempotency key of a payment event: the payment webhook begins it,
// the worker completes it once the event is processed.
func PaymentClaimKey(eventID string) string { return "payment#" + eventID }

// PaymentMessageSid is the MessageSid a payment event carries on the inbound queue (its
// deduplication id there).
func PaymentMessageSid(eventID string) string { return "payment:" + eventID }

// PaymentCredentials are a brand's payment provider credentials (its Asaas secret: the API
// key, and the token Asaas sends on its webhook calls). Never logged.
type PaymentCredentials struct {
	APIKey       string `json:"apiKey"`
	WebhookToken string `json:"webhookToken"`
}

// PaymentCredentialSource returns a brand's payment credentials; ENOTFOUND when the brand has
// none (no secret, or an empty one).
type PaymentCredentialSource interface {
	PaymentCredentials(ctx context.Context, clientID string) (PaymentCredentials, error)
}
