// Package inboundqueue is the SQS adapter of the inbound FIFO queue: the webhook enqueues accepted
// messages (domain.InboundQueue), the worker consumes them in order per customer. In AWS the
// consumer is Lambda's SQS event source; locally, Poller plays that part against the emulator.
package inboundqueue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// SendAPI is the slice of SQS the producer calls.
type SendAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Inbound enqueues accepted messages on the inbound FIFO queue.
type Inbound struct {
	url string
	api func(ctx context.Context, tenant string) (SendAPI, error)
}

// NewInbound returns the producer for the queue at url; api gives the SQS client of a tenant.
func NewInbound(url string, api func(ctx context.Context, tenant string) (SendAPI, error)) (*Inbound, error) {
	if url == "" || api == nil {
		return nil, fmt.Errorf("queue: the inbound queue URL and an SQS client are required")
	}
	return &Inbound{url: url, api: api}, nil
}

// GroupID is the FIFO message group of a customer of a brand: messages of one customer are
// delivered in order, one at a time; different customers proceed in parallel.
func GroupID(clientID, from string) string { return clientID + "|" + from }

// maxDeduplicationID is SQS's bound on a MessageDeduplicationId.
const maxDeduplicationID = 128

// DeduplicationID is the SQS MessageDeduplicationId of a MessageSid: the sid itself when SQS
// takes it (at most 128 characters, each a letter, a digit or ASCII punctuation; a Twilio
// MessageSid, a payment event's domain.PaymentMessageSid), otherwise the hex SHA-256 of it,
// which is as unique and always fits.
func DeduplicationID(messageSid string) string {
	if messageSid != "" && len(messageSid) <= maxDeduplicationID && resourcenames.SQSIDChars(messageSid) {
		return messageSid
	}
	sum := sha256.Sum256([]byte(messageSid))
	return hex.EncodeToString(sum[:])
}

// Enqueue implements domain.InboundQueue. The MessageSid (through DeduplicationID) is the
// deduplication id, so a retry within SQS's five-minute window is dropped by SQS as well as
// by the idempotency table. A payment event (m.Payment) goes in its customer's group like a
// message, so the worker takes it in order with the customer's own messages.
func (q *Inbound) Enqueue(ctx context.Context, m domain.InboundMessage) error {
	if m.Version == 0 {
		m.Version = domain.InboundMessageVersion
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("queue: encode message: %w", err)
	}
	api, err := q.api(ctx, m.ClientID)
	if err != nil {
		return err
	}
	_, err = api.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:               aws.String(q.url),
		MessageBody:            aws.String(string(body)),
		MessageGroupId:         aws.String(GroupID(m.ClientID, m.From)),
		MessageDeduplicationId: aws.String(DeduplicationID(m.MessageSid)),
	})
	if err != nil {
		return fmt.Errorf("queue: send to the inbound queue: %w", err)
	}
	return nil
}

// Decode parses a queue message body, refusing one of an unknown contract version. From is
// not checked to be a WhatsApp address: a payment event of a customer erased under the LGPD
// carries the order's pseudonym (domain.PseudonymPrefix).
func Decode(body string) (domain.InboundMessage, error) {
	var m domain.InboundMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return m, domain.Errorf(domain.EINVALID, "inbound message is not JSON: %v", err)
	}
	if m.Version != domain.InboundMessageVersion {
		return m, domain.Errorf(domain.EINVALID, "inbound message version %d is not supported", m.Version)
	}
	if m.ClientID == "" || m.MessageSid == "" || m.From == "" || m.To == "" {
		return m, domain.Errorf(domain.EINVALID, "inbound message lacks clientId, messageSid, from or to")
	}
	if p := m.Payment; p != nil && (p.EventID == "" || p.Kind == "" || p.OrderID == "") {
		// Its claim (domain.PaymentClaimKey) and its order could not be found.
		return m, domain.Errorf(domain.EINVALID, "inbound payment event lacks eventId, kind or orderId")
	}
	return m, nil
}
