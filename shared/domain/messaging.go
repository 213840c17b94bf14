package domain

import (
	"context"
	"time"
)

// InboundMessage is a customer's WhatsApp message as the webhook accepted it: the contract of
// the inbound FIFO queue between the webhook and the conversation worker (JSON, version 1).
type InboundMessage struct {
	Version     int       `json:"v"`
	ClientID    string    `json:"clientId"`
	MessageSid  string    `json:"messageSid"`
	From        string    `json:"from"` // the customer, whatsapp:+E164
	To          string    `json:"to"`   // the brand's number, whatsapp:+E164
	Body        string    `json:"body"`
	ProfileName string    `json:"profileName,omitempty"`
	NumMedia    int       `json:"numMedia,omitempty"`
	ReceivedAt  time.Time `json:"receivedAt"`
	// Payment, when set, makes this a payment event for the customer's order instead of a
	// WhatsApp message (MessageSid is then PaymentMessageSid, From the order's customer and
	// Body empty).
	Payment *PaymentEvent `json:"payment,omitempty"`
}

// ClaimKey is the idempotency key the webhook began for m: its MessageSid's, or its payment
// event's.
func (m InboundMessage) ClaimKey() string {
	if m.Payment != nil {
		return PaymentClaimKey(m.Payment.EventID)
	}
	return InboundClaimKey(m.MessageSid)
}

// InboundMessageVersion is the current version of the queue contract.
const InboundMessageVersion = 1

// InboundQueue carries accepted messages from the webhook to the worker, in order per
// (client, customer), each MessageSid at most once.
type InboundQueue interface {
	Enqueue(ctx context.Context, m InboundMessage) error
}

// OutboundMessage is a message to a customer. Body is free text, allowed only inside
// WhatsApp's 24-hour customer-service window; outside it ContentSID (an approved template)
// is required.
type OutboundMessage struct {
	ClientID         string            `json:"clientId"`
	From             string            `json:"from"` // the brand's number
	To               string            `json:"to"`   // the customer
	Body             string            `json:"body,omitempty"`
	ContentSID       string            `json:"contentSid,omitempty"`
	ContentVariables map[string]string `json:"contentVariables,omitempty"`
}

// Messenger sends messages to customers on a brand's behalf. Send returns the provider's
// message id.
type Messenger interface {
	Send(ctx context.Context, m OutboundMessage) (string, error)
}

// TwilioCredentials are a brand's Twilio account credentials (Secrets Manager, never logged).
type TwilioCredentials struct {
	AccountSID string `json:"accountSid"`
	AuthToken  string `json:"authToken"`
}

// CredentialSource returns a brand's Twilio credentials; ENOTFOUND when the brand has none.
type CredentialSource interface {
	TwilioCredentials(ctx context.Context, clientID string) (TwilioCredentials, error)
}

// ServiceWindow is WhatsApp's customer-service window: free-text messages may be sent for 24
// hours after the customer's last message.
const ServiceWindow = 24 * time.Hour

// InServiceWindow reports whether free text may be sent at now to a customer whose last
// message arrived at lastInbound.
func InServiceWindow(lastInbound, now time.Time) bool {
	return !lastInbound.IsZero() && now.Sub(lastInbound) < ServiceWindow
}
