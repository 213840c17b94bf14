package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// CounterStore is where a Daily recorder writes (domain.DailyMetricsRepository.AddCounts):
// c added atomically to the counters of (clientID, storeID, day).
type CounterStore interface {
	AddCounts(ctx context.Context, clientID, storeID, day string, c domain.Counts) error
}

// DefaultMaxPending bounds the (brand, store, day) keys a Daily recorder keeps unwritten: a
// worker instance sees a handful per batch; a thousand is hours of a store that cannot be
// written to.
const DefaultMaxPending = 1000

// DefaultMaxAge is how long a key's traffic counts (messages, conversations, errors) may
// wait in memory before FlushDue writes them. Orders, revenue and handoffs do not wait.
const DefaultMaxAge = 5 * time.Minute

// flushParallel is how many AddCounts a Flush runs at a time.
const flushParallel = 8

// dailyKey is one item of the daily counters.
type dailyKey struct{ clientID, storeID, day string }

// pendingCounts are a key's unwritten counts and when the oldest of them was made.
type pendingCounts struct {
	counts domain.Counts
	since  time.Time
}

// urgent: counts that FlushDue writes at once, whatever their age.
func (p pendingCounts) urgent() bool {
	return p.counts.Orders > 0 || p.counts.RevenueCents > 0 || p.counts.Handoffs > 0
}

// Daily is a Recorder that adds counts up in memory per (brand, store, day) and writes them
// with FlushDue and Flush, one CounterStore.AddCounts per key: the daily counters.
//
// When. The worker calls FlushDue at the end of every batch: it writes the keys that hold an
// order, revenue or a handoff (so those are stored with the batch that counted them, before
// Lambda may freeze the environment), and the keys whose oldest count is MaxAge old; the
// traffic counts (messages in and out, conversations, errors, the AI layer's model calls and
// tokens) of a busy instance thus share one write per key per MaxAge instead of one per
// batch, which at a thousand messages an hour would be most of the counters' cost. Flush writes everything: at shutdown (Lambda's
// SIGTERM) and in tests. What an instance holds is lost only if its process dies without
// shutdown (a crash, running out of memory): at most MaxAge of its traffic counts. A MaxAge
// of zero or less makes FlushDue write every key, every batch.
//
// Names map to counters: resourcenames.MetricMessagesProcessed to MessagesIn (the webhook's
// MetricMessagesIn is not counted here: the worker's count of the messages it handled is),
// MetricMessagesOut, MetricConversations, MetricOrders, MetricRevenueCents, MetricHandoffs,
// MetricErrors and the AI layer's MetricModelCalls, MetricModelInputTokens,
// MetricModelOutputTokens, MetricModelCacheReadTokens, MetricModelCacheWriteTokens,
// MetricModelFallbacks and MetricAnswerCacheHits to theirs (all of them traffic counts, which
// wait for MaxAge); any other name is ignored. A count needs a brand (an id); its
// store is Dims.StoreID, else the store of the context (WithStore), else none. Values are
// rounded to whole numbers; a negative or non-finite value is dropped.
//
// The day is the one of the count's time (domain.MetricsDay), not of the flush: counts made
// before midnight and written after it stay on their day.
//
// Count never fails nor blocks on I/O. What a Flush could not write stays for the next one,
// added to what came meanwhile; at most MaxPending keys are kept: a count for a new key
// beyond that, or a failed write that no longer fits, is dropped (Dropped counts them), so a
// store that cannot be written to cannot exhaust memory.
type Daily struct {
	store      CounterStore
	now        func() time.Time
	maxPending int
	maxAge     time.Duration

	mu      sync.Mutex
	pending map[dailyKey]pendingCounts
	dropped atomic.Int64
	writes  atomic.Int64
}

// DailyOption configures a Daily recorder.
type DailyOption func(*Daily)

// WithDailyClock sets the clock that dates the counts (default time.Now).
func WithDailyClock(now func() time.Time) DailyOption {
	return func(d *Daily) {
		if now != nil {
			d.now = now
		}
	}
}

// WithMaxPending sets how many keys may wait for a write (default DefaultMaxPending; at
// least 1).
func WithMaxPending(n int) DailyOption { return func(d *Daily) { d.maxPending = max(n, 1) } }

// WithMaxAge sets how long traffic counts may wait for FlushDue (default DefaultMaxAge;
// zero or less: no wait, every key is written by every FlushDue).
func WithMaxAge(age time.Duration) DailyOption { return func(d *Daily) { d.maxAge = age } }

// NewDaily returns a recorder writing to store.
func NewDaily(store CounterStore, opts ...DailyOption) *Daily {
	d := &Daily{store: store, now: time.Now, maxPending: DefaultMaxPending, maxAge: DefaultMaxAge, pending: map[dailyKey]pendingCounts{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// dailyCounter returns a Counts with n in the counter of the metric name; false for a name
// that is not a daily counter.
func dailyCounter(name string, n int64) (domain.Counts, bool) {
	switch name {
	case resourcenames.MetricMessagesProcessed:
		return domain.Counts{MessagesIn: n}, true
	case resourcenames.MetricMessagesOut:
		return domain.Counts{MessagesOut: n}, true
	case resourcenames.MetricConversations:
		return domain.Counts{Conversations: n}, true
	case resourcenames.MetricOrders:
		return domain.Counts{Orders: n}, true
	case resourcenames.MetricRevenueCents:
		return domain.Counts{RevenueCents: n}, true
	case resourcenames.MetricHandoffs:
		return domain.Counts{Handoffs: n}, true
	case resourcenames.MetricErrors:
		return domain.Counts{Errors: n}, true
	case resourcenames.MetricModelCalls:
		return domain.Counts{ModelCalls: n}, true
	case resourcenames.MetricModelInputTokens:
		return domain.Counts{ModelInputTokens: n}, true
	case resourcenames.MetricModelOutputTokens:
		return domain.Counts{ModelOutputTokens: n}, true
	case resourcenames.MetricModelCacheReadTokens:
		return domain.Counts{ModelCacheReadTokens: n}, true
	case resourcenames.MetricModelCacheWriteTokens:
		return domain.Counts{ModelCacheWriteTokens: n}, true
	case resourcenames.MetricModelFallbacks:
		return domain.Counts{ModelFallbacks: n}, true
	case resourcenames.MetricAnswerCacheHits:
		return domain.Counts{AnswerCacheHits: n}, true
	}
	return domain.Counts{}, false
}

// Count adds n to the counter of name of the brand and store of d (see Daily).
func (d *Daily) Count(ctx context.Context, name string, n float64, dims Dims) {
	if _, ok := dailyCounter(name, 0); !ok {
		return
	}
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 || !validID(dims.ClientID) {
		d.dropped.Add(1)
		return
	}
	v := int64(math.Min(math.Round(n), 1<<53))
	if v == 0 {
		return
	}
	c, _ := dailyCounter(name, v)
	store := dims.StoreID
	if store == "" {
		store = StoreFrom(ctx)
	}
	if !validID(store) {
		store = ""
	}
	now := d.now()
	k := dailyKey{clientID: dims.ClientID, storeID: store, day: domain.MetricsDay(now)}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.addLocked(k, pendingCounts{counts: c, since: now}) {
		d.dropped.Add(1)
	}
}

// addLocked adds p to key k's pending counts (since: the older of the two); false when k is
// new and there is no room.
func (d *Daily) addLocked(k dailyKey, p pendingCounts) bool {
	cur, ok := d.pending[k]
	if !ok {
		if len(d.pending) >= d.maxPending {
			return false
		}
		d.pending[k] = p
		return true
	}
	cur.counts = cur.counts.Plus(p.counts)
	if p.since.Before(cur.since) {
		cur.since = p.since
	}
	d.pending[k] = cur
	return true
}

// Pending is how many (brand, store, day) keys wait for a write.
func (d *Daily) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending)
}

// PendingCounts is the sum of the counts of the brand clientID on day (every store, and the
// counts without one) that wait for a write: what a ModelSpend adds to the stored counters.
// Counts a flush has taken are not pending any more, even before their write ends. A nil
// Daily holds none.
func (d *Daily) PendingCounts(clientID, day string) domain.Counts {
	var sum domain.Counts
	if d == nil {
		return sum
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, p := range d.pending {
		if k.clientID == clientID && k.day == day {
			sum = sum.Plus(p.counts)
		}
	}
	return sum
}

// Dropped is how many counts were not kept: an invalid brand or value, no room for a new
// key, or a write that failed for good (EINVALID, EFORBIDDEN: retrying cannot help) or no
// longer fitted.
func (d *Daily) Dropped() int64 { return d.dropped.Load() }

// Writes is how many AddCounts the flushes made, failed ones included.
func (d *Daily) Writes() int64 { return d.writes.Load() }

// MaxAge is how long traffic counts may wait for FlushDue (zero or less: not at all).
func (d *Daily) MaxAge() time.Duration { return d.maxAge }

// Flush writes every pending key (see write).
func (d *Daily) Flush(ctx context.Context) error { return d.write(ctx, nil) }

// FlushDue writes the keys that are due: those holding an order, revenue or a handoff, and
// those whose oldest count is MaxAge old (every key when MaxAge is zero or less); the others
// wait (see Daily).
func (d *Daily) FlushDue(ctx context.Context) error {
	if d.maxAge <= 0 {
		return d.write(ctx, nil)
	}
	now := d.now()
	return d.write(ctx, func(p pendingCounts) bool { return p.urgent() || now.Sub(p.since) >= d.maxAge })
}

// write writes the pending keys that due selects (nil: all), one AddCounts each, in the
// brand's tenant context, and forgets what was written. A key whose write failed with a
// transient error stays pending, added to what was counted meanwhile; one that failed for
// good (domain.IsPermanent) is dropped. Flushes may run concurrently: each writes what was
// pending when it began. The error joins the writes' errors; nil when everything was
// written (or nothing was).
func (d *Daily) write(ctx context.Context, due func(pendingCounts) bool) error {
	d.mu.Lock()
	batch := map[dailyKey]pendingCounts{}
	for k, p := range d.pending {
		if due == nil || due(p) {
			batch[k] = p
			delete(d.pending, k)
		}
	}
	d.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}

	type result struct {
		k   dailyKey
		p   pendingCounts
		err error
	}
	results := make(chan result, len(batch))
	sem := make(chan struct{}, flushParallel)
	var wg sync.WaitGroup
	for k, p := range batch {
		wg.Add(1)
		sem <- struct{}{}
		d.writes.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := d.store.AddCounts(domain.NewContextWithTenant(ctx, k.clientID), k.clientID, k.storeID, k.day, p.counts)
			results <- result{k, p, err}
		}()
	}
	wg.Wait()
	close(results)

	var errs []error
	d.mu.Lock()
	defer d.mu.Unlock()
	for r := range results {
		if r.err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("daily counters of %s/%s on %s: %w", r.k.clientID, orNoStore(r.k.storeID), r.k.day, r.err))
		if domain.IsPermanent(r.err) || !d.addLocked(r.k, r.p) {
			d.dropped.Add(1)
		}
	}
	return errors.Join(errs...)
}

func orNoStore(storeID string) string {
	if storeID == "" {
		return resourcenames.NoStore
	}
	return storeID
}

// Tee returns a recorder that hands every count to each of recorders, in order; nil ones
// are left out. With none it is Nop, with one that one.
func Tee(recorders ...Recorder) Recorder {
	var rs tee
	for _, r := range recorders {
		switch r := r.(type) {
		case nil, Nop:
		case tee:
			rs = append(rs, r...)
		default:
			rs = append(rs, r)
		}
	}
	switch len(rs) {
	case 0:
		return Nop{}
	case 1:
		return rs[0]
	}
	return rs
}

type tee []Recorder

// Count hands the count to every recorder.
func (t tee) Count(ctx context.Context, name string, n float64, d Dims) {
	for _, r := range t {
		r.Count(ctx, name, n, d)
	}
}
