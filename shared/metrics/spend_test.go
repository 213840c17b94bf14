package metrics

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// memDaily is the daily counters in memory: AddCounts (a Daily recorder's store) and
// ListDailyMetrics (a ModelSpend's reader), with the repository's tenant check. Queries
// counts the reads; gate, when set, holds each read until it is closed; fail fails the next
// reads with its error.
type memDaily struct {
	mu      sync.Mutex
	items   map[dailyKey]domain.Counts
	queries atomic.Int64
	gate    chan struct{}
	fail    error
}

func newMemDaily() *memDaily { return &memDaily{items: map[dailyKey]domain.Counts{}} }

func (m *memDaily) AddCounts(ctx context.Context, clientID, storeID, day string, c domain.Counts) error {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := dailyKey{clientID, storeID, day}
	m.items[k] = m.items[k].Plus(c)
	return nil
}

func (m *memDaily) ListDailyMetrics(ctx context.Context, clientID, from, to, storeID string) ([]domain.DailyCounters, error) {
	m.queries.Add(1)
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if _, err := domain.MetricsDayRange(from, to); err != nil {
		return nil, err
	}
	if m.gate != nil {
		<-m.gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	out := []domain.DailyCounters{}
	for k, c := range m.items {
		if k.clientID == clientID && k.day >= from && k.day <= to && (storeID == "" || storeID == k.storeID) {
			out = append(out, domain.DailyCounters{ClientID: k.clientID, StoreID: k.storeID, Day: k.day, Counts: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day+out[i].StoreID < out[j].Day+out[j].StoreID })
	return out, nil
}

func (m *memDaily) add(tb testing.TB, clientID, storeID, day string, c domain.Counts) {
	tb.Helper()
	if err := m.AddCounts(domain.NewPlatformContext(context.Background()), clientID, storeID, day, c); err != nil {
		tb.Fatal(err)
	}
}

// tokens are budget tokens: in input, out output, write cache writes, read cache reads.
func tokens(in, out, write, read int64) domain.Counts {
	return domain.Counts{ModelCalls: 1, ModelInputTokens: in, ModelOutputTokens: out, ModelCacheWriteTokens: write, ModelCacheReadTokens: read}
}

// A brand's tokens today: every store's and the counts without one, input + output + cache
// writes (not cache reads), not yesterday's, not another brand's.
func TestModelSpendSumsTodayOverStores(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(1000, 200, 3000, 90000))
	repo.add(t, "demo-burger", "vila-madalena", "2026-03-14", tokens(500, 100, 0, 4000))
	repo.add(t, "demo-burger", "", "2026-03-14", tokens(10, 0, 0, 0))
	repo.add(t, "demo-burger", "centro", "2026-03-14", domain.Counts{MessagesIn: 40, Orders: 3, RevenueCents: 9000})
	repo.add(t, "demo-burger", "centro", "2026-03-13", tokens(1_000_000, 0, 0, 0))
	repo.add(t, "demo-burger", "centro", "2026-03-15", tokens(1_000_000, 0, 0, 0))
	repo.add(t, "demo-pizzaria", "paulista", "2026-03-14", tokens(7_000_000, 0, 0, 0))

	s := NewModelSpend(repo, WithSpendClock(fixed(noon)))
	ctx := domain.NewContextWithTenant(context.Background(), "demo-burger")
	got, err := s.TokensToday(ctx, "demo-burger")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1000 + 200 + 3000 + 500 + 100 + 10); got != want {
		t.Errorf("TokensToday = %d, want %d", got, want)
	}
	empty, err := s.TokensToday(domain.NewContextWithTenant(context.Background(), "demo-nada"), "demo-nada")
	if err != nil || empty != 0 {
		t.Errorf("a brand without counters: %d, %v", empty, err)
	}
}

// The total is read once a minute: within 60 s the cached total answers (a change in the
// table is not seen), at 60 s it is read again; a new day is read at once.
func TestModelSpendCachesAMinute(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(100, 0, 0, 0))
	now := noon
	s := NewModelSpend(repo, WithSpendClock(func() time.Time { return now }))
	ctx := domain.NewContextWithTenant(context.Background(), "demo-burger")
	read := func(want int64, queries int64) {
		t.Helper()
		got, err := s.TokensToday(ctx, "demo-burger")
		if err != nil || got != want || repo.queries.Load() != queries {
			t.Fatalf("at %s: %d, %v after %d queries; want %d after %d", now.Format(time.TimeOnly), got, err, repo.queries.Load(), want, queries)
		}
	}
	read(100, 1)
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(50, 0, 0, 0))
	now = now.Add(59 * time.Second)
	read(100, 1)
	read(100, 1)
	now = now.Add(time.Second)
	read(150, 2)
	now = now.Add(30 * time.Second)
	read(150, 2)

	// 23:59:50 in São Paulo, then ten seconds later: the new day's counters, at once.
	now = time.Date(2026, 3, 15, 2, 59, 50, 0, time.UTC)
	read(150, 3)
	repo.add(t, "demo-burger", "centro", "2026-03-15", tokens(7, 0, 0, 0))
	now = now.Add(10 * time.Second)
	read(7, 4)

	// No TTL: every call reads.
	every := NewModelSpend(repo, WithSpendClock(func() time.Time { return now }), WithSpendTTL(0))
	for range 3 {
		if _, err := every.TokensToday(ctx, "demo-burger"); err != nil {
			t.Fatal(err)
		}
	}
	if repo.queries.Load() != 7 {
		t.Errorf("%d queries, want 7", repo.queries.Load())
	}
}

// What this process counted and has not written yet counts at once, added to the stored
// total; once written it is in the table, not counted twice.
func TestModelSpendAddsUnflushedCounts(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(1000, 0, 0, 0))
	now := noon
	clock := func() time.Time { return now }
	daily := NewDaily(repo, WithDailyClock(clock))
	s := NewModelSpend(repo, WithSpendClock(clock), WithUnflushed(daily))
	ctx := domain.NewContextWithTenant(context.Background(), "demo-burger")
	centro := Dims{ClientID: "demo-burger", StoreID: "centro"}
	daily.Count(ctx, resourcenames.MetricModelInputTokens, 300, centro)
	daily.Count(ctx, resourcenames.MetricModelOutputTokens, 40, Dims{ClientID: "demo-burger"})
	daily.Count(ctx, resourcenames.MetricModelCacheReadTokens, 9000, centro)
	daily.Count(ctx, resourcenames.MetricModelInputTokens, 5000, Dims{ClientID: "demo-pizzaria"})
	if got, err := s.TokensToday(ctx, "demo-burger"); err != nil || got != 1340 {
		t.Fatalf("stored and pending: %d, %v; want 1340", got, err)
	}
	if err := daily.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(DefaultSpendTTL)
	if got, err := s.TokensToday(ctx, "demo-burger"); err != nil || got != 1340 {
		t.Errorf("after the flush: %d, %v; want 1340 (stored now, not pending)", got, err)
	}
	var none *Daily
	if c := none.PendingCounts("demo-burger", "2026-03-14"); !c.IsZero() {
		t.Errorf("a nil Daily holds %+v", c)
	}
	if got, err := NewModelSpend(repo, WithSpendClock(clock), WithUnflushed(none)).TokensToday(ctx, "demo-burger"); err != nil || got != 1340 {
		t.Errorf("with a nil Daily: %d, %v", got, err)
	}
}

// Another brand's total is refused even when cached; a context without a tenant too.
func TestModelSpendChecksTheTenant(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(100, 0, 0, 0))
	s := NewModelSpend(repo, WithSpendClock(fixed(noon)))
	if _, err := s.TokensToday(domain.NewContextWithTenant(context.Background(), "demo-burger"), "demo-burger"); err != nil {
		t.Fatal(err)
	}
	for name, ctx := range map[string]context.Context{
		"another brand's": domain.NewContextWithTenant(context.Background(), "demo-pizzaria"),
		"no tenant":       context.Background(),
	} {
		if got, err := s.TokensToday(ctx, "demo-burger"); domain.ErrorCode(err) != domain.EFORBIDDEN || got != 0 {
			t.Errorf("%s context: %d, %v; want EFORBIDDEN", name, got, err)
		}
	}
	if got, err := s.TokensToday(domain.NewPlatformContext(context.Background()), "demo-burger"); err != nil || got != 100 {
		t.Errorf("platform context: %d, %v", got, err)
	}
	if _, err := s.TokensToday(domain.NewPlatformContext(context.Background()), "Not An Id"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("a bad id: %v", err)
	}
}

// A failed read is returned and not cached: the next call reads again.
func TestModelSpendDoesNotCacheFailures(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(100, 0, 0, 0))
	s := NewModelSpend(repo, WithSpendClock(fixed(noon)))
	ctx := domain.NewContextWithTenant(context.Background(), "demo-burger")
	boom := errors.New("throttled")
	repo.fail = boom
	if _, err := s.TokensToday(ctx, "demo-burger"); !errors.Is(err, boom) {
		t.Fatalf("a failed read: %v", err)
	}
	repo.fail = nil
	if got, err := s.TokensToday(ctx, "demo-burger"); err != nil || got != 100 || repo.queries.Load() != 2 {
		t.Errorf("after a failure: %d, %v after %d queries", got, err, repo.queries.Load())
	}
}

// Many turns of a brand at once, its total stale: one Query answers them all; another
// brand's is read on its own. Run with -race.
func TestModelSpendConcurrentCallsShareOneQuery(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(100, 20, 0, 0))
	repo.add(t, "demo-pizzaria", "paulista", "2026-03-14", tokens(7, 0, 0, 0))
	repo.gate = make(chan struct{})
	s := NewModelSpend(repo, WithSpendClock(fixed(noon)))
	const n = 32
	var wg sync.WaitGroup
	results := make(chan int64, 2*n)
	errs := make(chan error, 2*n)
	for i := range 2 * n {
		brand := "demo-burger"
		if i%2 == 1 {
			brand = "demo-pizzaria"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.TokensToday(domain.NewContextWithTenant(context.Background(), brand), brand)
			results <- got
			errs <- err
		}()
	}
	// Let the callers pile up on the two reads under way, then let the reads answer.
	deadline := time.Now().Add(5 * time.Second)
	for repo.queries.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(repo.gate)
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	burger, pizzaria := 0, 0
	for got := range results {
		switch got {
		case 120:
			burger++
		case 7:
			pizzaria++
		default:
			t.Errorf("a total of %d", got)
		}
	}
	if burger != n || pizzaria != n {
		t.Errorf("%d burger and %d pizzaria totals, want %d each", burger, pizzaria, n)
	}
	if q := repo.queries.Load(); q != 2 {
		t.Errorf("%d queries for %d concurrent calls of two brands, want 2", q, 2*n)
	}
}

// A caller whose context ends while another's Query is under way gives up; when the caller
// that queried gives up, the others query themselves.
func TestModelSpendWaitersFollowTheirContext(t *testing.T) {
	repo := newMemDaily()
	repo.add(t, "demo-burger", "centro", "2026-03-14", tokens(100, 0, 0, 0))
	gate := make(chan struct{})
	repo.gate = gate
	s := NewModelSpend(repo, WithSpendClock(fixed(noon)))
	tenant := domain.NewContextWithTenant(context.Background(), "demo-burger")

	leaderCtx, cancelLeader := context.WithCancel(tenant)
	leader := make(chan error, 1)
	go func() {
		_, err := s.TokensToday(leaderCtx, "demo-burger")
		leader <- err
	}()
	for repo.queries.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	short, cancel := context.WithTimeout(tenant, 20*time.Millisecond)
	defer cancel()
	if _, err := s.TokensToday(short, "demo-burger"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiter whose deadline passed: %v", err)
	}

	// The leader's read ends with its own cancellation; a waiter then reads for itself.
	repo.fail = context.Canceled
	waiter := make(chan int64, 1)
	go func() {
		got, _ := s.TokensToday(tenant, "demo-burger")
		waiter <- got
	}()
	time.Sleep(20 * time.Millisecond)
	cancelLeader()
	gate <- struct{}{} // the leader's read fails with context.Canceled
	if err := <-leader; !errors.Is(err, context.Canceled) {
		t.Errorf("the leader: %v", err)
	}
	repo.mu.Lock()
	repo.fail = nil
	repo.mu.Unlock()
	close(gate)
	if got := <-waiter; got != 100 {
		t.Errorf("the waiter read %d, want 100", got)
	}
}
