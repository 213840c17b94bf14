package inboundqueue_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
)

// fifo creates a FIFO queue with a dead-letter queue, like the template's inbound inboundqueue.
func fifo(t *testing.T, client *sqs.Client) (url, dlqURL string) {
	t.Helper()
	ctx := context.Background()
	name := "wabot-test-" + emulatortest.UniqueSuffix(t)
	dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq.fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"), Attributes: map[string]string{
		"FifoQueue": "true", "VisibilityTimeout": "30",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, attrs.Attributes["QueueArn"]),
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		_, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: dlq.QueueUrl})
	})
	return aws.ToString(q.QueueUrl), aws.ToString(dlq.QueueUrl)
}

func msg(from string, n int) domain.InboundMessage {
	return domain.InboundMessage{ClientID: "demo-burger", MessageSid: fmt.Sprintf("SM%032d", n), From: from,
		To: "whatsapp:+5511990000002", Body: fmt.Sprintf("message %d", n), ReceivedAt: time.Now().UTC()}
}

func TestEnqueueThenPollInOrderWithRetry(t *testing.T) {
	client := sqs.NewFromConfig(emulatortest.Config(t))
	url, dlqURL := fifo(t, client)
	in, err := inboundqueue.NewInbound(url, func(context.Context, string) (inboundqueue.SendAPI, error) { return client, nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alice, bob := "whatsapp:+5511911110001", "whatsapp:+5511911110002"
	for i := 1; i <= 5; i++ {
		if err := in.Enqueue(ctx, msg(alice, i)); err != nil {
			t.Fatal(err)
		}
		if err := in.Enqueue(ctx, msg(bob, 100+i)); err != nil {
			t.Fatal(err)
		}
	}
	// The same MessageSid again: SQS deduplicates it.
	if err := in.Enqueue(ctx, msg(alice, 1)); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	got := map[string][]string{}
	failedOnce := false
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	consumer := &inboundqueue.Consumer{API: client, URL: url, DLQURL: dlqURL}
	retried := 0
	p := &inboundqueue.Poller{API: client, URL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Process: func(ctx context.Context, records []inboundqueue.Record) []string {
			mu.Lock()
			defer mu.Unlock()
			var failed []string
			failedGroup := ""
			for _, r := range records {
				m, err := inboundqueue.Decode(r.Body)
				if err != nil {
					t.Errorf("decode: %v", err)
					return nil
				}
				if r.GroupID != inboundqueue.GroupID(m.ClientID, m.From) || r.ReceiveCount < 1 {
					t.Errorf("record attributes: group %q, receive count %d", r.GroupID, r.ReceiveCount)
				}
				// As the worker does: a failure fails the rest of its group only, and is
				// tried again after a delay.
				if r.GroupID == failedGroup || (m.Body == "message 3" && !failedOnce) {
					failedOnce, failedGroup = true, r.GroupID
					failed = append(failed, r.ID)
					if err := consumer.Delay(ctx, r, time.Second); err != nil {
						t.Errorf("delay: %v", err)
					}
					continue
				}
				if m.Body == "message 3" {
					retried = r.ReceiveCount
				}
				got[m.From] = append(got[m.From], m.Body)
			}
			if len(got[alice]) == 5 && len(got[bob]) == 5 {
				cancel()
			}
			return failed
		}}
	p.Run(pctx)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"message 1", "message 2", "message 3", "message 4", "message 5"}
	if fmt.Sprint(got[alice]) != fmt.Sprint(want) {
		t.Errorf("alice's messages %v, want %v in order, each once", got[alice], want)
	}
	if len(got[bob]) != 5 {
		t.Errorf("bob's messages %v", got[bob])
	}
	if !failedOnce || retried < 2 {
		t.Errorf("the failure path was not exercised (failed %v, message 3 received %d times)", failedOnce, retried)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlqURL), AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := attrs.Attributes["ApproximateNumberOfMessages"]; n != "0" {
		t.Errorf("%s messages in the DLQ after a single retry", n)
	}
}

func TestDecodeRefusesBadMessages(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        "{",
		"unknown version": `{"v":2,"clientId":"a","messageSid":"SM1","from":"x","to":"y"}`,
		"missing fields":  `{"v":1,"clientId":"a"}`,
	} {
		if _, err := inboundqueue.Decode(body); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A message that always fails is parked in the dead-letter queue after maxReceiveCount
// deliveries, and does not hold up the queue for good.
func TestPoisonMessageEndsInDeadLetterQueue(t *testing.T) {
	client := sqs.NewFromConfig(emulatortest.Config(t))
	url, dlqURL := fifo(t, client)
	in, err := inboundqueue.NewInbound(url, func(context.Context, string) (inboundqueue.SendAPI, error) { return client, nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	poison := msg("whatsapp:+5511911110003", 1)
	poison.Body = "poison"
	if err := in.Enqueue(ctx, poison); err != nil {
		t.Fatal(err)
	}
	consumer := &inboundqueue.Consumer{API: client, URL: url, DLQURL: dlqURL}
	p := &inboundqueue.Poller{API: client, URL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Process: func(ctx context.Context, records []inboundqueue.Record) []string {
			ids := make([]string, len(records))
			for i, r := range records {
				ids[i] = r.ID
				_ = consumer.Delay(ctx, r, 0)
			}
			return ids
		}}
	go p.Run(ctx)
	for ctx.Err() == nil {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), WaitTimeSeconds: 1})
		if err == nil && len(out.Messages) == 1 {
			m, err := inboundqueue.Decode(aws.ToString(out.Messages[0].Body))
			if err != nil || m.Body != "poison" {
				t.Fatalf("dead-letter message %+v %v", m, err)
			}
			cancel()
			return
		}
	}
	t.Fatal("the failing message never reached the dead-letter queue")
}

// The worker parks a record it can never process in the dead-letter queue itself: as it came,
// in its group, with why.
func TestParkKeepsBodyGroupAndCause(t *testing.T) {
	client := sqs.NewFromConfig(emulatortest.Config(t))
	url, dlqURL := fifo(t, client)
	ctx := context.Background()
	consumer := &inboundqueue.Consumer{API: client, URL: url, DLQURL: dlqURL}
	rec := inboundqueue.Record{ID: "0f1e2d3c-aaaa-bbbb-cccc-000000000001", Body: `{"v":99}`, GroupID: "demo-burger|whatsapp:+5511911110009"}
	cause := domain.Errorf(domain.EINVALID, "inbound message version 99 is not supported")
	if err := consumer.Park(ctx, rec, cause); err != nil {
		t.Fatal(err)
	}
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), WaitTimeSeconds: 1,
		MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("dead-letter queue: %v %v", out, err)
	}
	m := out.Messages[0]
	if aws.ToString(m.Body) != rec.Body || m.Attributes["MessageGroupId"] != rec.GroupID {
		t.Errorf("parked %q in group %q", aws.ToString(m.Body), m.Attributes["MessageGroupId"])
	}
	attr := func(n string) string { return aws.ToString(m.MessageAttributes[n].StringValue) }
	if attr(inboundqueue.AttrErrorClass) != "permanent" || !strings.Contains(attr(inboundqueue.AttrError), "version 99") || attr(inboundqueue.AttrSourceID) != rec.ID {
		t.Errorf("attributes %v", m.MessageAttributes)
	}
}

// flakyDeletes serves one message and refuses the first delete, as a restarting emulator does.
type flakyDeletes struct {
	mu       sync.Mutex
	served   bool
	deletes  int
	deleted  chan struct{}
	refusals int
}

func (f *flakyDeletes) ReceiveMessage(ctx context.Context, _ *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.served {
		return &sqs.ReceiveMessageOutput{}, nil
	}
	f.served = true
	return &sqs.ReceiveMessageOutput{Messages: []types.Message{{MessageId: aws.String("m1"), Body: aws.String("{}"), ReceiptHandle: aws.String("rh1")}}}, nil
}

func (f *flakyDeletes) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	if f.deletes <= f.refusals {
		return nil, fmt.Errorf("connection refused")
	}
	close(f.deleted)
	return &sqs.DeleteMessageOutput{}, nil
}

func (f *flakyDeletes) ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

// A processed message whose delete fails is deleted later, not left to come back and have
// its replies sent again.
func TestFailedDeleteIsRetried(t *testing.T) {
	api := &flakyDeletes{refusals: 1, deleted: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &inboundqueue.Poller{API: api, URL: "q", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Wait: 10 * time.Millisecond,
		Process: func(context.Context, []inboundqueue.Record) []string { return nil }}
	go p.Run(ctx)
	select {
	case <-api.deleted:
	case <-time.After(20 * time.Second):
		t.Fatal("the processed message was never deleted")
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.deletes != 2 {
		t.Errorf("%d delete calls, want 2 (one refused, one retried)", api.deletes)
	}
}

// recordingSend captures what Enqueue sends.
type recordingSend struct{ in []*sqs.SendMessageInput }

func (r *recordingSend) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	r.in = append(r.in, in)
	return &sqs.SendMessageOutput{}, nil
}

// sqsDedupID reports whether id is a MessageDeduplicationId SQS takes: SQS's documented
// alphabet, at most 128 characters.
func sqsDedupID(id string) bool {
	const punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(punct, c)) {
			return false
		}
	}
	return true
}

func TestDeduplicationID(t *testing.T) {
	twilio := fmt.Sprintf("SM%032d", 7)
	asaas := domain.PaymentMessageSid("evt_05b708f961d739ea7eba7e4db318f621&368604920")
	for _, sid := range []string{twilio, asaas, "payment:" + strings.Repeat("x", 120)} {
		if got := inboundqueue.DeduplicationID(sid); got != sid || !sqsDedupID(got) {
			t.Errorf("%q fits SQS and is its own id, got %q", sid, got)
		}
	}
	long := "payment:" + strings.Repeat("e", 121) // 129 characters
	odd := []string{long, "payment:evt 1", "payment:évt", "payment:evt\n1", "payment:\x00", ""}
	seen := map[string]string{}
	for _, sid := range odd {
		got := inboundqueue.DeduplicationID(sid)
		if !sqsDedupID(got) || len(got) != 64 {
			t.Errorf("%q: id %q is not a 64-character hex digest SQS takes", sid, got)
		}
		if got != inboundqueue.DeduplicationID(sid) {
			t.Errorf("%q: the id is not stable", sid)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%q and %q share the id %q", prev, sid, got)
		}
		seen[got] = sid
	}
	if inboundqueue.DeduplicationID(long) == inboundqueue.DeduplicationID(long+"x") {
		t.Error("two long sids share an id")
	}
}

func paymentMsg(eventID string) domain.InboundMessage {
	return domain.InboundMessage{ClientID: "demo-burger", MessageSid: domain.PaymentMessageSid(eventID),
		From: "whatsapp:+5511911110004", To: "whatsapp:+5511990000002", ReceivedAt: time.Now().UTC(),
		Payment: &domain.PaymentEvent{EventID: eventID, Kind: domain.PaymentPaid, Type: "PAYMENT_RECEIVED",
			PaymentID: "pay_080225913252", OrderID: "o-1", AmountCents: 5790}}
}

// A payment event is sent in its customer's group with a deduplication id SQS accepts, even
// for an event id SQS would refuse as one.
func TestEnqueuePaymentEventIDs(t *testing.T) {
	rec := &recordingSend{}
	in, err := inboundqueue.NewInbound("q", func(context.Context, string) (inboundqueue.SendAPI, error) { return rec, nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"evt_05b708f961d739ea7eba7e4db318f621&368604920", "evt " + strings.Repeat("9", 200)} {
		if err := in.Enqueue(ctx, paymentMsg(id)); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.in) != 2 {
		t.Fatalf("%d sends", len(rec.in))
	}
	for i, s := range rec.in {
		if got := aws.ToString(s.MessageGroupId); got != inboundqueue.GroupID("demo-burger", "whatsapp:+5511911110004") {
			t.Errorf("send %d: group %q", i, got)
		}
		if id := aws.ToString(s.MessageDeduplicationId); !sqsDedupID(id) {
			t.Errorf("send %d: deduplication id %q", i, id)
		}
		m, err := inboundqueue.Decode(aws.ToString(s.MessageBody))
		if err != nil || m.Payment == nil || m.Payment.AmountCents != 5790 || m.Version != domain.InboundMessageVersion {
			t.Errorf("send %d decodes as %+v, %v", i, m, err)
		}
	}
	if got := aws.ToString(rec.in[0].MessageDeduplicationId); got != domain.PaymentMessageSid("evt_05b708f961d739ea7eba7e4db318f621&368604920") {
		t.Errorf("an id that fits is kept: %q", got)
	}
}

// Through the emulator: a payment event with an id too long for SQS is queued, and the same
// event again is dropped by SQS's deduplication.
func TestEnqueuePaymentEventOnTheQueue(t *testing.T) {
	client := sqs.NewFromConfig(emulatortest.Config(t))
	url, _ := fifo(t, client)
	in, err := inboundqueue.NewInbound(url, func(context.Context, string) (inboundqueue.SendAPI, error) { return client, nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	long := "evt_" + strings.Repeat("a1", 80) + "&368604920"
	for range 2 {
		if err := in.Enqueue(ctx, paymentMsg(long)); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Enqueue(ctx, msg("whatsapp:+5511911110004", 1)); err != nil {
		t.Fatal(err)
	}
	var got []domain.InboundMessage
	for range 5 {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			d, err := inboundqueue.Decode(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, d)
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) >= 2 {
			break
		}
	}
	if len(got) != 2 || got[0].Payment == nil || got[0].Payment.EventID != long || got[1].Payment != nil {
		t.Fatalf("received %+v, want the payment event once, then the message, in order", got)
	}
}

func TestDecodePaymentEvents(t *testing.T) {
	ok := map[string]string{
		"a payment event": `{"v":1,"clientId":"a","messageSid":"payment:evt_1","from":"whatsapp:+5511911110004","to":"whatsapp:+5511990000002",` +
			`"payment":{"eventId":"evt_1","kind":"PAID","type":"PAYMENT_RECEIVED","paymentId":"pay_1","orderId":"o-1","amountCents":5790}}`,
		"an erased customer's": `{"v":1,"clientId":"a","messageSid":"payment:evt_2","from":"anon:abcdefghijklmnop","to":"whatsapp:+5511990000002",` +
			`"payment":{"eventId":"evt_2","kind":"REFUNDED","type":"PAYMENT_REFUNDED","paymentId":"pay_1","orderId":"o-1","amountCents":5790}}`,
	}
	for name, body := range ok {
		m, err := inboundqueue.Decode(body)
		if err != nil || m.Payment == nil || m.ClaimKey() != domain.PaymentClaimKey(m.Payment.EventID) {
			t.Errorf("%s: %+v, %v", name, m, err)
		}
	}
	bad := map[string]string{
		"no event id": `{"v":1,"clientId":"a","messageSid":"payment:","from":"x","to":"y","payment":{"kind":"PAID","orderId":"o-1"}}`,
		"no kind":     `{"v":1,"clientId":"a","messageSid":"payment:e","from":"x","to":"y","payment":{"eventId":"e","orderId":"o-1"}}`,
		"no order":    `{"v":1,"clientId":"a","messageSid":"payment:e","from":"x","to":"y","payment":{"eventId":"e","kind":"PAID"}}`,
		"no from":     `{"v":1,"clientId":"a","messageSid":"payment:e","to":"y","payment":{"eventId":"e","kind":"PAID","orderId":"o-1"}}`,
	}
	for name, body := range bad {
		if _, err := inboundqueue.Decode(body); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}
