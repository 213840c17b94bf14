package directory_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/directory"
	"github.com/wabot-platform/wabot/shared/domain"
)

// source counts reads and can change under the directory, as an operator would.
type source struct {
	mu                           sync.Mutex
	clients                      map[string]*domain.Client
	stores                       []domain.Store
	byID, byNumber, lists, menus int
}

func (s *source) GetClient(_ context.Context, id string) (*domain.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID++
	if c, ok := s.clients[id]; ok {
		cp := *c
		return &cp, nil
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no client")
}

func (s *source) FindClientByPhoneNumber(_ context.Context, n string) (*domain.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byNumber++
	for _, c := range s.clients {
		if c.TwilioPhoneNumber == n {
			cp := *c
			return &cp, nil
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no client")
}

func (s *source) ListStores(context.Context, string) ([]domain.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	return append([]domain.Store(nil), s.stores...), nil
}

func (s *source) GetMenu(_ context.Context, id string) (*domain.Menu, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.menus++
	return &domain.Menu{ClientID: id}, nil
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func TestOneCacheForEveryPath(t *testing.T) {
	src := &source{
		clients: map[string]*domain.Client{"demo-burger": {ClientID: "demo-burger", TwilioPhoneNumber: "whatsapp:+5511990000002", IsActive: true}},
		stores:  []domain.Store{{ClientID: "demo-burger", StoreID: "vila-madalena"}},
	}
	clk := &clock{now: time.Now()}
	d, err := directory.New(directory.Deps{Clients: src, Stores: src, Menus: src, TTL: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 5 {
		if _, err := d.BrandByNumber(ctx, "whatsapp:+5511990000002"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Brand(ctx, "demo-burger"); err != nil {
			t.Fatal(err)
		}
		if s, err := d.Store(ctx, "demo-burger", "vila-madalena"); err != nil || s.StoreID != "vila-madalena" {
			t.Fatal(s, err)
		}
		if _, err := d.Menu(ctx, "demo-burger"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.BrandByNumber(ctx, "whatsapp:+5511999999999"); !domain.IsNotFound(err) {
			t.Fatalf("unknown number: %v", err)
		}
	}
	if src.byNumber != 2 || src.byID != 1 || src.lists != 1 || src.menus != 1 {
		t.Errorf("reads: by number %d, by id %d, store lists %d, menus %d; want 2, 1, 1, 1 (cached, unknown numbers too)", src.byNumber, src.byID, src.lists, src.menus)
	}
	// An operator deactivates the brand: seen once the TTL passes.
	src.mu.Lock()
	src.clients["demo-burger"].IsActive = false
	src.mu.Unlock()
	if c, _ := d.Brand(ctx, "demo-burger"); !c.IsActive {
		t.Error("the change was seen before the TTL")
	}
	clk.now = clk.now.Add(time.Minute + time.Second)
	if c, _ := d.Brand(ctx, "demo-burger"); c.IsActive {
		t.Error("the change was not seen after the TTL")
	}
	if _, err := d.Store(ctx, "demo-burger", "paulista"); !domain.IsNotFound(err) {
		t.Errorf("a store the brand lacks: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := directory.New(directory.Deps{}); err == nil {
		t.Error("no client source accepted")
	}
	if _, err := directory.New(directory.Deps{Clients: &source{}, TTL: directory.MaxTTL + time.Second}); err == nil {
		t.Error("a TTL over the maximum accepted")
	}
	d, _ := directory.New(directory.Deps{Clients: &source{}})
	if _, err := d.Menu(context.Background(), "x"); err == nil {
		t.Error("a directory built without menus served one")
	}
}
