package sqsworker_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

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

// One customer's messages in a batch are one burst, in order; customers are bursts of their
// own, in the order they first appear.
func TestBurstsPerCustomerInOrder(t *testing.T) {
	var seen [][]string
	w := sqsworker.New(func(ctx context.Context, msgs []domain.InboundMessage) error {
		if domain.TenantFromContext(ctx) != msgs[0].ClientID {
			t.Errorf("tenant %q not in context", msgs[0].ClientID)
		}
		seen = append(seen, sids(msgs))
		return nil
	}, nil)
	records := []inboundqueue.Record{
		{ID: "1", Body: bodyFrom(t, "SM1", ana)},
		{ID: "2", Body: bodyFrom(t, "SM2", bia)},
		{ID: "3", Body: bodyFrom(t, "SM3", ana)},
		{ID: "4", Body: bodyFrom(t, "SM4", caio)},
		{ID: "5", Body: bodyFrom(t, "SM5", ana)},
	}
	if failed := w.Process(context.Background(), records); failed != nil {
		t.Fatalf("failed %v", failed)
	}
	want := [][]string{{"SM1", "SM3", "SM5"}, {"SM2"}, {"SM4"}}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("bursts %v, want %v", seen, want)
	}
}

func TestStopsAtFirstFailureAndReportsTheRest(t *testing.T) {
	var seen [][]string
	w := sqsworker.New(func(ctx context.Context, msgs []domain.InboundMessage) error {
		seen = append(seen, sids(msgs))
		if msgs[0].From == bia {
			return errors.New("boom")
		}
		return nil
	}, nil)
	var ev events.SQSEvent
	for _, r := range []struct{ sid, from string }{{"SM1", ana}, {"SM2", bia}, {"SM3", caio}, {"SM4", bia}, {"SM5", ana}} {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "id-" + r.sid, Body: bodyFrom(t, r.sid, r.from)})
	}
	resp, err := w.HandleSQSEvent(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"SM1", "SM5"}, {"SM2", "SM4"}}; !reflect.DeepEqual(seen, want) {
		t.Errorf("handled %v, want %v and nothing after the failure", seen, want)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !reflect.DeepEqual(failed, []string{"id-SM2", "id-SM4", "id-SM3"}) {
		t.Errorf("reported %v, want the failed burst and every later one", failed)
	}
}

func TestUndecodableMessageFails(t *testing.T) {
	calls := 0
	w := sqsworker.New(func(context.Context, []domain.InboundMessage) error { calls++; return nil }, nil)
	records := []inboundqueue.Record{
		{ID: "a", Body: body(t, "SM1")},
		{ID: "b", Body: "{not json"},
		{ID: "c", Body: `{"v":99,"clientId":"x","messageSid":"SM","from":"a","to":"b"}`},
	}
	if got := w.Process(context.Background(), records); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Errorf("failed = %v, want [b c]", got)
	}
	if calls != 1 {
		t.Errorf("handler called %d times, want 1", calls)
	}
	if got := w.Process(context.Background(), records[2:]); !reflect.DeepEqual(got, []string{"c"}) {
		t.Errorf("unknown contract version accepted: %v", got)
	}
}

func TestAllSucceed(t *testing.T) {
	w := sqsworker.New(func(context.Context, []domain.InboundMessage) error { return nil }, nil)
	resp, _ := w.HandleSQSEvent(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "1", Body: body(t, "SM1")}}})
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures %v", resp.BatchItemFailures)
	}
}
