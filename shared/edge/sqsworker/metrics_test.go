package sqsworker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/sqsworker"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/metrics"
)

// Each burst that fails, transient or permanent, and each record that cannot be decoded
// counts Errors for its brand; a burst that succeeds counts nothing.
func TestErrorsCountedByBrand(t *testing.T) {
	rec0 := &metrics.Memory{}
	w := newWorker(t, sqsworker.Deps{
		Handle: func(_ context.Context, msgs []domain.InboundMessage) error {
			switch msgs[0].From {
			case ana:
				return errors.New("dynamodb: throttled") // transient
			case bia:
				return domain.Errorf(domain.EINVALID, "refused") // permanent
			}
			return nil
		},
		Queue: newFakeQueue(), Metrics: rec0,
	})
	poison := inboundqueue.Record{ID: "id-bad", Body: "{not json", GroupID: inboundqueue.GroupID("demo-burger", caio), ReceiveCount: 1}
	orphan := inboundqueue.Record{ID: "id-orphan", Body: "{not json", ReceiveCount: 1} // no group: no brand known
	records := []inboundqueue.Record{rec(t, "SM1", ana), rec(t, "SM2", bia), poison, rec(t, "SM3", caio), orphan}
	failed := w.Process(context.Background(), records)
	if len(failed) != 1 || failed[0] != "id-SM1" {
		t.Fatalf("failed %v, want ana's transient failure", failed)
	}
	if got := rec0.Sum(metrics.Errors, metrics.Dims{ClientID: "demo-burger"}); got != 3 {
		t.Errorf("Errors{demo-burger} = %v, want 3 (ana's, bia's, the poison in caio's group); points %+v", got, rec0.Points())
	}
	if got := rec0.Sum(metrics.Errors, metrics.Dims{}); got != 1 {
		t.Errorf("Errors{} = %v, want 1 (the record without a group)", got)
	}
	if got := len(rec0.Points()); got != 4 {
		t.Errorf("%d points, want 4: %+v", got, rec0.Points())
	}
}
