package domaintest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// NewClockAt returns a settable clock that starts at t: tests that compare times with fixed
// values start it at a fixed date.
func NewClockAt(t time.Time) *Clock { return &Clock{now: t} }

// Idempotency is an in-memory domain.IdempotencyRepository for tests of the code that claims
// (webhooks, workers). It keeps the contract written on the interface exactly as the DynamoDB
// implementation does (TestIdempotency holds it to the suite's idempotency tests):
//
//   - every call checks the tenant in the context (domain.CheckTenant) and the key (required,
//     at most domain.MaxIdempotencyKey bytes), and refuses a ttl or lease that is not positive, a
//     lease longer than the ttl and a Complete of more than domain.MaxCompleteKeys keys;
//   - a record lives for its ttl from when it was written, counted in whole seconds rounded
//     up, and reads as absent from then on;
//   - a pending key's lease runs out strictly after its end: a Begin at the very millisecond
//     the lease ends still finds it in progress.
//
// It is safe for concurrent use. The zero value is not usable: call NewIdempotency.
type Idempotency struct {
	now func() time.Time

	mu      sync.Mutex
	records map[recordKey]ClaimRecord
	begun   []string
	err     error
}

type recordKey struct{ clientID, key string }

// ClaimRecord is what Idempotency holds for one key.
type ClaimRecord struct {
	// State is domain.ClaimInProgress while the key is pending (begun, not completed),
	// domain.ClaimDone once it was completed or claimed by Claim.
	State domain.ClaimState
	// LeaseUntil is when a pending key may be taken over; zero for a done one.
	LeaseUntil time.Time
	// Expires is when the record reads as absent: written at + ttl, rounded up to the second.
	Expires time.Time
}

var _ domain.IdempotencyRepository = (*Idempotency)(nil)

// NewIdempotency returns an empty repository that reads the time from now (time.Now when nil):
// pass a Clock's Now to move it past leases and TTLs.
func NewIdempotency(now func() time.Time) *Idempotency {
	if now == nil {
		now = time.Now
	}
	return &Idempotency{now: now, records: map[recordKey]ClaimRecord{}}
}

// FailWith makes every later call that passes validation fail with err, as when the storage
// is unreachable; nil makes them work again.
func (f *Idempotency) FailWith(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// Begun returns the keys passed to Begin, in order, including calls that failed: a test that
// wants nothing claimed sees even an attempt.
func (f *Idempotency) Begun() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.begun...)
}

// Keys returns the live records as "clientId/key", sorted.
func (f *Idempotency) Keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	var out []string
	for k, r := range f.records {
		if !expired(r, now) {
			out = append(out, k.clientID+"/"+k.key)
		}
	}
	sort.Strings(out)
	return out
}

// Record returns the live record of the brand's key, false when there is none.
func (f *Idempotency) Record(clientID, key string) (ClaimRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.live(recordKey{clientID, key}, f.now())
	return r, ok
}

// Claim implements domain.IdempotencyRepository.
func (f *Idempotency) Claim(ctx context.Context, clientID, key string, ttl time.Duration) (bool, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return false, err
	}
	if err := domain.CheckClaimTTL(ttl); err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return false, f.err
	}
	now := f.now()
	k := recordKey{clientID, key}
	if _, ok := f.live(k, now); ok {
		return false, nil
	}
	f.records[k] = ClaimRecord{State: domain.ClaimDone, Expires: expiry(now, ttl)}
	return true, nil
}

// Release implements domain.IdempotencyRepository.
func (f *Idempotency) Release(ctx context.Context, clientID, key string) error {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	delete(f.records, recordKey{clientID, key})
	return nil
}

// Begin implements domain.IdempotencyRepository.
func (f *Idempotency) Begin(ctx context.Context, clientID, key string, lease, ttl time.Duration) (domain.ClaimState, error) {
	f.mu.Lock()
	f.begun = append(f.begun, key)
	f.mu.Unlock()
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return 0, err
	}
	if err := domain.CheckClaimLease(lease, ttl); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	now := f.now()
	k := recordKey{clientID, key}
	if r, ok := f.live(k, now); ok {
		if r.State == domain.ClaimDone {
			return domain.ClaimDone, nil
		}
		if r.LeaseUntil.UnixMilli() >= now.UnixMilli() {
			return domain.ClaimInProgress, nil
		}
	}
	f.records[k] = ClaimRecord{State: domain.ClaimInProgress, LeaseUntil: now.Add(lease), Expires: expiry(now, ttl)}
	return domain.ClaimTaken, nil
}

// Complete implements domain.IdempotencyRepository. It writes nothing unless every key is
// valid.
func (f *Idempotency) Complete(ctx context.Context, clientID string, keys []string, ttl time.Duration) error {
	if len(keys) == 0 {
		return nil
	}
	if err := domain.CheckComplete(ctx, clientID, keys, ttl); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	now := f.now()
	for _, k := range keys {
		f.records[recordKey{clientID, k}] = ClaimRecord{State: domain.ClaimDone, Expires: expiry(now, ttl)}
	}
	return nil
}

// Lookup implements domain.IdempotencyRepository.
func (f *Idempotency) Lookup(ctx context.Context, clientID, key string) (domain.ClaimState, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	r, ok := f.live(recordKey{clientID, key}, f.now())
	if !ok {
		return 0, nil
	}
	return r.State, nil
}

// live returns k's record unless it is absent or expired at now. f.mu must be held.
func (f *Idempotency) live(k recordKey, now time.Time) (ClaimRecord, bool) {
	r, ok := f.records[k]
	if !ok || expired(r, now) {
		return ClaimRecord{}, false
	}
	return r, true
}

// expiry is now+ttl rounded up to the second, as the DynamoDB TTL attribute stores it.
func expiry(now time.Time, ttl time.Duration) time.Time {
	exp := now.Add(ttl)
	if t := exp.Truncate(time.Second); !t.Equal(exp) {
		return t.Add(time.Second)
	}
	return exp
}

func expired(r ClaimRecord, now time.Time) bool { return domain.Expired(r.Expires.Unix(), now) }
