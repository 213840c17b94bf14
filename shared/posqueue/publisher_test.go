package posqueue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/posqueue"
)

// recorder is a SendAPI that keeps what it was asked to send.
type recorder struct {
	sent []*sqs.SendMessageInput
	err  error
}

func (r *recorder) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.sent = append(r.sent, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("m1")}, nil
}

func publisher(t *testing.T, api posqueue.SendAPI, tenants *[]string) *posqueue.Publisher {
	t.Helper()
	p, err := posqueue.New(func(_ context.Context, tenant string) (posqueue.SendAPI, error) {
		if tenants != nil {
			*tenants = append(*tenants, tenant)
		}
		return api, nil
	}, func() time.Time { return placed })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPublishSendsToTheStoresQueue(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var tenants []string
	p := publisher(t, rec, &tenants)
	o := pixDelivery()
	before := *o
	if err := p.PublishOrder(domain.NewPlatformContext(context.Background()), store(), o, domain.EventOrderConfirmed); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 1 {
		t.Fatalf("%d messages sent, want 1", len(rec.sent))
	}
	in := rec.sent[0]
	if aws.ToString(in.QueueUrl) != store().SQSQueueURL {
		t.Errorf("queue = %s, want the store's recorded URL", aws.ToString(in.QueueUrl))
	}
	if aws.ToString(in.MessageGroupId) != "K7Q2M9XH4A" || aws.ToString(in.MessageDeduplicationId) != "K7Q2M9XH4A:order.confirmed" {
		t.Errorf("group %q, dedup %q", aws.ToString(in.MessageGroupId), aws.ToString(in.MessageDeduplicationId))
	}
	if err := validate(t, aws.ToString(in.MessageBody)); err != nil {
		t.Errorf("body: %v", err)
	}
	if len(tenants) != 1 || tenants[0] != domaintest.Pizzaria {
		t.Errorf("client asked for tenants %q, want [%s]", tenants, domaintest.Pizzaria)
	}
	if o.CustomerPhone != before.CustomerPhone || o.Version != before.Version {
		t.Error("PublishOrder changed the caller's order")
	}
}

func TestPublishRefuses(t *testing.T) {
	t.Parallel()
	ctx := domain.NewPlatformContext(context.Background())
	noQueue := store()
	noQueue.SQSQueueURL = ""
	otherStore := store()
	otherStore.StoreID = "norte"
	for name, tc := range map[string]struct {
		ctx   context.Context
		store *domain.Store
		order *domain.Order
		event domain.OrderEventType
		code  string
	}{
		"store without a queue": {ctx, noQueue, pixDelivery(), domain.EventOrderConfirmed, domain.EINTERNAL},
		"another store's order": {ctx, otherStore, pixDelivery(), domain.EventOrderConfirmed, domain.EINVALID},
		"another tenant":        {domain.NewContextWithTenant(ctx, domaintest.Burger), store(), pixDelivery(), domain.EventOrderConfirmed, domain.EFORBIDDEN},
		"awaiting payment": {ctx, store(), confirmed("AWAIT00001", func(o *domain.Order) {
			o.Status = domain.OrderAwaitingPayment
		}), domain.EventOrderConfirmed, domain.ECONFLICT},
		"already sent": {ctx, store(), confirmed("SENT000001", func(o *domain.Order) {
			o.Status = domain.OrderSentToPOS
		}), domain.EventOrderConfirmed, domain.ECONFLICT},
		"unknown event":         {ctx, store(), pixDelivery(), "order.eaten", domain.EINVALID},
		"invalid amount":        {ctx, store(), confirmed("AMOUNT0001", func(o *domain.Order) { o.TotalCents = 1 }), domain.EventOrderConfirmed, domain.EINVALID},
		"order id with a space": {ctx, store(), confirmed("BAD ID", nil), domain.EventOrderConfirmed, domain.EINVALID},
		"nameless line":         {ctx, store(), confirmed("NONAME0001", func(o *domain.Order) { o.Lines[1].Name = "" }), domain.EventOrderConfirmed, domain.EINVALID},
		"nil order":             {ctx, store(), nil, domain.EventOrderConfirmed, domain.EINVALID},
		"test order":            {ctx, store(), confirmed("TEST000001", func(o *domain.Order) { o.Test = true }), domain.EventOrderConfirmed, domain.EINVALID},
		"sandbox customer":      {ctx, store(), confirmed("TEST000002", func(o *domain.Order) { o.CustomerPhone = domain.SandboxNumber("user-ana") }), domain.EventOrderConfirmed, domain.EINVALID},
		"nil store":             {ctx, nil, pixDelivery(), domain.EventOrderConfirmed, domain.EINVALID},
		// A cancellation: only of a CANCELLED order that was confirmed first, never of a test order.
		"cancellation of a confirmed order": {ctx, store(), pixDelivery(), domain.EventOrderCancelled, domain.ECONFLICT},
		"confirmation of a cancelled order": {ctx, store(), cancelled(pixDelivery(), "x", false), domain.EventOrderConfirmed, domain.ECONFLICT},
		"cancelled before its confirmation": {ctx, store(), func() *domain.Order {
			o := domaintest.NewOrder(domaintest.Pizzaria, "centro", "UNPAID0001", placed)
			if _, err := o.MoveTo(domain.OrderAwaitingPayment, placed, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := o.MoveTo(domain.OrderCancelled, cancelledAt, "PIX expired"); err != nil {
				t.Fatal(err)
			}
			return o
		}(), domain.EventOrderCancelled, domain.ECONFLICT},
		"cancelled test order": {ctx, store(), cancelled(confirmed("TEST000004", func(o *domain.Order) { o.Test = true }), "x", false), domain.EventOrderCancelled, domain.EINVALID},
	} {
		rec := &recorder{}
		err := publisher(t, rec, nil).PublishOrder(tc.ctx, tc.store, tc.order, tc.event)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != tc.code {
			t.Errorf("%s: error %v, want a domain error %q", name, err, tc.code)
		}
		if len(rec.sent) != 0 {
			t.Errorf("%s: a message was sent", name)
		}
	}
	err := publisher(t, &recorder{}, nil).PublishOrder(ctx, noQueue, pixDelivery(), domain.EventOrderConfirmed)
	if msg := domain.ErrorMessage(err); !strings.Contains(msg, "no order queue") || !strings.Contains(msg, "demo-pizzaria/centro") {
		t.Errorf("message for a store without a queue = %q, want it to name the store and the missing queue", msg)
	}
	err = publisher(t, &recorder{}, nil).PublishOrder(ctx, store(), confirmed("TEST000003", func(o *domain.Order) { o.Test = true }), domain.EventOrderConfirmed)
	if !domain.IsPermanent(err) || !strings.Contains(domain.ErrorMessage(err), "test order") {
		t.Errorf("a test order: %v, want a permanent refusal that says why", err)
	}
	if _, err := posqueue.New(nil, nil); err == nil {
		t.Error("New without a client source succeeded")
	}
}

// A cancellation goes to the store's queue in the order's message group, deduplicated by
// orderId:order.cancelled, with its event type as an attribute.
func TestPublishCancellation(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	p := publisher(t, rec, nil)
	if err := p.PublishOrder(domain.NewPlatformContext(context.Background()), store(), cancelled(pixDelivery(), "Cliente desistiu", true), domain.EventOrderCancelled); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 1 {
		t.Fatalf("%d messages sent, want 1", len(rec.sent))
	}
	in := rec.sent[0]
	if aws.ToString(in.MessageGroupId) != "K7Q2M9XH4A" || aws.ToString(in.MessageDeduplicationId) != "K7Q2M9XH4A:order.cancelled" {
		t.Errorf("group %q, dedup %q", aws.ToString(in.MessageGroupId), aws.ToString(in.MessageDeduplicationId))
	}
	if v := aws.ToString(in.MessageAttributes[posqueue.AttrEventType].StringValue); v != "order.cancelled" {
		t.Errorf("eventType attribute %q", v)
	}
	body := aws.ToString(in.MessageBody)
	if err := validate(t, body); err != nil {
		t.Errorf("body: %v", err)
	}
	if !strings.Contains(body, `"cancellation":{"reason":"Cliente desistiu","refunded":true}`) {
		t.Errorf("body without its cancellation: %s", body)
	}
}

// An SQS failure is an internal error (the caller retries) that keeps its cause for the
// logs and shows users nothing of it.
func TestPublishSQSFailureIsInternal(t *testing.T) {
	t.Parallel()
	cause := errors.New("throttled: account 123456789012")
	err := publisher(t, &recorder{err: cause}, nil).PublishOrder(domain.NewPlatformContext(context.Background()), store(), pixDelivery(), domain.EventOrderConfirmed)
	if !errors.Is(err, cause) || domain.ErrorCode(err) != domain.EINTERNAL || domain.ErrorMessage(err) != "internal error" {
		t.Errorf("error = %v (code %q, message %q), want an internal error wrapping the cause", err, domain.ErrorCode(err), domain.ErrorMessage(err))
	}
	if strings.Contains(err.Error(), "987654321") {
		t.Errorf("the error carries the customer's phone number: %v", err)
	}
}

// The real thing: publish to a FIFO queue in the emulator configured like a store's
// (content-based deduplication off), receive, and check every body against the schema.
func TestPublishToFIFOQueue(t *testing.T) {
	t.Parallel()
	ctx := domain.NewPlatformContext(context.Background())
	client := sqs.NewFromConfig(emulatortest.Config(t))
	name := "wabot-test-" + emulatortest.UniqueSuffix(t) + "-orders.fifo"
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(name),
		Attributes: map[string]string{
			string(types.QueueAttributeNameFifoQueue):                 "true",
			string(types.QueueAttributeNameContentBasedDeduplication): "false",
			string(types.QueueAttributeNameVisibilityTimeout):         "60",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteQueue(domain.NewPlatformContext(context.Background()), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
	})
	s := store()
	s.SQSQueueURL = aws.ToString(q.QueueUrl)

	p := publisher(t, client, nil)
	orders := []*domain.Order{pixDelivery(), cardPickup(), debitDelivery()}
	for _, o := range orders {
		if err := p.PublishOrder(ctx, s, o, domain.EventOrderConfirmed); err != nil {
			t.Fatalf("publish %s: %v", o.OrderID, err)
		}
	}
	// A retried publication within the deduplication window (the worker crashed before
	// marking the order SENT_TO_POS) must not reach the kitchen twice.
	if err := p.PublishOrder(ctx, s, pixDelivery(), domain.EventOrderConfirmed); err != nil {
		t.Fatalf("publish again: %v", err)
	}
	// The pix order is cancelled (twice: a retry): one more message, after its confirmation.
	for range 2 {
		if err := p.PublishOrder(ctx, s, cancelled(pixDelivery(), "Cliente desistiu", true), domain.EventOrderCancelled); err != nil {
			t.Fatalf("publish the cancellation: %v", err)
		}
	}
	events := map[string][]string{} // order id -> event types, as received

	got := map[string]int{}
	for attempt := 0; attempt < 5; attempt++ {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    q.QueueUrl,
			MaxNumberOfMessages:         10,
			WaitTimeSeconds:             1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			body := aws.ToString(m.Body)
			if err := validate(t, body); err != nil {
				t.Errorf("received body violates the contract: %v\n%s", err, body)
			}
			var orderID string
			for _, o := range orders {
				if strings.Contains(body, `"orderId":"`+o.OrderID+`"`) {
					orderID = o.OrderID
				}
			}
			event := aws.ToString(m.MessageAttributes[posqueue.AttrEventType].StringValue)
			events[orderID] = append(events[orderID], event)
			if event == "order.confirmed" {
				got[orderID]++
			}
			if g := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]; g != orderID {
				t.Errorf("order %s: group id %q, want the order id", orderID, g)
			}
			if d := m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)]; d != orderID+":"+event {
				t.Errorf("order %s: deduplication id %q, want %s:%s", orderID, d, orderID, event)
			}
			if v := aws.ToString(m.MessageAttributes[posqueue.AttrSchemaVersion].StringValue); v != posqueue.SchemaVersion {
				t.Errorf("order %s: schemaVersion attribute %q", orderID, v)
			}
			if !strings.Contains(body, `"eventType":"`+event+`"`) {
				t.Errorf("order %s: eventType attribute %q is not the body's", orderID, event)
			}
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) == len(orders) && len(events["K7Q2M9XH4A"]) >= 2 && len(out.Messages) == 0 {
			break
		}
	}
	for _, o := range orders {
		if got[o.OrderID] != 1 {
			t.Errorf("order %s received %d times, want exactly once", o.OrderID, got[o.OrderID])
		}
	}
	if e := events["K7Q2M9XH4A"]; len(e) != 2 || e[0] != "order.confirmed" || e[1] != "order.cancelled" {
		t.Errorf("events of the cancelled order %v, want its confirmation then its cancellation, once each", e)
	}
	if got[""] != 0 {
		t.Errorf("%d messages of no known order", got[""])
	}
}
