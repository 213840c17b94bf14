package wire_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/sqsworker"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// faults is the fixture with a dead-letter queue and a worker wired to it as in AWS: the
// inbound queue's consumer delays retries and parks what can never be processed.
type faults struct {
	*fixture
	tw     *twiliotest.Server
	dlqURL string
	worker *sqsworker.Worker
}

func newFaults(t *testing.T) *faults {
	t.Helper()
	tw := twiliotest.NewServer(t)
	f := newFixtureWith(t, tw)
	ctx := domain.NewPlatformContext(context.Background())
	dlq, err := f.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("dlq-" + strings.TrimPrefix(f.customer, "whatsapp:+") + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = f.sqs.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: dlq.QueueUrl})
	})
	w, err := sqsworker.New(sqsworker.Deps{
		Handle: f.rt.Conversation.HandleBurst, Claims: f.rt.Repos, Apologize: f.rt.Conversation.Apologize,
		Queue: &inboundqueue.Consumer{API: f.sqs, URL: f.queueURL, DLQURL: aws.ToString(dlq.QueueUrl)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &faults{fixture: f, tw: tw, dlqURL: aws.ToString(dlq.QueueUrl), worker: w}
}

// receive takes what the inbound queue holds now, as Lambda's event source hands it over.
func (f *faults) receive(t *testing.T, url string) events.SQSEvent {
	t.Helper()
	out, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		WaitTimeSeconds: 1, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		MessageAttributeNames: []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		r := events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Attributes: m.Attributes, MessageAttributes: map[string]events.SQSMessageAttribute{}}
		for k, v := range m.MessageAttributes {
			r.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: v.StringValue, DataType: aws.ToString(v.DataType)}
		}
		ev.Records = append(ev.Records, r)
	}
	return ev
}

// run hands ev to the worker, deletes what it did not report failed (Lambda's part), and
// returns the failed ids.
func (f *faults) run(t *testing.T, ev events.SQSEvent) []string {
	t.Helper()
	resp, err := f.worker.HandleSQSEvent(domain.NewPlatformContext(context.Background()), ev)
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	var ids []string
	for _, x := range resp.BatchItemFailures {
		failed[x.ItemIdentifier] = true
		ids = append(ids, x.ItemIdentifier)
	}
	for _, r := range ev.Records {
		if !failed[r.MessageId] {
			if _, err := f.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(f.queueURL), ReceiptHandle: aws.String(r.ReceiptHandle)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

func (f *faults) invisible(t *testing.T) string {
	t.Helper()
	out, err := f.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(f.queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)]
}

// Twilio down (500, then 429): the customer's message is reported failed and held back for
// the backoff, not lost and not parked; once Twilio is back its reply goes once, and the
// MessageSid claim is done.
func TestTwilioOutageIsRetriedNotLost(t *testing.T) {
	f := newFaults(t)
	ctx := domain.NewPlatformContext(context.Background())
	d := f.delivery("oi")
	if r := f.hook.Handle(ctx, d); r.Status != 200 {
		t.Fatalf("webhook answered %d", r.Status)
	}
	for _, outage := range []twiliotest.Failure{twiliotest.InternalError, twiliotest.TooManyRequests} {
		f.tw.Fail(&outage)
		ev := f.receive(t, f.queueURL)
		if len(ev.Records) != 1 {
			t.Fatalf("%d records in the queue, want the message", len(ev.Records))
		}
		if failed := f.run(t, ev); len(failed) != 1 {
			t.Fatalf("Twilio %d: failed %v, want the message back in the queue", outage.Status, failed)
		}
		if n := f.invisible(t); n != "1" {
			t.Fatalf("Twilio %d: %s messages held back, want 1 (the backoff)", outage.Status, n)
		}
		// The backoff runs out (here, at once).
		if _, err := f.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(f.queueURL),
			ReceiptHandle: aws.String(ev.Records[0].ReceiptHandle), VisibilityTimeout: 0}); err != nil {
			t.Fatal(err)
		}
	}
	f.tw.Fail(nil)
	ev := f.receive(t, f.queueURL)
	if len(ev.Records) != 1 || ev.Records[0].Attributes["ApproximateReceiveCount"] != "3" {
		t.Fatalf("third receive: %+v", ev.Records)
	}
	if failed := f.run(t, ev); len(failed) != 0 {
		t.Fatalf("failed %v after Twilio came back", failed)
	}
	sent := f.tw.Messages()
	if len(sent) != 1 || !strings.Contains(sent[0].Body, "2. Paulista") {
		t.Fatalf("Twilio accepted %d messages %+v, want the store list once", len(sent), sent)
	}
	// Twilio retries the delivery now: it is acknowledged and not queued again.
	if r := f.hook.Handle(ctx, d); r.Status != 200 {
		t.Fatalf("a retry after processing answered %d", r.Status)
	}
	if ev := f.receive(t, f.queueURL); len(ev.Records) != 0 {
		t.Fatalf("a processed message was queued again")
	}
	if st := f.worker.Stats(); st.Transient != 2 || st.Bursts != 1 || st.Parked != 0 {
		t.Errorf("worker stats %+v", st)
	}
}

// Twilio refuses the number for good (21211) and a record cannot be decoded: both are parked
// in the dead-letter queue at once, with why; another customer in the same batch is served.
func TestPermanentFailuresParkedAtOnce(t *testing.T) {
	f := newFaults(t)
	ctx := domain.NewPlatformContext(context.Background())
	f.customer = twiliotest.InvalidNumber
	if r := f.hook.Handle(ctx, f.delivery("oi")); r.Status != 200 {
		t.Fatalf("webhook answered %d", r.Status)
	}
	if _, err := f.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(f.queueURL), MessageBody: aws.String(`{"v":1,"clientId":`),
		MessageGroupId: aws.String("demo-pizzaria|whatsapp:+5511900000999"), MessageDeduplicationId: aws.String("poison-1")}); err != nil {
		t.Fatal(err)
	}
	f.customer = "whatsapp:+5511955000123"
	if r := f.hook.Handle(ctx, f.delivery("oi")); r.Status != 200 {
		t.Fatalf("webhook answered %d", r.Status)
	}
	ev := f.receive(t, f.queueURL)
	if len(ev.Records) != 3 {
		t.Fatalf("%d records, want 3", len(ev.Records))
	}
	if failed := f.run(t, ev); len(failed) != 0 {
		t.Fatalf("failed %v: permanent failures are not retried", failed)
	}
	parked := f.receive(t, f.dlqURL)
	if len(parked.Records) != 2 {
		t.Fatalf("%d records in the dead-letter queue, want 2", len(parked.Records))
	}
	why := map[string]string{}
	for _, r := range parked.Records {
		if c := r.MessageAttributes[inboundqueue.AttrErrorClass].StringValue; c == nil || *c != "permanent" {
			t.Errorf("parked record class %v", c)
		}
		why[r.Attributes["MessageGroupId"]] = aws.ToString(r.MessageAttributes[inboundqueue.AttrError].StringValue)
	}
	if !strings.Contains(why["demo-pizzaria|"+twiliotest.InvalidNumber], "21211") || !strings.Contains(why["demo-pizzaria|whatsapp:+5511900000999"], "not JSON") {
		t.Errorf("parked with %v", why)
	}
	sent := f.tw.Messages()
	if len(sent) != 1 || sent[0].To != "whatsapp:+5511955000123" {
		t.Fatalf("Twilio accepted %+v, want only the other customer's store list", sent)
	}
	if ev := f.receive(t, f.queueURL); len(ev.Records) != 0 {
		t.Fatalf("%d records left in the inbound queue", len(ev.Records))
	}
}
