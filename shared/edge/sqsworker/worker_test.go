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

func body(t *testing.T, sid string) string {
	t.Helper()
	b, err := json.Marshal(domain.InboundMessage{Version: 1, ClientID: "demo-burger", MessageSid: sid,
		From: "whatsapp:+5511987654321", To: "whatsapp:+5511990000002", Body: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStopsAtFirstFailureAndReportsTheRest(t *testing.T) {
	var seen []string
	w := sqsworker.New(func(ctx context.Context, m domain.InboundMessage) error {
		if domain.TenantFromContext(ctx) != m.ClientID {
			t.Errorf("tenant %q not in context", m.ClientID)
		}
		seen = append(seen, m.MessageSid)
		if m.MessageSid == "SM3" {
			return errors.New("boom")
		}
		return nil
	}, nil)
	var ev events.SQSEvent
	for _, sid := range []string{"SM1", "SM2", "SM3", "SM4", "SM5"} {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "id-" + sid, Body: body(t, sid)})
	}
	resp, err := w.HandleSQSEvent(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, []string{"SM1", "SM2", "SM3"}) {
		t.Errorf("handled %v, want SM1..SM3 and nothing after the failure", seen)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !reflect.DeepEqual(failed, []string{"id-SM3", "id-SM4", "id-SM5"}) {
		t.Errorf("reported %v, want the failed message and every later one", failed)
	}
}

func TestUndecodableMessageFails(t *testing.T) {
	calls := 0
	w := sqsworker.New(func(context.Context, domain.InboundMessage) error { calls++; return nil }, nil)
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
	w := sqsworker.New(func(context.Context, domain.InboundMessage) error { return nil }, nil)
	resp, _ := w.HandleSQSEvent(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "1", Body: body(t, "SM1")}}})
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures %v", resp.BatchItemFailures)
	}
}
