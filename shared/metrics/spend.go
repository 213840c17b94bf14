package metrics

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// DailyMetricsReader reads the daily counters: domain.DailyMetricsRepository's
// ListDailyMetrics (*dynamo.Repositories).
type DailyMetricsReader interface {
	ListDailyMetrics(ctx context.Context, clientID, from, to, storeID string) ([]domain.DailyCounters, error)
}

// UnflushedCounts are the counts this process has made and not written yet: *Daily.
type UnflushedCounts interface {
	// PendingCounts is the sum of the brand's counts of day (every store, and none) waiting
	// for a write.
	PendingCounts(clientID, day string) domain.Counts
}

// DefaultSpendTTL is how long a ModelSpend reuses a brand's stored total.
const DefaultSpendTTL = 60 * time.Second

// maxCount bounds a total, as domain.Counts' counters are: 2^53.
const maxCount = 1 << 53

// maxSpendEntries is the number of brands a ModelSpend keeps before it forgets the stale ones.
const maxSpendEntries = 1024

// ModelSpend tells how many model tokens a brand has used today, for the engine to compare
// with the brand's daily budget (domain.Client.TokenBudget) before a model call.
//
// What counts. The brand's daily counters of today (domain.MetricsDay: São Paulo's day) over
// all its stores and the counts without a store, as domain.Counts.BudgetTokens adds them:
// ModelInputTokens + ModelOutputTokens + ModelCacheWriteTokens. Cache reads are left out:
// they cost about a tenth of an input token, and counting them would spend a brand's budget
// on the cached prompt prefix it re-reads on every call, which is what the cache is for.
//
// Cost. The stored total is one Query on the brand's partition (ListDailyMetrics of one day),
// kept for the TTL (DefaultSpendTTL, a minute): a busy brand costs one Query a minute per
// worker instance, not one per turn. Concurrent calls for a brand whose total is stale share
// one Query. To the stored total it adds, on every call, what this process has counted and
// not written yet (WithUnflushed: the worker's Daily recorder), so the instance that spends
// sees its own spending at once.
//
// The budget is soft. Other worker instances write their counts only when they flush them
// (the Daily recorder's MaxAge, five minutes, for traffic counts such as tokens), and the
// stored total is up to the TTL old: counts made in that time by other instances are not
// seen, nor, for the moment of a write, the counts this instance is writing. A brand can
// thus overshoot its budget by what its instances spend in about MaxAge plus the TTL, and
// by the calls already under way when it is reached. It is a cost bound, not a quota.
//
// It is safe for concurrent use.
type ModelSpend struct {
	repo      DailyMetricsReader
	unflushed UnflushedCounts
	now       func() time.Time
	ttl       time.Duration

	mu       sync.Mutex
	cache    map[string]spendEntry
	inflight map[string]*spendFlight
}

// spendEntry is a brand's stored total of day, read at at.
type spendEntry struct {
	day    string
	tokens int64
	at     time.Time
}

// spendFlight is a Query under way for a brand; done is closed when it ends.
type spendFlight struct {
	day    string
	done   chan struct{}
	tokens int64
	err    error
}

// SpendOption configures a ModelSpend.
type SpendOption func(*ModelSpend)

// WithSpendClock sets the clock that tells the day and the totals' age (default time.Now).
func WithSpendClock(now func() time.Time) SpendOption {
	return func(s *ModelSpend) {
		if now != nil {
			s.now = now
		}
	}
}

// WithSpendTTL sets how long a brand's stored total is reused (default DefaultSpendTTL; zero
// or less: never, every call queries).
func WithSpendTTL(ttl time.Duration) SpendOption { return func(s *ModelSpend) { s.ttl = ttl } }

// WithUnflushed adds, to the stored totals, the counts u holds and has not written yet (the
// process's Daily recorder; a nil *Daily holds none); nil adds nothing.
func WithUnflushed(u UnflushedCounts) SpendOption {
	return func(s *ModelSpend) { s.unflushed = u }
}

// NewModelSpend returns a ModelSpend reading the daily counters from repo.
func NewModelSpend(repo DailyMetricsReader, opts ...SpendOption) *ModelSpend {
	s := &ModelSpend{repo: repo, now: time.Now, ttl: DefaultSpendTTL, cache: map[string]spendEntry{}, inflight: map[string]*spendFlight{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// TokensToday is the model tokens the brand clientID has used today (see ModelSpend). ctx
// must be the brand's tenant context (or the platform's): another brand's is EFORBIDDEN, as
// at the repository, even when the total is cached. A failed Query is returned as it came
// and not cached; what to do then (answer with the rules, or call the model) is the
// caller's choice.
func (s *ModelSpend) TokensToday(ctx context.Context, clientID string) (int64, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return 0, err
	}
	for {
		now := s.now()
		day := domain.MetricsDay(now)
		s.mu.Lock()
		if e, ok := s.cache[clientID]; ok && e.day == day && s.fresh(e, now) {
			s.mu.Unlock()
			return s.plusUnflushed(e.tokens, clientID, day), nil
		}
		if f := s.inflight[clientID]; f != nil {
			s.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
			// Another call's Query for the same day answers this one too, its failure
			// included, unless that call's own context ended it: then this one tries itself.
			if f.day != day || (f.err != nil && isContextError(f.err) && ctx.Err() == nil) {
				continue
			}
			if f.err != nil {
				return 0, f.err
			}
			return s.plusUnflushed(f.tokens, clientID, day), nil
		}
		f := &spendFlight{day: day, done: make(chan struct{})}
		s.inflight[clientID] = f
		s.mu.Unlock()

		f.tokens, f.err = s.load(ctx, clientID, day)
		s.mu.Lock()
		delete(s.inflight, clientID)
		if f.err == nil {
			s.store(clientID, spendEntry{day: day, tokens: f.tokens, at: now})
		}
		s.mu.Unlock()
		close(f.done)
		if f.err != nil {
			return 0, f.err
		}
		return s.plusUnflushed(f.tokens, clientID, day), nil
	}
}

// fresh reports whether e, read at e.at, may still be used at now.
func (s *ModelSpend) fresh(e spendEntry, now time.Time) bool {
	age := now.Sub(e.at)
	return age >= 0 && age < s.ttl
}

// store keeps e for clientID; past maxSpendEntries brands it first forgets the stale ones.
// Called with s.mu held.
func (s *ModelSpend) store(clientID string, e spendEntry) {
	if _, ok := s.cache[clientID]; !ok && len(s.cache) >= maxSpendEntries {
		for id, old := range s.cache {
			if old.day != e.day || !s.fresh(old, e.at) {
				delete(s.cache, id)
			}
		}
	}
	s.cache[clientID] = e
}

// load sums the brand's stored budget tokens of day: one ListDailyMetrics over every store.
func (s *ModelSpend) load(ctx context.Context, clientID, day string) (int64, error) {
	days, err := s.repo.ListDailyMetrics(ctx, clientID, day, day, "")
	if err != nil {
		return 0, err
	}
	var sum domain.Counts
	for _, d := range days {
		if d.ClientID == clientID && d.Day == day {
			sum = sum.Plus(d.Counts)
		}
	}
	return sum.BudgetTokens(), nil
}

// plusUnflushed adds what this process holds unwritten for the brand's day to stored.
func (s *ModelSpend) plusUnflushed(stored int64, clientID, day string) int64 {
	if s.unflushed == nil {
		return stored
	}
	return min(stored+s.unflushed.PendingCounts(clientID, day).BudgetTokens(), maxCount)
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
