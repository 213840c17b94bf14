// Package posqueue is the SQS adapter of domain.OrderPublisher: it hands order events to a
// store's point of sale through the store's FIFO queue. The message body is a versioned JSON
// contract (Message; docs/pos-contract.md and docs/pos-contract.schema.json) that POS
// integrators code against, so its Go types live here for tests and tools to share.
package posqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// SendAPI is the slice of SQS the publisher calls.
type SendAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// ClientSource returns the SQS client for tenant's queues, so tenant-scoped credentials can
// plug in (like dynamo.ClientSource).
type ClientSource func(ctx context.Context, tenant string) (SendAPI, error)

// Message attributes copied from the body, so a POS can route or skip an event without
// parsing it. The body stays the source of truth.
const (
	AttrSchemaVersion = "schemaVersion"
	AttrEventType     = "eventType"
)

// Publisher implements domain.OrderPublisher over SQS. It is safe for concurrent use.
type Publisher struct {
	src ClientSource
	now func() time.Time
}

var _ domain.OrderPublisher = (*Publisher)(nil)

// New returns a publisher that gets its SQS clients from src; now is the clock (nil:
// time.Now), used only when an order's history does not say when it was confirmed.
func New(src ClientSource, now func() time.Time) (*Publisher, error) {
	if src == nil {
		return nil, errors.New("posqueue: an SQS client source is required")
	}
	if now == nil {
		now = time.Now
	}
	return &Publisher{src: src, now: now}, nil
}

// PublishOrder implements domain.OrderPublisher. The event goes to store.SQSQueueURL (the URL
// recorded when the store was provisioned, never rebuilt from a name) with
//
//   - MessageGroupId = orderId: events of one order arrive in order; orders of a store are
//     independent, so one order a POS cannot process does not hold up the others;
//   - MessageDeduplicationId = orderId:eventType: publishing the same event twice within SQS's
//     five-minute window delivers it once. Beyond the window the caller's order status
//     (SENT_TO_POS) is what keeps an order from being published again.
//
// The order must have the status its event announces: CONFIRMED for order.confirmed,
// CANCELLED for order.cancelled. A cancellation is for an order the POS may have received:
// one that was confirmed before it was cancelled (its history says so). The caller publishes
// it only when the order had reached the POS (it was SENT_TO_POS, or CONFIRMED and perhaps
// published), never for a test order.
//
// Errors: EFORBIDDEN when ctx carries another tenant; EINVALID (permanent) for a test order
// or a sandbox customer's, an order that is not the store's, or is invalid; ECONFLICT for an
// order without the event's status, or a cancelled order that was never confirmed; EINTERNAL
// with a clear message for a store without a queue; an internal error when SQS fails (retry).
func (p *Publisher) PublishOrder(ctx context.Context, store *domain.Store, o *domain.Order, event domain.OrderEventType) error {
	if store == nil || o == nil {
		return domain.Errorf(domain.EINVALID, "a store and an order are required to publish an order event")
	}
	if err := domain.CheckTenant(ctx, store.ClientID); err != nil {
		return err
	}
	if err := check(store, o, event); err != nil {
		return err
	}
	body, err := json.Marshal(Build(store, o, event, p.now()))
	if err != nil {
		return fmt.Errorf("posqueue: encode order %s: %w", o.OrderID, err)
	}
	api, err := p.src(ctx, store.ClientID)
	if err != nil {
		return fmt.Errorf("posqueue: SQS client for tenant %q: %w", store.ClientID, err)
	}
	if api == nil {
		return fmt.Errorf("posqueue: no SQS client for tenant %q", store.ClientID)
	}
	_, err = api.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:               aws.String(store.SQSQueueURL),
		MessageBody:            aws.String(string(body)),
		MessageGroupId:         aws.String(GroupID(o.OrderID)),
		MessageDeduplicationId: aws.String(EventID(o.OrderID, event)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			AttrSchemaVersion: {DataType: aws.String("String"), StringValue: aws.String(SchemaVersion)},
			AttrEventType:     {DataType: aws.String("String"), StringValue: aws.String(string(event))},
		},
	})
	if err != nil {
		// The queue URL names the brand and store, never the customer: safe for logs.
		return fmt.Errorf("posqueue: send order %s to %s: %w", o.OrderID, store.SQSQueueURL, err)
	}
	return nil
}

// GroupID is the FIFO message group of an order's events.
func GroupID(orderID string) string { return orderID }

// check refuses what must never reach a POS: a test order (the admin's sandbox, Order.Test or
// a sandbox customer), an order of another store (another brand's kitchen would see a
// customer's address), an invalid order, an order that is not confirmed (a PIX order is
// announced as PAID), the cancellation of an order that was never confirmed (no POS ever
// had it), an event this contract does not define, or a store without a queue.
func check(store *domain.Store, o *domain.Order, event domain.OrderEventType) error {
	want, known := statusOf[event]
	if !known {
		return domain.Errorf(domain.EINVALID, "order event %q is not part of the POS contract %s", event, SchemaVersion)
	}
	if o.Test || domain.IsSandboxNumber(o.CustomerPhone) {
		return domain.Errorf(domain.EINVALID, "order %s is a test order (the sandbox): it is never sent to a point of sale", o.OrderID)
	}
	if o.ClientID != store.ClientID || o.StoreID != store.StoreID {
		return domain.Errorf(domain.EINVALID, "order %s belongs to store %s/%s, not to %s/%s", o.OrderID, o.ClientID, o.StoreID, store.ClientID, store.StoreID)
	}
	if !validSQSID(o.OrderID) {
		return domain.Errorf(domain.EINVALID, "order id %q cannot be a message group id (1 to 64 printable ASCII characters, no spaces)", o.OrderID)
	}
	for _, l := range o.Lines {
		if l.ItemID == "" || l.Name == "" {
			return domain.Errorf(domain.EINVALID, "order %s has a line without an item id or name", o.OrderID)
		}
		for _, op := range l.Options {
			if op.OptionID == "" || op.Name == "" || op.PriceDeltaCents < 0 {
				return domain.Errorf(domain.EINVALID, "order %s: item %s has an option without an id, a name or a valid price", o.OrderID, l.ItemID)
			}
		}
	}
	v := *o // Validate normalises in place: the caller's order stays as it is
	if err := v.Validate(); err != nil {
		return err
	}
	if o.Status != want {
		return domain.Errorf(domain.ECONFLICT, "order %s is %s: only a %s order is published as %s", o.OrderID, o.Status, want, event)
	}
	if event == domain.EventOrderCancelled && !wasConfirmed(o) {
		return domain.Errorf(domain.ECONFLICT, "order %s was cancelled before it was confirmed: no point of sale ever received it", o.OrderID)
	}
	if store.SQSQueueURL == "" {
		return domain.Errorf(domain.EINTERNAL, "store %s/%s has no order queue configured (sqsQueueUrl): its orders cannot reach its point of sale until it is provisioned", store.ClientID, store.StoreID)
	}
	return nil
}

// wasConfirmed reports whether o's history has it confirmed (or sent to the POS) at some point.
func wasConfirmed(o *domain.Order) bool {
	for _, h := range o.StatusHistory {
		if h.Status == domain.OrderConfirmed || h.Status == domain.OrderSentToPOS {
			return true
		}
	}
	return false
}

// validSQSID reports whether id fits a FIFO group or deduplication id (printable ASCII, no
// space) with room for ":" and the event type within SQS's 128 characters.
func validSQSID(id string) bool {
	return id != "" && len(id) <= 64 && resourcenames.SQSIDChars(id)
}
