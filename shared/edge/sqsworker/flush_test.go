package sqsworker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/sqsworker"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// memCounters is a metrics.CounterStore in memory (a flush writes its keys in parallel).
type memCounters struct {
	mu  sync.Mutex
	got map[string]domain.Counts
}

func (m *memCounters) AddCounts(_ context.Context, clientID, storeID, day string, c domain.Counts) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got[clientID+"/"+storeID] = m.got[clientID+"/"+storeID].Plus(c)
	return nil
}

// The daily counters are flushed once at the end of every batch, after every burst, failed
// ones included: what the batch counted (its errors too) is written before the invocation
// returns.
func TestFlushAfterEveryBatch(t *testing.T) {
	store := &memCounters{got: map[string]domain.Counts{}}
	daily := metrics.NewDaily(store)
	var order []string
	w := newWorker(t, sqsworker.Deps{
		Handle: func(ctx context.Context, msgs []domain.InboundMessage) error {
			order = append(order, "handle "+msgs[0].MessageSid)
			daily.Count(ctx, resourcenames.MetricMessagesProcessed, float64(len(msgs)), metrics.Dims{ClientID: msgs[0].ClientID, StoreID: "centro"})
			if msgs[0].From == bia {
				return errors.New("dynamodb: throttled")
			}
			return nil
		},
		Queue: newFakeQueue(), Metrics: daily,
		Flush: func(ctx context.Context) error {
			order = append(order, "flush")
			if _, ok := ctx.Deadline(); !ok {
				t.Error("the flush has no deadline")
			}
			return daily.Flush(ctx)
		},
	})
	failed := w.Process(context.Background(), []inboundqueue.Record{rec(t, "SM1", ana), rec(t, "SM2", bia), rec(t, "SM3", ana)})
	if len(failed) != 1 || failed[0] != "id-SM2" {
		t.Fatalf("failed %v", failed)
	}
	if want := []string{"handle SM1", "handle SM2", "flush"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("calls %v, want %v", order, want)
	}
	if got := store.got["demo-burger/centro"]; got.MessagesIn != 3 {
		t.Errorf("messages in %+v, want 3", got)
	}
	if got := store.got["demo-burger/"]; got.Errors != 1 {
		t.Errorf("errors %+v, want bia's failure, counted without a store", got)
	}
	if daily.Pending() != 0 {
		t.Errorf("%d keys left unwritten", daily.Pending())
	}
	// Through the Lambda entry point, a batch whose every message fails is flushed too.
	ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: bodyFrom(t, "SM4", bia)}}}
	resp, err := w.HandleSQSEvent(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("%+v %v", resp, err)
	}
	if got := store.got["demo-burger/"]; got.Errors != 2 {
		t.Errorf("errors %+v, want 2", got)
	}
	if st := w.Stats(); st.Flushes != 2 || st.FlushFailures != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A failed flush fails no record; it is counted and logged.
func TestFlushFailureFailsNoRecord(t *testing.T) {
	w := newWorker(t, sqsworker.Deps{
		Handle: func(context.Context, []domain.InboundMessage) error { return nil },
		Flush:  func(context.Context) error { return errors.New("dynamodb: unavailable") },
	})
	if failed := w.Process(context.Background(), []inboundqueue.Record{rec(t, "SM1", ana)}); len(failed) != 0 {
		t.Fatalf("failed %v", failed)
	}
	if st := w.Stats(); st.Flushes != 0 || st.FlushFailures != 1 || st.Bursts != 1 {
		t.Errorf("stats %+v", st)
	}
}

// The flush ends before the invocation's deadline, and is skipped when no time is left; a
// cancelled invocation context does not cut it short.
func TestFlushStaysInsideTheDeadline(t *testing.T) {
	var got time.Duration
	var called int
	w := newWorker(t, sqsworker.Deps{
		Handle:       func(context.Context, []domain.InboundMessage) error { return nil },
		StopBefore:   time.Millisecond,
		FlushTimeout: time.Minute,
		Flush: func(ctx context.Context) error {
			called++
			dl, _ := ctx.Deadline()
			got = time.Until(dl)
			return ctx.Err()
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	w.Process(ctx, []inboundqueue.Record{rec(t, "SM1", ana)})
	if called != 1 || got <= 0 || got > 2*time.Second {
		t.Errorf("flush called %d times with %s left, want once with under 2 s (the invocation's deadline)", called, got)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	w.Process(short, []inboundqueue.Record{rec(t, "SM2", ana)})
	if called != 1 {
		t.Errorf("flushed with no time left before the deadline")
	}
	cancelled, cancel3 := context.WithCancel(context.Background())
	cancel3()
	w.Process(cancelled, nil)
	if called != 2 {
		t.Errorf("flush called %d times, want it also when the invocation's context is cancelled", called)
	}
	if st := w.Stats(); st.Flushes != 2 || st.FlushFailures != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Shutdown writes what the worker still holds; without FlushAll it has nothing to do.
func TestShutdownFlushesAll(t *testing.T) {
	store := &memCounters{got: map[string]domain.Counts{}}
	daily := metrics.NewDaily(store) // traffic waits DefaultMaxAge for FlushDue
	w := newWorker(t, sqsworker.Deps{
		Handle: func(ctx context.Context, msgs []domain.InboundMessage) error {
			daily.Count(ctx, resourcenames.MetricMessagesProcessed, 1, metrics.Dims{ClientID: msgs[0].ClientID})
			return nil
		},
		Flush: daily.FlushDue, FlushAll: daily.Flush,
	})
	w.Process(context.Background(), []inboundqueue.Record{rec(t, "SM1", ana)})
	if daily.Pending() != 1 || len(store.got) != 0 {
		t.Fatalf("a message's count was written at once (%v) or lost (%d pending)", store.got, daily.Pending())
	}
	if err := w.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if store.got["demo-burger/"].MessagesIn != 1 || daily.Pending() != 0 {
		t.Errorf("after shutdown: %v, %d pending", store.got, daily.Pending())
	}
	if err := newWorker(t, sqsworker.Deps{Handle: func(context.Context, []domain.InboundMessage) error { return nil }}).Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}
