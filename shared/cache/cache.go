// Package cache is a small in-memory cache with a time to live and a size bound, for the
// configuration a warm Lambda reads on every message (a brand by its number, a brand's
// stores, a brand's credentials). Entries expire, so an operator's change is seen within
// the TTL; the bound keeps a flood of unknown numbers from growing memory without limit.
package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache maps K to V for ttl. The zero value is not usable: call New.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	entries map[K]entry[V]
	group   singleflight.Group
}

type entry[V any] struct {
	value   V
	err     error
	expires time.Time
}

// New returns a cache whose entries live for ttl, holding at most max entries.
func New[K comparable, V any](ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max, now: time.Now, entries: map[K]entry[V]{}}
}

// WithClock replaces the clock (tests).
func (c *Cache[K, V]) WithClock(now func() time.Time) *Cache[K, V] { c.now = now; return c }

// ErrTTL says how long a load's error is remembered; zero or less means not at all. A "not
// found" is worth remembering for a while (it bounds the lookups a flood of unknown keys
// causes); a network failure is not.
type ErrTTL func(error) time.Duration

// Remember returns an ErrTTL that keeps the errors for which match is true for ttl.
func Remember(match func(error) bool, ttl time.Duration) ErrTTL {
	return func(err error) time.Duration {
		if match(err) {
			return ttl
		}
		return 0
	}
}

// Get returns the cached value of key or loads it. Concurrent misses of one key share one
// load. A value is kept for the cache's TTL; an error only as long as errTTL says (nil:
// errors are not kept).
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error), errTTL ErrTTL) (V, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return e.value, e.err
	}
	c.mu.Unlock()

	v, err, _ := c.group.Do(keyString(key), func() (any, error) {
		v, err := load(ctx)
		ttl := c.ttl
		if err != nil {
			ttl = 0
			if errTTL != nil {
				ttl = errTTL(err)
			}
		}
		if ttl > 0 {
			c.put(key, entry[V]{value: v, err: err, expires: c.now().Add(ttl)})
		}
		return v, err
	})
	val, _ := v.(V)
	return val, err
}

// Invalidate drops key, so the next Get loads it again.
func (c *Cache[K, V]) Invalidate(key K) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// Len returns the number of entries, expired ones included until they are evicted.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *Cache[K, V]) put(key K, e entry[V]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := c.now()
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		// Still full of live entries: drop arbitrary ones (map order) rather than grow.
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

func keyString(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	return fmt.Sprintf("%#v", k)
}
