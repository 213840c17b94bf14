package sqsworker_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/sqsworker"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
)

func bodyFrom(t *testing.T, sid, from string) string {
	t.Helper()
	b, err := json.Marshal(domain.InboundMessage{Version: 1, ClientID: "demo-burger", MessageSid: sid,
		From: from, To: "whatsapp:+5511990000002", Body: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	ana  = "whatsapp:+5511987654321"
	bia  = "whatsapp:+5511987654322"
	caio = "whatsapp:+5511987654323"
)

func body(t *testing.T, sid string) string { return bodyFrom(t, sid, ana) }

func sids(msgs []domain.InboundMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.MessageSid)
	}
	return out
}

// fakeQueue records what the worker asks of the queue.
type fakeQueue struct {
	mu       sync.Mutex
	delays   map[string]time.Duration
	parked   map[string]string // record id -> error
	failPark bool
}

func newFakeQueue() *fakeQueue {
	return &fakeQueue{delays: map[string]time.Duration{}, parked: map[string]string{}}
}

func (q *fakeQueue) Delay(_ context.Context, r inboundqueue.Record, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delays[r.ID] = d
	return nil
}

func (q *fakeQueue) Park(_ context.Context, r inboundqueue.Record, cause error) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failPark {
		return errors.New("sqs unavailable")
	}
	q.parked[r.ID] = cause.Error()
	return nil
}

type fakeClaims struct {
	mu   sync.Mutex
	done []string
}

func (c *fakeClaims) Complete(_ context.Context, clientID string, keys []string, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = append(c.done, keys...)
	return nil
}

func newWorker(t *testing.T, d sqsworker.Deps) *sqsworker.Worker {
	t.Helper()
	w, err := sqsworker.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// rec is a record as SQS delivers it: with its group and receive count.
func rec(t *testing.T, sid, from string) inboundqueue.Record {
	return inboundqueue.Record{ID: "id-" + sid, Body: bodyFrom(t, sid, from), ReceiptHandle: "rh-" + sid,
		GroupID: inboundqueue.GroupID("demo-burger", from), ReceiveCount: 1}
}

// twilioRefusal is a permanent refusal by the messenger (like twilio.Error for 21211).
type twilioRefusal struct{}

func (twilioRefusal) Error() string   { return "twilio: HTTP 400, error 21211: invalid To" }
func (twilioRefusal) Permanent() bool { return true }

// One customer's messages in a batch are one burst, in order; customers are bursts of their
// own, in the order they first appear.
func TestBurstsPerCustomerInOrder(t *testing.T) {
	var seen [][]string
	claims := &fakeClaims{}
	w := newWorker(t, sqsworker.Deps{Handle: func(ctx context.Context, msgs []domain.InboundMessage) error {
		if domain.TenantFromContext(ctx) != msgs[0].ClientID {
			t.Errorf("tenant %q not in context", msgs[0].ClientID)
		}
		seen = append(seen, sids(msgs))
		return nil
	}, Claims: claims})
	records := []inboundqueue.Record{rec(t, "SM1", ana), rec(t, "SM2", bia), rec(t, "SM3", ana), rec(t, "SM4", caio), rec(t, "SM5", ana)}
	if failed := w.Process(context.Background(), records); failed != nil {
		t.Fatalf("failed %v", failed)
	}
	want := [][]string{{"SM1", "SM3", "SM5"}, {"SM2"}, {"SM4"}}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("bursts %v, want %v", seen, want)
	}
	if len(claims.done) != 5 || claims.done[0] != domain.InboundClaimKey("SM1") {
		t.Errorf("claims completed %v, want the five MessageSids", claims.done)
	}
}

// A transient failure fails its customer's group only, and delays it by the backoff; other
// customers in the batch, before and after it, are processed and deleted.
func TestTransientFailureStaysInItsGroup(t *testing.T) {
	var seen [][]string
	q := newFakeQueue()
	w := newWorker(t, sqsworker.Deps{Handle: func(ctx context.Context, msgs []domain.InboundMessage) error {
		seen = append(seen, sids(msgs))
		if msgs[0].From == bia {
			return errors.New("twilio: HTTP 503") // transient
		}
		return nil
	}, Queue: q})
	var ev events.SQSEvent
	for _, r := range []struct{ sid, from string }{{"SM1", ana}, {"SM2", bia}, {"SM3", caio}, {"SM4", bia}, {"SM5", ana}} {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "id-" + r.sid, Body: bodyFrom(t, r.sid, r.from), ReceiptHandle: "rh-" + r.sid,
			Attributes: map[string]string{"MessageGroupId": inboundqueue.GroupID("demo-burger", r.from), "ApproximateReceiveCount": "2"}})
	}
	resp, err := w.HandleSQSEvent(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"SM1", "SM5"}, {"SM2", "SM4"}, {"SM3"}}; !reflect.DeepEqual(seen, want) {
		t.Errorf("handled %v, want %v: other customers go on", seen, want)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !reflect.DeepEqual(failed, []string{"id-SM2", "id-SM4"}) {
		t.Errorf("reported %v, want only the failed customer's records", failed)
	}
	// Second receive: 30 s ±20%.
	for _, id := range []string{"id-SM2", "id-SM4"} {
		if d := q.delays[id]; d < 24*time.Second || d > 36*time.Second {
			t.Errorf("retry delay of %s = %s, want about 30s (second receive)", id, d)
		}
	}
	if len(q.delays) != 2 || len(q.parked) != 0 {
		t.Errorf("delays %v, parked %v", q.delays, q.parked)
	}
	if st := w.Stats(); st.Transient != 1 || st.Bursts != 2 {
		t.Errorf("stats %+v", st)
	}
}

// A permanent failure is parked at once (not retried five times), the customer gets an
// apology where one can be sent, the claims are completed, and nothing is reported failed.
func TestPermanentFailureIsParkedAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		apologise bool
	}{
		{"a message the engine refuses", domain.Errorf(domain.EINVALID, "a burst holds the messages of one customer"), true},
		{"the messenger refuses the number", twilioRefusal{}, false},
		{"the brand is gone", domain.Errorf(domain.ENOTFOUND, "client not found"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newFakeQueue()
			claims := &fakeClaims{}
			var apologised []string
			w := newWorker(t, sqsworker.Deps{
				Handle: func(ctx context.Context, msgs []domain.InboundMessage) error {
					if msgs[0].From == ana {
						return tc.err
					}
					return nil
				},
				Queue: q, Claims: claims,
				Apologize: func(_ context.Context, msgs []domain.InboundMessage) error {
					apologised = append(apologised, msgs[0].From)
					return nil
				},
			})
			failed := w.Process(context.Background(), []inboundqueue.Record{rec(t, "SM1", ana), rec(t, "SM2", bia), rec(t, "SM3", ana)})
			if len(failed) != 0 {
				t.Errorf("reported failed %v: a permanent failure is not retried", failed)
			}
			if len(q.parked) != 2 || q.parked["id-SM1"] == "" || q.parked["id-SM3"] == "" {
				t.Errorf("parked %v, want SM1 and SM3", q.parked)
			}
			if got := len(apologised) == 1; got != tc.apologise {
				t.Errorf("apologised to %v, want apology %v", apologised, tc.apologise)
			}
			if len(claims.done) != 3 {
				t.Errorf("claims completed %v, want all three", claims.done)
			}
		})
	}
}

// A record that cannot be decoded is parked in the dead-letter queue; the rest of its group
// (and the batch) goes on. If the dead-letter queue cannot be reached, the group waits.
func TestUndecodableRecordIsParked(t *testing.T) {
	var seen [][]string
	q := newFakeQueue()
	w := newWorker(t, sqsworker.Deps{Handle: func(_ context.Context, msgs []domain.InboundMessage) error {
		seen = append(seen, sids(msgs))
		return nil
	}, Queue: q})
	poison := inboundqueue.Record{ID: "id-bad", Body: "{not json", ReceiptHandle: "rh-bad", GroupID: inboundqueue.GroupID("demo-burger", ana), ReceiveCount: 1}
	version := inboundqueue.Record{ID: "id-v99", Body: `{"v":99,"clientId":"x","messageSid":"SM","from":"a","to":"b"}`, GroupID: "x|a", ReceiveCount: 1}
	records := []inboundqueue.Record{rec(t, "SM1", ana), poison, rec(t, "SM2", ana), version, rec(t, "SM3", bia)}
	if failed := w.Process(context.Background(), records); len(failed) != 0 {
		t.Errorf("failed %v", failed)
	}
	if want := [][]string{{"SM1", "SM2"}, {"SM3"}}; !reflect.DeepEqual(seen, want) {
		t.Errorf("handled %v, want %v", seen, want)
	}
	if !strings.Contains(q.parked["id-bad"], "not JSON") || !strings.Contains(q.parked["id-v99"], "version 99") {
		t.Errorf("parked %v", q.parked)
	}

	// The dead-letter queue is down: the poison's group is retried later, whole; other
	// groups are not held up.
	q = newFakeQueue()
	q.failPark = true
	seen = nil
	w = newWorker(t, sqsworker.Deps{Handle: func(_ context.Context, msgs []domain.InboundMessage) error {
		seen = append(seen, sids(msgs))
		return nil
	}, Queue: q})
	failed := w.Process(context.Background(), records)
	if !reflect.DeepEqual(failed, []string{"id-SM1", "id-bad", "id-SM2", "id-v99"}) {
		t.Errorf("failed %v, want the two groups with poison, whole", failed)
	}
	if want := [][]string{{"SM3"}}; !reflect.DeepEqual(seen, want) {
		t.Errorf("handled %v, want only bia's", seen)
	}
}

// Close to the Lambda deadline no customer is started: the rest of the batch goes back to the
// queue at once, untried, for another invocation.
func TestStopsBeforeTheDeadline(t *testing.T) {
	var seen [][]string
	q := newFakeQueue()
	w := newWorker(t, sqsworker.Deps{Handle: func(_ context.Context, msgs []domain.InboundMessage) error {
		seen = append(seen, sids(msgs))
		time.Sleep(300 * time.Millisecond) // a slow Twilio
		return nil
	}, Queue: q, StopBefore: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second+100*time.Millisecond)
	defer cancel()
	failed := w.Process(ctx, []inboundqueue.Record{rec(t, "SM1", ana), rec(t, "SM2", bia), rec(t, "SM3", caio), rec(t, "SM4", ana)})
	if want := [][]string{{"SM1", "SM4"}}; !reflect.DeepEqual(seen, want) {
		t.Errorf("handled %v, want only the first customer", seen)
	}
	if !reflect.DeepEqual(failed, []string{"id-SM2", "id-SM3"}) {
		t.Errorf("failed %v, want the untried customers", failed)
	}
	if d, ok := q.delays["id-SM2"]; !ok || d != 0 {
		t.Errorf("untried records were not made visible at once: %v", q.delays)
	}
	if w.Stats().DeadlineStops != 1 {
		t.Errorf("stats %+v", w.Stats())
	}
}

func TestBackoffGrows(t *testing.T) {
	b := sqsworker.DefaultBackoff
	prev := time.Duration(0)
	for n := 1; n <= 6; n++ {
		d := b.Delay(n)
		if d < prev/2 || d > b.Max*12/10 {
			t.Errorf("delay after receive %d = %s", n, d)
		}
		prev = d
	}
	if d := b.Delay(1); d < 8*time.Second || d > 12*time.Second {
		t.Errorf("first delay %s, want about 10s", d)
	}
	if d := b.Delay(50); d > b.Max*12/10 {
		t.Errorf("delay %s over the cap", d)
	}
}

func TestAllSucceed(t *testing.T) {
	w := newWorker(t, sqsworker.Deps{Handle: func(context.Context, []domain.InboundMessage) error { return nil }})
	resp, _ := w.HandleSQSEvent(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "1", Body: body(t, "SM1")}}})
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures %v", resp.BatchItemFailures)
	}
}
