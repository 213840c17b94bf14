package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/cache"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var errNotFound = errors.New("not found")

func TestExpiryAndErrors(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := cache.New[string, int](time.Minute, 10).WithClock(clk.now)
	loads := 0
	load := func(v int, err error) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { loads++; return v, err }
	}
	keepNotFound := cache.Remember(func(err error) bool { return errors.Is(err, errNotFound) }, 10*time.Second)
	ctx := context.Background()

	if v, _ := c.Get(ctx, "a", load(1, nil), nil); v != 1 {
		t.Fatalf("got %d", v)
	}
	if v, _ := c.Get(ctx, "a", load(2, nil), nil); v != 1 || loads != 1 {
		t.Fatalf("cached value %d after %d loads, want 1 after 1", v, loads)
	}
	clk.add(time.Minute)
	if v, _ := c.Get(ctx, "a", load(2, nil), nil); v != 2 || loads != 2 {
		t.Fatalf("expired entry not reloaded: %d after %d loads", v, loads)
	}
	// A kept error is served from the cache; another is not.
	if _, err := c.Get(ctx, "missing", load(0, errNotFound), keepNotFound); !errors.Is(err, errNotFound) {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "missing", load(5, nil), keepNotFound); !errors.Is(err, errNotFound) || loads != 3 {
		t.Fatalf("not-found not cached: %v after %d loads", err, loads)
	}
	boom := errors.New("network")
	_, _ = c.Get(ctx, "flaky", load(0, boom), keepNotFound)
	if v, err := c.Get(ctx, "flaky", load(7, nil), keepNotFound); err != nil || v != 7 {
		t.Fatalf("transient error was cached: %d %v", v, err)
	}
	// A kept error lives for its own TTL, shorter than a value's.
	clk.add(10 * time.Second)
	if v, err := c.Get(ctx, "missing", load(5, nil), keepNotFound); err != nil || v != 5 {
		t.Fatalf("not-found kept past its TTL: %d %v", v, err)
	}
	c.Invalidate("a")
	if v, _ := c.Get(ctx, "a", load(9, nil), nil); v != 9 {
		t.Fatalf("invalidated entry served: %d", v)
	}
}

func TestBounded(t *testing.T) {
	c := cache.New[int, int](time.Hour, 5)
	for i := range 100 {
		_, _ = c.Get(context.Background(), i, func(context.Context) (int, error) { return i, nil }, nil)
	}
	if n := c.Len(); n > 5 {
		t.Fatalf("cache holds %d entries, bound is 5", n)
	}
}

func TestConcurrentMissesShareOneLoad(t *testing.T) {
	c := cache.New[string, int](time.Hour, 10)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(context.Background(), "k", func(context.Context) (int, error) {
				loads.Add(1)
				<-release
				return 42, nil
			}, nil)
			if err != nil || v != 42 {
				t.Errorf("got %d %v", v, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for one key, want 1", n)
	}
}
