package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// fakeCounters is a CounterStore in memory that can be told to fail.
type fakeCounters struct {
	mu      sync.Mutex
	got     map[dailyKey]domain.Counts
	calls   int
	tenants []string
	fail    func(k dailyKey) error
}

func newFakeCounters() *fakeCounters { return &fakeCounters{got: map[dailyKey]domain.Counts{}} }

func (f *fakeCounters) AddCounts(ctx context.Context, clientID, storeID, day string, c domain.Counts) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.tenants = append(f.tenants, domain.TenantFromContext(ctx))
	k := dailyKey{clientID, storeID, day}
	if f.fail != nil {
		if err := f.fail(k); err != nil {
			return err
		}
	}
	f.got[k] = f.got[k].Plus(c)
	return nil
}

func (f *fakeCounters) snapshot() map[dailyKey]domain.Counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[dailyKey]domain.Counts{}
	for k, v := range f.got {
		out[k] = v
	}
	return out
}

// noon of 2026-03-14 in São Paulo.
var noon = time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// Each daily metric name goes to its counter, the webhook's MessagesIn and the other names
// to none; one key per brand, store and day; a store from the context when the count has
// none.
func TestDailyNameMapping(t *testing.T) {
	store := newFakeCounters()
	d := NewDaily(store, WithDailyClock(fixed(noon)))
	ctx := context.Background()
	burger := Dims{ClientID: "demo-burger", StoreID: "centro"}
	for _, c := range []struct {
		name string
		n    float64
	}{
		{resourcenames.MetricMessagesProcessed, 3}, {resourcenames.MetricMessagesOut, 2}, {resourcenames.MetricConversations, 1},
		{resourcenames.MetricOrders, 1}, {resourcenames.MetricRevenueCents, 13400}, {resourcenames.MetricHandoffs, 1},
		{resourcenames.MetricErrors, 1},
		{resourcenames.MetricModelCalls, 2}, {resourcenames.MetricModelInputTokens, 1200}, {resourcenames.MetricModelOutputTokens, 150},
		{resourcenames.MetricModelCacheReadTokens, 3000}, {resourcenames.MetricModelCacheWriteTokens, 2500},
		{resourcenames.MetricModelFallbacks, 1}, {resourcenames.MetricAnswerCacheHits, 4},
		// not daily counters
		{resourcenames.MetricMessagesIn, 5}, {resourcenames.MetricTwilioSendFailures, 1}, {resourcenames.MetricTwilioThrottled, 1}, {"Other", 1},
	} {
		d.Count(ctx, c.name, c.n, burger)
	}
	d.Count(ctx, resourcenames.MetricRevenueCents, 600, burger)
	d.Count(WithStore(ctx, "paulista"), resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-pizzaria"})
	d.Count(ctx, resourcenames.MetricErrors, 1, Dims{ClientID: "demo-pizzaria"})
	d.Count(ctx, resourcenames.MetricErrors, 1, Dims{ClientID: "demo-pizzaria", StoreID: "Not An Id"})
	if d.Pending() != 3 {
		t.Fatalf("%d keys pending, want 3", d.Pending())
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[dailyKey]domain.Counts{
		{"demo-burger", "centro", "2026-03-14"}: {MessagesIn: 3, MessagesOut: 2, Conversations: 1, Orders: 1, RevenueCents: 14000, Handoffs: 1, Errors: 1,
			ModelCalls: 2, ModelInputTokens: 1200, ModelOutputTokens: 150, ModelCacheReadTokens: 3000, ModelCacheWriteTokens: 2500,
			ModelFallbacks: 1, AnswerCacheHits: 4},
		{"demo-pizzaria", "paulista", "2026-03-14"}: {MessagesOut: 1},
		{"demo-pizzaria", "", "2026-03-14"}:         {Errors: 2},
	}
	if got := store.snapshot(); !reflect.DeepEqual(got, want) {
		t.Errorf("written %v\nwant %v", got, want)
	}
	sort.Strings(store.tenants)
	if !reflect.DeepEqual(store.tenants, []string{"demo-burger", "demo-pizzaria", "demo-pizzaria"}) {
		t.Errorf("written in the tenant contexts %v: each key in its brand's", store.tenants)
	}
	if d.Pending() != 0 || d.Dropped() != 0 {
		t.Errorf("after the flush: %d pending, %d dropped", d.Pending(), d.Dropped())
	}
	// Nothing pending: no write.
	if err := d.Flush(ctx); err != nil || store.calls != 3 {
		t.Errorf("an empty flush: %v, %d calls", err, store.calls)
	}
}

// What cannot be a count is dropped: no brand, a brand that is not an id, a negative or
// non-finite value; zero is no count; values are rounded.
func TestDailyDropsWhatCannotBeCounted(t *testing.T) {
	store := newFakeCounters()
	d := NewDaily(store, WithDailyClock(fixed(noon)))
	ctx := context.Background()
	for _, c := range []struct {
		n    float64
		dims Dims
	}{
		{1, Dims{}}, {1, Dims{ClientID: "whatsapp:+5511987654321"}}, {-1, Dims{ClientID: "demo-burger"}},
		{math.NaN(), Dims{ClientID: "demo-burger"}}, {math.Inf(1), Dims{ClientID: "demo-burger"}},
	} {
		d.Count(ctx, resourcenames.MetricOrders, c.n, c.dims)
	}
	if d.Dropped() != 5 || d.Pending() != 0 {
		t.Fatalf("dropped %d, pending %d; want 5 and 0", d.Dropped(), d.Pending())
	}
	d.Count(ctx, resourcenames.MetricOrders, 0, Dims{ClientID: "demo-burger"})
	d.Count(ctx, resourcenames.MetricRevenueCents, 99.6, Dims{ClientID: "demo-burger"})
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[dailyKey]domain.Counts{{"demo-burger", "", "2026-03-14"}: {RevenueCents: 100}}
	if got := store.snapshot(); !reflect.DeepEqual(got, want) {
		t.Errorf("written %v, want %v", got, want)
	}
}

// The day is São Paulo's at the time of the count: 23:59 and 00:00 there are two days, and
// counts made before midnight but flushed after it stay on their day.
func TestDailyDayBoundary(t *testing.T) {
	store := newFakeCounters()
	now := time.Date(2026, 3, 15, 2, 59, 59, 0, time.UTC) // 23:59:59 on the 14th in São Paulo
	d := NewDaily(store, WithDailyClock(func() time.Time { return now }))
	ctx := context.Background()
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-burger"})
	now = now.Add(time.Second)
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-burger"})
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[dailyKey]domain.Counts{
		{"demo-burger", "", "2026-03-14"}: {MessagesOut: 1},
		{"demo-burger", "", "2026-03-15"}: {MessagesOut: 1},
	}
	if got := store.snapshot(); !reflect.DeepEqual(got, want) {
		t.Errorf("written %v, want %v", got, want)
	}
}

// A write that fails transiently stays for the next flush, added to what came meanwhile;
// one that fails for good is dropped; the others are written and forgotten.
func TestDailyFlushKeepsFailures(t *testing.T) {
	store := newFakeCounters()
	down := true
	store.fail = func(k dailyKey) error {
		switch {
		case k.storeID == "centro" && down:
			return errors.New("dynamodb: throttled")
		case k.storeID == "fechada":
			return domain.Errorf(domain.EFORBIDDEN, "refused")
		}
		return nil
	}
	d := NewDaily(store, WithDailyClock(fixed(noon)))
	ctx := context.Background()
	d.Count(ctx, resourcenames.MetricOrders, 1, Dims{ClientID: "demo-burger", StoreID: "centro"})
	d.Count(ctx, resourcenames.MetricOrders, 1, Dims{ClientID: "demo-burger", StoreID: "fechada"})
	d.Count(ctx, resourcenames.MetricOrders, 1, Dims{ClientID: "demo-pizzaria", StoreID: "paulista"})
	err := d.Flush(ctx)
	if err == nil || !strings.Contains(err.Error(), "demo-burger/centro") || !strings.Contains(err.Error(), "demo-burger/fechada") ||
		strings.Contains(err.Error(), "paulista") {
		t.Fatalf("flush: %v, want the two failures", err)
	}
	if d.Pending() != 1 || d.Dropped() != 1 {
		t.Fatalf("after a failed flush: %d pending, %d dropped; want centro kept and fechada dropped", d.Pending(), d.Dropped())
	}
	d.Count(ctx, resourcenames.MetricOrders, 2, Dims{ClientID: "demo-burger", StoreID: "centro"})
	down = false
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[dailyKey]domain.Counts{
		{"demo-burger", "centro", "2026-03-14"}:     {Orders: 3},
		{"demo-pizzaria", "paulista", "2026-03-14"}: {Orders: 1},
	}
	if got := store.snapshot(); !reflect.DeepEqual(got, want) {
		t.Errorf("written %v, want %v", got, want)
	}
	if d.Pending() != 0 {
		t.Errorf("%d pending after a good flush", d.Pending())
	}
}

// Memory is bounded: at most MaxPending keys wait, whether they come from counts or from
// failed writes; what does not fit is dropped and counted, and a key that is already
// pending still adds up.
func TestDailyBoundedMemory(t *testing.T) {
	store := newFakeCounters()
	store.fail = func(dailyKey) error { return errors.New("dynamodb: unavailable") }
	d := NewDaily(store, WithDailyClock(fixed(noon)), WithMaxPending(3))
	ctx := context.Background()
	for i := range 10 {
		d.Count(ctx, resourcenames.MetricOrders, 1, Dims{ClientID: "demo-burger", StoreID: fmt.Sprintf("loja-%d", i)})
	}
	d.Count(ctx, resourcenames.MetricOrders, 1, Dims{ClientID: "demo-burger", StoreID: "loja-0"})
	if d.Pending() != 3 || d.Dropped() != 7 {
		t.Fatalf("%d pending, %d dropped; want 3 and 7", d.Pending(), d.Dropped())
	}
	// The flush fails; meanwhile three new keys take the room; the failed ones no longer fit.
	store.fail = func(k dailyKey) error {
		for i := range 3 {
			d.Count(ctx, resourcenames.MetricOrders, 1, Dims{ClientID: "demo-pizzaria", StoreID: fmt.Sprintf("nova-%d", i)})
		}
		return errors.New("dynamodb: unavailable")
	}
	if err := d.Flush(ctx); err == nil {
		t.Fatal("a failed flush returned nil")
	}
	if d.Pending() != 3 || d.Dropped() != 7+3 {
		t.Errorf("%d pending, %d dropped; want 3 and 10", d.Pending(), d.Dropped())
	}
}

// Counts and flushes run concurrently (-race): every count is written once.
func TestDailyConcurrent(t *testing.T) {
	store := newFakeCounters()
	d := NewDaily(store, WithDailyClock(fixed(noon)))
	ctx := context.Background()
	var wg sync.WaitGroup
	const workers, each = 8, 500
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				d.Count(ctx, resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-burger", StoreID: fmt.Sprintf("loja-%d", (w+i)%4)})
				if i%100 == 0 {
					_ = d.Flush(ctx)
				}
			}
		}()
	}
	wg.Wait()
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, c := range store.snapshot() {
		total += c.MessagesOut
	}
	if total != workers*each {
		t.Errorf("%d counted, want %d", total, workers*each)
	}
}

func TestTee(t *testing.T) {
	a, b := &Memory{}, &Memory{}
	r := Tee(a, nil, Nop{}, b)
	r.Count(context.Background(), Orders, 1, Dims{ClientID: "demo-burger"})
	if a.Total(Orders) != 1 || b.Total(Orders) != 1 {
		t.Errorf("tee: %v %v", a.Points(), b.Points())
	}
	if Tee() != (Nop{}) || Tee(nil) != (Nop{}) {
		t.Error("an empty tee is not Nop")
	}
	if Tee(nil, a) != Recorder(a) {
		t.Error("a tee of one is not that one")
	}
	if n := len(Tee(Tee(a, b), a).(tee)); n != 3 {
		t.Errorf("a nested tee has %d recorders, want 3", n)
	}
}

// FlushDue writes orders, revenue and handoffs at once, and traffic counts once they are
// MaxAge old; Flush writes everything; with no MaxAge FlushDue writes everything too.
func TestDailyFlushDue(t *testing.T) {
	store := newFakeCounters()
	now := noon
	d := NewDaily(store, WithDailyClock(func() time.Time { return now }), WithMaxAge(time.Minute))
	ctx := context.Background()
	centro := Dims{ClientID: "demo-burger", StoreID: "centro"}
	paulista := Dims{ClientID: "demo-pizzaria", StoreID: "paulista"}
	d.Count(ctx, resourcenames.MetricMessagesProcessed, 1, centro)
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, centro)
	d.Count(ctx, resourcenames.MetricErrors, 1, Dims{ClientID: "demo-burger"})
	d.Count(ctx, resourcenames.MetricMessagesProcessed, 1, paulista)
	d.Count(ctx, resourcenames.MetricOrders, 1, paulista)
	d.Count(ctx, resourcenames.MetricRevenueCents, 4990, paulista)
	if err := d.FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[dailyKey]domain.Counts{{"demo-pizzaria", "paulista", "2026-03-14"}: {MessagesIn: 1, Orders: 1, RevenueCents: 4990}}
	if got := store.snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("first FlushDue wrote %v, want the order's key only (with its traffic)", got)
	}
	now = now.Add(59 * time.Second)
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, centro)
	if err := d.FlushDue(ctx); err != nil || store.calls != 1 {
		t.Fatalf("before a minute: %v, %d writes, want none", err, store.calls)
	}
	now = now.Add(time.Second)
	d.Count(ctx, resourcenames.MetricHandoffs, 1, Dims{ClientID: "demo-burger", StoreID: "jardins"})
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-burger", StoreID: "moema"})
	if err := d.FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	want[dailyKey{"demo-burger", "centro", "2026-03-14"}] = domain.Counts{MessagesIn: 1, MessagesOut: 2}
	want[dailyKey{"demo-burger", "", "2026-03-14"}] = domain.Counts{Errors: 1}
	want[dailyKey{"demo-burger", "jardins", "2026-03-14"}] = domain.Counts{Handoffs: 1}
	if got := store.snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a minute FlushDue wrote %v\nwant %v", got, want)
	}
	if d.Pending() != 1 {
		t.Fatalf("%d pending, want moema's fresh count", d.Pending())
	}
	if err := d.Flush(ctx); err != nil || d.Pending() != 0 || d.Writes() != 5 {
		t.Fatalf("Flush: %v, %d pending, %d writes", err, d.Pending(), d.Writes())
	}

	every := NewDaily(store, WithDailyClock(fixed(noon)), WithMaxAge(0))
	every.Count(ctx, resourcenames.MetricMessagesOut, 1, centro)
	if err := every.FlushDue(ctx); err != nil || every.Pending() != 0 {
		t.Errorf("no MaxAge: %v, %d pending", err, every.Pending())
	}
}

// Every counter of domain.Counts has a metric name that Count maps to it: a counter added to
// Counts without a name here is a counter nobody writes.
func TestDailyMapsEveryCounter(t *testing.T) {
	names := []string{
		resourcenames.MetricMessagesProcessed, resourcenames.MetricMessagesOut, resourcenames.MetricConversations,
		resourcenames.MetricOrders, resourcenames.MetricRevenueCents, resourcenames.MetricHandoffs, resourcenames.MetricErrors,
		resourcenames.MetricModelCalls, resourcenames.MetricModelInputTokens, resourcenames.MetricModelOutputTokens,
		resourcenames.MetricModelCacheReadTokens, resourcenames.MetricModelCacheWriteTokens, resourcenames.MetricModelFallbacks,
		resourcenames.MetricAnswerCacheHits,
	}
	var sum domain.Counts
	for i, name := range names {
		c, ok := dailyCounter(name, int64(i+1))
		if !ok {
			t.Errorf("%s is not a daily counter", name)
			continue
		}
		sum = sum.Plus(c)
	}
	for i, f := range sum.Fields() {
		if f.Value == 0 {
			t.Errorf("no metric name counts into %s", f.Name)
		}
		if i < len(names) && f.Value != int64(i+1) {
			t.Errorf("%s = %d: not %s's counter alone", f.Name, f.Value, names[i])
		}
	}
	if n := reflect.TypeOf(domain.Counts{}).NumField(); n != len(names) {
		t.Errorf("Counts has %d counters, the mapping %d", n, len(names))
	}
}

// The AI layer's counts are traffic: FlushDue leaves them for MaxAge, like messages.
func TestDailyModelCountsWait(t *testing.T) {
	store := newFakeCounters()
	now := noon
	d := NewDaily(store, WithDailyClock(func() time.Time { return now }), WithMaxAge(time.Minute))
	ctx := context.Background()
	centro := Dims{ClientID: "demo-burger", StoreID: "centro"}
	for _, name := range []string{resourcenames.MetricModelCalls, resourcenames.MetricModelInputTokens, resourcenames.MetricModelOutputTokens,
		resourcenames.MetricModelCacheReadTokens, resourcenames.MetricModelCacheWriteTokens, resourcenames.MetricModelFallbacks, resourcenames.MetricAnswerCacheHits} {
		d.Count(ctx, name, 10, centro)
	}
	if err := d.FlushDue(ctx); err != nil || store.calls != 0 {
		t.Fatalf("fresh model counts: %v, %d writes, want none", err, store.calls)
	}
	now = now.Add(time.Minute)
	if err := d.FlushDue(ctx); err != nil || store.calls != 1 {
		t.Fatalf("a minute later: %v, %d writes, want 1", err, store.calls)
	}
}

// A due key whose write failed is due again at the next FlushDue: it keeps its age.
func TestDailyFailedDueKeyStaysDue(t *testing.T) {
	store := newFakeCounters()
	down := true
	store.fail = func(dailyKey) error {
		if down {
			return errors.New("dynamodb: throttled")
		}
		return nil
	}
	now := noon
	d := NewDaily(store, WithDailyClock(func() time.Time { return now }), WithMaxAge(time.Minute))
	ctx := context.Background()
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-burger"})
	now = now.Add(time.Minute)
	if err := d.FlushDue(ctx); err == nil {
		t.Fatal("the failed write was not reported")
	}
	d.Count(ctx, resourcenames.MetricMessagesOut, 1, Dims{ClientID: "demo-burger"})
	down = false
	if err := d.FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := store.snapshot()[dailyKey{"demo-burger", "", "2026-03-14"}]; got.MessagesOut != 2 || d.Pending() != 0 {
		t.Errorf("wrote %+v, %d pending; want both counts in the retried write", got, d.Pending())
	}
}

// Only passes the named metrics on and drops the others; with no recorder or no names it
// records nothing.
func TestOnly(t *testing.T) {
	ctx := context.Background()
	m := &Memory{}
	r := Only(m, ModelUsage()...)
	d := Dims{ClientID: "demo-burger", StoreID: "vila-madalena"}
	for _, name := range []string{ModelCalls, ModelInputTokens, ModelOutputTokens, ModelCacheReadTokens, ModelCacheWriteTokens,
		ModelFallbacks, AnswerCacheHits, MessagesIn, MessagesOut, Orders, resourcenames.MetricMessagesProcessed,
		resourcenames.MetricConversations, resourcenames.MetricRevenueCents, resourcenames.MetricHandoffs} {
		r.Count(ctx, name, 2, d)
	}
	var got []string
	for _, p := range m.Points() {
		if p.Value != 2 || p.Dims != d {
			t.Errorf("point %+v changed on its way", p)
		}
		got = append(got, p.Name)
	}
	if want := ModelUsage(); !slices.Equal(got, want) {
		t.Errorf("passed %v, want %v", got, want)
	}
	if Only(nil, ModelCalls) != (Nop{}) || Only(m) != (Nop{}) || Only(Nop{}, ModelCalls) != (Nop{}) {
		t.Error("Only of no recorder, or of no names, is not Nop")
	}
}
