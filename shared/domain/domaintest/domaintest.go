// Package domaintest holds a test suite that every implementation of the domain's
// repositories runs (DynamoDB on the emulator, DynamoDB on AWS, any future one), so they all
// keep the contract written in domain/repository.go, not just the one that was tested first.
package domaintest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Repos are the repositories under test, usually all backed by one value.
type Repos struct {
	Clients       domain.ClientRepository
	Stores        domain.StoreRepository
	Mappings      domain.PhoneMappingRepository
	Conversations domain.ConversationRepository
	Idempotency   domain.IdempotencyRepository
	Menus         domain.MenuRepository
	Orders        domain.OrderRepository
}

// AllRepositories is an implementation of every repository in one value.
type AllRepositories interface {
	domain.ClientRepository
	domain.StoreRepository
	domain.PhoneMappingRepository
	domain.ConversationRepository
	domain.IdempotencyRepository
	domain.MenuRepository
	domain.OrderRepository
}

// ReposOf returns Repos all backed by r.
func ReposOf(r AllRepositories) Repos {
	return Repos{Clients: r, Stores: r, Mappings: r, Conversations: r, Idempotency: r, Menus: r, Orders: r}
}

// Setup says how the suite wants a set of repositories built.
type Setup struct {
	// Now is the clock the repositories must read for every timestamp and TTL decision: the
	// suite moves it past TTLs that the storage itself does not enforce in time.
	Now func() time.Time
	// MaxRetries is how many times an update that lost to a concurrent writer is retried
	// before it fails with ECONFLICT (0: one attempt only). The suite always sets it.
	MaxRetries int
}

// Factory builds repositories for one (sub)test over empty storage of their own: subtests
// run in parallel and reuse the same ids. Release the storage with t.Cleanup.
type Factory func(t *testing.T, s Setup) Repos

// defaultRetries is what the suite asks for unless a subtest is about retries.
const defaultRetries = 10

// Fixtures: two brands that share a customer, as in the demo data.
const (
	Pizzaria       = "demo-pizzaria"
	Burger         = "demo-burger"
	PizzariaNumber = "whatsapp:+5511900000001"
	BurgerNumber   = "whatsapp:+5511900000002"
	Customer       = "whatsapp:+5511987654321"
)

// TestRepositories runs the repository contract against the repositories newRepos builds.
func TestRepositories(t *testing.T, newRepos Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"create-if-absent", testCreateIfAbsent},
		{"get-missing", testGetMissing},
		{"update-increments-version", testUpdateIncrementsVersion},
		{"update-fn-error-aborts", testUpdateFnErrorAborts},
		{"update-retries-after-conflict", testUpdateRetriesAfterConflict},
		{"update-conflict-surfaces-when-retries-run-out", testUpdateConflictSurfaces},
		{"concurrent-updates-lose-nothing", testConcurrentUpdates},
		{"expired-reads-as-absent", testExpired},
		{"expiring-during-update-is-not-revived", testExpiresDuringUpdate},
		{"one-customer-two-brands", testTwoBrands},
		{"tenant-guard", testTenantGuard},
		{"find-client-by-phone-number", testFindClientByPhoneNumber},
		{"list-stores-per-brand", testListStores},
		{"delete-conversation", testDeleteConversation},
		{"save-conversation-changes", testSaveConversation},
		{"idempotency-claim", testIdempotencyClaim},
		{"idempotency-two-phase", testIdempotencyTwoPhase},
		{"invalid-input", testInvalidInput},
		{"menu-round-trip", testMenuRoundTrip},
		{"menu-largest", testMenuLargest},
		{"menu-replace-removes-deleted", testMenuReplace},
		{"menu-tenant-guard", testMenuTenantGuard},
		{"menu-invalid", testMenuInvalid},
		{"order-create-if-absent", testOrderCreate},
		{"order-update-state-machine", testOrderUpdate},
		{"order-published-once", testOrderPublishedOnce},
		{"order-tenant-guard", testOrderTenantGuard},
		{"order-invalid", testOrderInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newRepos)
		})
	}
}

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at the current second, so TTLs written during the suite are sensible on
// a real table too.
func NewClock() *Clock { return &Clock{now: time.Now().UTC().Truncate(time.Second)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup builds repositories with a fresh clock and the default retries.
func setup(t *testing.T, newRepos Factory) (Repos, *Clock) {
	t.Helper()
	clock := NewClock()
	return newRepos(t, Setup{Now: clock.Now, MaxRetries: defaultRetries}), clock
}

// NewClient returns a valid client.
func NewClient(id, number string) *domain.Client {
	return &domain.Client{
		ClientID:          id,
		ClientName:        "Brand " + id,
		TwilioPhoneNumber: number,
		DefaultLanguage:   domain.PtBR,
		WelcomeMessage:    "Olá!",
		IsActive:          true,
	}
}

// NewStore returns a valid store.
func NewStore(clientID, storeID string) *domain.Store {
	return &domain.Store{
		ClientID:  clientID,
		StoreID:   storeID,
		StoreName: "Store " + storeID,
		Address: domain.Address{
			Street: "Rua Augusta", Number: "100", Neighborhood: "Consolação",
			City: "São Paulo", State: "SP", PostalCode: "01304-000",
		},
		OperatingHours: domain.OperatingHours{"monday": {{Open: "18:00", Close: "23:00"}}},
		DeliveryConfig: domain.DeliveryConfig{DeliveryEnabled: true, DeliveryFeeCents: 700, EstimatedMinutes: 40},
		PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit},
		IsActive:       true,
	}
}

// NewMapping returns a valid phone mapping.
func NewMapping(clientID, phone, storeID string) *domain.PhoneMapping {
	return &domain.PhoneMapping{ClientID: clientID, PhoneNumber: phone, StoreID: storeID, CustomerName: "Ana"}
}

// NewConversation returns a valid conversation, live for domain.ConversationTTL from now.
func NewConversation(clientID, phone string, now time.Time) *domain.Conversation {
	c := &domain.Conversation{
		ClientID:     clientID,
		PhoneNumber:  phone,
		SessionID:    "s-" + clientID,
		CurrentState: domain.StateGreeting,
		Language:     domain.PtBR,
	}
	c.Touch(now)
	return c
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

// must fails the test now on err.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testCreateIfAbsent(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	now := clock.Now()

	c := NewClient(Pizzaria, PizzariaNumber)
	must(t, r.Clients.CreateClient(ctx, c), "create client")
	if c.Version != 1 || !c.CreatedAt.Equal(now) || !c.UpdatedAt.Equal(now) {
		t.Errorf("created client has version %d, createdAt %v, updatedAt %v; want 1, %v, %v", c.Version, c.CreatedAt, c.UpdatedAt, now, now)
	}
	dup := NewClient(Pizzaria, BurgerNumber)
	dup.ClientName = "Impostor"
	wantCode(t, r.Clients.CreateClient(ctx, dup), domain.ECONFLICT, "second CreateClient")
	got, err := r.Clients.GetClient(ctx, Pizzaria)
	must(t, err, "get client")
	if got.ClientName != c.ClientName || got.TwilioPhoneNumber != PizzariaNumber || got.Version != 1 {
		t.Errorf("client after a conflicting create = %+v, want the first one intact", got)
	}

	s := NewStore(Pizzaria, "centro")
	must(t, r.Stores.CreateStore(ctx, s), "create store")
	dupStore := NewStore(Pizzaria, "centro")
	dupStore.StoreName = "Impostor"
	wantCode(t, r.Stores.CreateStore(ctx, dupStore), domain.ECONFLICT, "second CreateStore")
	gotStore, err := r.Stores.GetStore(ctx, Pizzaria, "centro")
	must(t, err, "get store")
	if gotStore.StoreName != s.StoreName || gotStore.Version != 1 || !reflect.DeepEqual(gotStore.PaymentMethods, s.PaymentMethods) {
		t.Errorf("store after a conflicting create = %+v, want the first one intact", gotStore)
	}

	m := NewMapping(Pizzaria, Customer, "centro")
	must(t, r.Mappings.CreateMapping(ctx, m), "create mapping")
	wantCode(t, r.Mappings.CreateMapping(ctx, NewMapping(Pizzaria, Customer, "other")), domain.ECONFLICT, "second CreateMapping")
	gotMapping, err := r.Mappings.GetMapping(ctx, Pizzaria, Customer)
	must(t, err, "get mapping")
	if gotMapping.StoreID != "centro" || gotMapping.Version != 1 {
		t.Errorf("mapping after a conflicting create = %+v, want the first one intact", gotMapping)
	}

	conv := NewConversation(Pizzaria, Customer, now)
	must(t, r.Conversations.CreateConversation(ctx, conv), "create conversation")
	if conv.Version != 1 || !conv.CreatedAt.Equal(now) {
		t.Errorf("created conversation has version %d, createdAt %v; want 1, %v", conv.Version, conv.CreatedAt, now)
	}
	dupConv := NewConversation(Pizzaria, Customer, now)
	dupConv.SessionID = "impostor"
	wantCode(t, r.Conversations.CreateConversation(ctx, dupConv), domain.ECONFLICT, "second CreateConversation")
	gotConv, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation")
	if gotConv.SessionID != conv.SessionID || gotConv.Version != 1 || gotConv.TTL != conv.TTL {
		t.Errorf("conversation after a conflicting create = %+v, want the first one intact", gotConv)
	}
}

func testGetMissing(t *testing.T, newRepos Factory) {
	r, _ := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	_, err := r.Clients.GetClient(ctx, Pizzaria)
	wantCode(t, err, domain.ENOTFOUND, "GetClient")
	_, err = r.Stores.GetStore(ctx, Pizzaria, "centro")
	wantCode(t, err, domain.ENOTFOUND, "GetStore")
	_, err = r.Mappings.GetMapping(ctx, Pizzaria, Customer)
	wantCode(t, err, domain.ENOTFOUND, "GetMapping")
	_, err = r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	wantCode(t, err, domain.ENOTFOUND, "GetConversation")

	called := false
	_, err = r.Clients.UpdateClient(ctx, Pizzaria, func(*domain.Client) error { called = true; return nil })
	wantCode(t, err, domain.ENOTFOUND, "UpdateClient")
	_, err = r.Stores.UpdateStore(ctx, Pizzaria, "centro", func(*domain.Store) error { called = true; return nil })
	wantCode(t, err, domain.ENOTFOUND, "UpdateStore")
	_, err = r.Mappings.UpdateMapping(ctx, Pizzaria, Customer, func(*domain.PhoneMapping) error { called = true; return nil })
	wantCode(t, err, domain.ENOTFOUND, "UpdateMapping")
	_, err = r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(*domain.Conversation) error { called = true; return nil })
	wantCode(t, err, domain.ENOTFOUND, "UpdateConversation")
	if called {
		t.Error("an update function was called for an absent item")
	}
	// Nothing was created by the failed updates.
	_, err = r.Clients.GetClient(ctx, Pizzaria)
	wantCode(t, err, domain.ENOTFOUND, "GetClient after UpdateClient of an absent client")
}

func testUpdateIncrementsVersion(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	created := clock.Now()
	must(t, r.Clients.CreateClient(ctx, NewClient(Pizzaria, PizzariaNumber)), "create client")
	must(t, r.Stores.CreateStore(ctx, NewStore(Pizzaria, "centro")), "create store")
	must(t, r.Mappings.CreateMapping(ctx, NewMapping(Pizzaria, Customer, "centro")), "create mapping")
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, created)), "create conversation")
	clock.Advance(time.Minute)
	later := clock.Now()

	c, err := r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error {
		c.ClientName = "Pizzaria Renamed"
		c.CreatedAt = time.Time{} // the repository owns createdAt
		return nil
	})
	must(t, err, "update client")
	if c.Version != 2 || c.ClientName != "Pizzaria Renamed" || !c.UpdatedAt.Equal(later) || !c.CreatedAt.Equal(created) {
		t.Errorf("updated client = version %d, name %q, createdAt %v, updatedAt %v; want 2, renamed, %v, %v", c.Version, c.ClientName, c.CreatedAt, c.UpdatedAt, created, later)
	}
	stored, err := r.Clients.GetClient(ctx, Pizzaria)
	must(t, err, "get client")
	if !reflect.DeepEqual(normal(stored), normal(c)) {
		t.Errorf("stored client %+v differs from the one UpdateClient returned %+v", stored, c)
	}
	c, err = r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error { c.IsActive = false; return nil })
	must(t, err, "update client again")
	if c.Version != 3 || c.IsActive {
		t.Errorf("second update: version %d, active %v; want 3, false", c.Version, c.IsActive)
	}

	s, err := r.Stores.UpdateStore(ctx, Pizzaria, "centro", func(s *domain.Store) error { s.DeliveryConfig.DeliveryFeeCents = 900; return nil })
	must(t, err, "update store")
	if s.Version != 2 || s.DeliveryConfig.DeliveryFeeCents != 900 || !s.UpdatedAt.Equal(later) {
		t.Errorf("updated store = version %d, fee %d, updatedAt %v; want 2, 900, %v", s.Version, s.DeliveryConfig.DeliveryFeeCents, s.UpdatedAt, later)
	}

	m, err := r.Mappings.UpdateMapping(ctx, Pizzaria, Customer, func(m *domain.PhoneMapping) error { m.StoreID = "norte"; return nil })
	must(t, err, "update mapping")
	if m.Version != 2 || m.StoreID != "norte" || !m.UpdatedAt.Equal(later) {
		t.Errorf("updated mapping = version %d, store %q, updatedAt %v; want 2, norte, %v", m.Version, m.StoreID, m.UpdatedAt, later)
	}

	conv, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
		c.CurrentState = domain.StateMenuBrowsing
		c.Cart = append(c.Cart, domain.CartItem{ItemID: "margherita", Name: "Margherita", Quantity: 2, UnitPriceCents: 4500})
		c.Touch(later)
		return nil
	})
	must(t, err, "update conversation")
	if conv.Version != 2 || conv.CurrentState != domain.StateMenuBrowsing || conv.CartTotalCents() != 9000 || conv.TTL != later.Add(domain.ConversationTTL).Unix() {
		t.Errorf("updated conversation = %+v; want version 2, MENU_BROWSING, total 9000, ttl pushed", conv)
	}
	gotConv, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation")
	if gotConv.Version != 2 || len(gotConv.Cart) != 1 || !reflect.DeepEqual(gotConv.Cart[0], conv.Cart[0]) {
		t.Errorf("stored conversation = %+v; want the update's", gotConv)
	}
}

// normal returns a copy of c with times in UTC, so values read back compare with DeepEqual
// whatever location the storage hands back.
func normal(c *domain.Client) domain.Client {
	n := *c
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n
}

func testUpdateFnErrorAborts(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create conversation")
	boom := errors.New("the engine refused")
	_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
		c.CurrentState = domain.StateHandoff
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdateConversation returned %v, want fn's error as is", err)
	}
	// A domain error from fn keeps its code: the edge maps it like any other.
	must(t, r.Clients.CreateClient(ctx, NewClient(Pizzaria, PizzariaNumber)), "create client")
	domainErr := domain.Errorf(domain.EINVALID, "the operator's change breaks a rule")
	_, err = r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error { c.IsActive = false; return domainErr })
	if !errors.Is(err, domainErr) {
		t.Errorf("UpdateClient returned %v, want fn's *domain.Error as is", err)
	}
	cl, err := r.Clients.GetClient(ctx, Pizzaria)
	must(t, err, "get client")
	if cl.Version != 1 || !cl.IsActive {
		t.Errorf("client after an aborted update = version %d, active %v; want 1, true", cl.Version, cl.IsActive)
	}
	got, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation")
	if got.Version != 1 || got.CurrentState != domain.StateGreeting {
		t.Errorf("conversation after an aborted update = version %d, state %s; want 1, GREETING", got.Version, got.CurrentState)
	}
}

// testUpdateRetriesAfterConflict makes a second writer win between the first writer's read
// and write: the first writer's conditional write must fail, and its retry must apply its
// change on top of the second writer's.
func testUpdateRetriesAfterConflict(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create conversation")

	calls := 0
	got, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
		calls++
		if calls == 1 {
			// Another writer (say, a second worker) commits while this one holds version 1.
			_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
				c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "from the other writer", At: clock.Now()})
				return nil
			})
			if err != nil {
				return fmt.Errorf("nested update: %w", err)
			}
		}
		c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: "from the first writer", At: clock.Now()})
		return nil
	})
	must(t, err, "update conversation")
	if calls != 2 {
		t.Errorf("fn was called %d times, want 2 (the stale write must fail and be retried)", calls)
	}
	if got.Version != 3 {
		t.Errorf("version = %d, want 3 (create, the other writer, the retry)", got.Version)
	}
	stored, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation")
	var bodies []string
	for _, h := range stored.MessageHistory {
		bodies = append(bodies, h.Body)
	}
	if want := []string{"from the other writer", "from the first writer"}; !reflect.DeepEqual(bodies, want) {
		t.Errorf("history = %q, want %q: a change was lost", bodies, want)
	}
}

// testUpdateConflictSurfaces makes every attempt lose: once the retries run out the caller
// gets ECONFLICT, and fn ran once per attempt.
func testUpdateConflictSurfaces(t *testing.T, newRepos Factory) {
	for _, retries := range []int{0, 1} {
		t.Run(fmt.Sprintf("max-retries-%d", retries), func(t *testing.T) {
			t.Parallel()
			clock := NewClock()
			r := newRepos(t, Setup{Now: clock.Now, MaxRetries: retries})
			ctx := domain.NewPlatformContext(context.Background())
			must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create conversation")
			must(t, r.Clients.CreateClient(ctx, NewClient(Pizzaria, PizzariaNumber)), "create client")

			calls := 0
			_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
				calls++
				_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
					c.Context = map[string]string{"other": strconv.Itoa(calls)}
					return nil
				})
				c.CurrentState = domain.StateHandoff
				return err
			})
			wantCode(t, err, domain.ECONFLICT, "UpdateConversation that always loses")
			if calls != retries+1 {
				t.Errorf("fn was called %d times, want %d (one attempt plus %d retries)", calls, retries+1, retries)
			}
			got, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
			must(t, err, "get conversation")
			if got.CurrentState == domain.StateHandoff || got.Version != int64(1+calls) || got.Context["other"] != strconv.Itoa(calls) {
				t.Errorf("conversation = version %d, state %s, context %v; want only the other writer's %d changes", got.Version, got.CurrentState, got.Context, calls)
			}

			// The same holds for the other repositories' updates.
			_, err = r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error {
				_, err := r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error { c.WelcomeMessage += "!"; return nil })
				c.ClientName = "Lost"
				return err
			})
			wantCode(t, err, domain.ECONFLICT, "UpdateClient that always loses")
		})
	}
}

// concurrentWriters is how many goroutines update one conversation at once.
const concurrentWriters = 20

// testConcurrentUpdates runs writers that each add one message and one to a counter. A
// writer's conditional write fails only when another writer succeeded since its read, and
// each writer succeeds once, so concurrentWriters-1 retries are enough for all to succeed.
func testConcurrentUpdates(t *testing.T, newRepos Factory) {
	clock := NewClock()
	r := newRepos(t, Setup{Now: clock.Now, MaxRetries: concurrentWriters - 1})
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create conversation")

	var wg sync.WaitGroup
	errs := make(chan error, concurrentWriters)
	for i := range concurrentWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
				n, _ := strconv.Atoi(c.Context["count"])
				if c.Context == nil {
					c.Context = map[string]string{}
				}
				c.Context["count"] = strconv.Itoa(n + 1)
				c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: fmt.Sprintf("message %d", i), At: clock.Now()})
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent update: %v", err)
		}
	}
	got, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation")
	if got.Context["count"] != strconv.Itoa(concurrentWriters) || len(got.MessageHistory) != concurrentWriters || got.Version != 1+concurrentWriters {
		t.Errorf("after %d concurrent updates: count %s, %d messages, version %d; want %d, %d, %d",
			concurrentWriters, got.Context["count"], len(got.MessageHistory), got.Version, concurrentWriters, concurrentWriters, 1+concurrentWriters)
	}
	seen := map[string]bool{}
	for _, h := range got.MessageHistory {
		seen[h.Body] = true
	}
	for i := range concurrentWriters {
		if body := fmt.Sprintf("message %d", i); !seen[body] {
			t.Errorf("%q was lost", body)
		}
	}
}

func testExpired(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	old := NewConversation(Pizzaria, Customer, clock.Now())
	old.CurrentState = domain.StateCart
	must(t, r.Conversations.CreateConversation(ctx, old), "create conversation")

	// One second before the TTL the conversation is alive; at the TTL it is dead, whether or
	// not the storage has deleted it yet.
	clock.Advance(domain.ConversationTTL - time.Second)
	_, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation just before its ttl")
	clock.Advance(time.Second)

	_, err = r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	wantCode(t, err, domain.ENOTFOUND, "GetConversation past its ttl")
	called := false
	_, err = r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(*domain.Conversation) error { called = true; return nil })
	wantCode(t, err, domain.ENOTFOUND, "UpdateConversation past its ttl")
	if called {
		t.Error("the update function was called for an expired conversation")
	}

	fresh := NewConversation(Pizzaria, Customer, clock.Now())
	fresh.SessionID = "second-session"
	must(t, r.Conversations.CreateConversation(ctx, fresh), "create over an expired conversation")
	got, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get the new conversation")
	if got.SessionID != "second-session" || got.CurrentState != domain.StateGreeting || got.Version != 1 {
		t.Errorf("conversation = session %q, state %s, version %d; want the new one, GREETING, 1", got.SessionID, got.CurrentState, got.Version)
	}
	// The new one is live: a second create conflicts.
	wantCode(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), domain.ECONFLICT, "create over a live conversation")

	// Idempotency records expire the same way.
	ok, err := r.Idempotency.Claim(ctx, Pizzaria, "SM-expiring", time.Minute)
	must(t, err, "claim")
	if !ok {
		t.Error("first claim = false, want true")
	}
	clock.Advance(time.Minute)
	ok, err = r.Idempotency.Claim(ctx, Pizzaria, "SM-expiring", time.Minute)
	must(t, err, "claim after expiry")
	if !ok {
		t.Error("claim of an expired key = false, want true")
	}
}

// testExpiresDuringUpdate lets the conversation's TTL pass between the read and the write of
// an update: the write must not revive it, even though fn pushes the TTL forward from the
// time it read (as a slow engine step would).
func testExpiresDuringUpdate(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create conversation")
	clock.Advance(domain.ConversationTTL - time.Second)
	calls := 0
	_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
		calls++
		readAt := clock.Now()
		clock.Advance(time.Second)
		c.CurrentState = domain.StateCart
		c.Touch(readAt)
		return nil
	})
	wantCode(t, err, domain.ENOTFOUND, "UpdateConversation of a conversation that expired meanwhile")
	if calls != 1 {
		t.Errorf("fn was called %d times, want 1", calls)
	}
	_, err = r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	wantCode(t, err, domain.ENOTFOUND, "GetConversation after the refused update")
}

func testTwoBrands(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	now := clock.Now()
	for _, b := range []struct{ id, number string }{{Pizzaria, PizzariaNumber}, {Burger, BurgerNumber}} {
		must(t, r.Clients.CreateClient(ctx, NewClient(b.id, b.number)), "create client "+b.id)
		// Both brands have a store called "centro": store ids are per brand.
		must(t, r.Stores.CreateStore(ctx, NewStore(b.id, "centro")), "create store of "+b.id)
	}
	must(t, r.Stores.CreateStore(ctx, NewStore(Burger, "paulista")), "create store")

	must(t, r.Mappings.CreateMapping(ctx, NewMapping(Pizzaria, Customer, "centro")), "map to the pizzaria")
	must(t, r.Mappings.CreateMapping(ctx, NewMapping(Burger, Customer, "paulista")), "map to the burger place")
	pc := NewConversation(Pizzaria, Customer, now)
	pc.StoreID, pc.CurrentState = "centro", domain.StateCart
	must(t, r.Conversations.CreateConversation(ctx, pc), "pizzaria conversation")
	bc := NewConversation(Burger, Customer, now)
	bc.StoreID, bc.CurrentState, bc.Language = "paulista", domain.StateMenuBrowsing, domain.EnUS
	must(t, r.Conversations.CreateConversation(ctx, bc), "burger conversation")

	pm, err := r.Mappings.GetMapping(ctx, Pizzaria, Customer)
	must(t, err, "get pizzaria mapping")
	bm, err := r.Mappings.GetMapping(ctx, Burger, Customer)
	must(t, err, "get burger mapping")
	if pm.StoreID != "centro" || bm.StoreID != "paulista" {
		t.Errorf("mappings: pizzaria -> %q, burger -> %q; want centro, paulista", pm.StoreID, bm.StoreID)
	}
	burgerBefore, err := r.Conversations.GetConversation(ctx, Burger, Customer)
	must(t, err, "get burger conversation")
	if burgerBefore.StoreID != "paulista" || burgerBefore.CurrentState != domain.StateMenuBrowsing || burgerBefore.Language != domain.EnUS {
		t.Errorf("burger conversation = %+v, want its own store, state and language", burgerBefore)
	}
	burgerMappingBefore := *bm

	clock.Advance(time.Minute)
	_, err = r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error {
		c.CurrentState = domain.StateCheckout
		c.Touch(clock.Now())
		return nil
	})
	must(t, err, "update pizzaria conversation")
	_, err = r.Mappings.UpdateMapping(ctx, Pizzaria, Customer, func(m *domain.PhoneMapping) error { m.CustomerName = "Ana P."; return nil })
	must(t, err, "update pizzaria mapping")

	burgerAfter, err := r.Conversations.GetConversation(ctx, Burger, Customer)
	must(t, err, "get burger conversation again")
	if !reflect.DeepEqual(burgerAfter, burgerBefore) {
		t.Errorf("burger conversation changed when the pizzaria's was updated:\nbefore %+v\nafter  %+v", burgerBefore, burgerAfter)
	}
	bm, err = r.Mappings.GetMapping(ctx, Burger, Customer)
	must(t, err, "get burger mapping again")
	if !reflect.DeepEqual(*bm, burgerMappingBefore) {
		t.Errorf("burger mapping changed when the pizzaria's was updated: %+v, was %+v", bm, burgerMappingBefore)
	}
	pizzaria, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get pizzaria conversation")
	if pizzaria.CurrentState != domain.StateCheckout || pizzaria.StoreID != "centro" {
		t.Errorf("pizzaria conversation = state %s, store %q; want CHECKOUT, centro", pizzaria.CurrentState, pizzaria.StoreID)
	}

	// Deleting one brand's conversation leaves the other's.
	must(t, r.Conversations.DeleteConversation(ctx, Pizzaria, Customer), "delete pizzaria conversation")
	_, err = r.Conversations.GetConversation(ctx, Burger, Customer)
	must(t, err, "get burger conversation after the pizzaria's was deleted")
}

func testTenantGuard(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	platform := domain.NewPlatformContext(context.Background())
	must(t, r.Clients.CreateClient(platform, NewClient(Burger, BurgerNumber)), "create burger client")
	must(t, r.Stores.CreateStore(platform, NewStore(Burger, "centro")), "create burger store")
	must(t, r.Mappings.CreateMapping(platform, NewMapping(Burger, Customer, "centro")), "create burger mapping")
	must(t, r.Conversations.CreateConversation(platform, NewConversation(Burger, Customer, clock.Now())), "create burger conversation")

	// The pizzaria's context asks for the burger place's items.
	ctx := domain.NewContextWithTenant(platform, Pizzaria)
	now := clock.Now()
	calls := []struct {
		name string
		call func() error
	}{
		{"GetClient", func() error { _, err := r.Clients.GetClient(ctx, Burger); return err }},
		{"CreateClient", func() error { return r.Clients.CreateClient(ctx, NewClient(Burger, PizzariaNumber)) }},
		{"UpdateClient", func() error {
			_, err := r.Clients.UpdateClient(ctx, Burger, func(c *domain.Client) error { c.IsActive = false; return nil })
			return err
		}},
		{"FindClientByPhoneNumber", func() error { _, err := r.Clients.FindClientByPhoneNumber(ctx, BurgerNumber); return err }},
		{"GetStore", func() error { _, err := r.Stores.GetStore(ctx, Burger, "centro"); return err }},
		{"ListStores", func() error { _, err := r.Stores.ListStores(ctx, Burger); return err }},
		{"CreateStore", func() error { return r.Stores.CreateStore(ctx, NewStore(Burger, "norte")) }},
		{"UpdateStore", func() error {
			_, err := r.Stores.UpdateStore(ctx, Burger, "centro", func(s *domain.Store) error { s.IsActive = false; return nil })
			return err
		}},
		{"GetMapping", func() error { _, err := r.Mappings.GetMapping(ctx, Burger, Customer); return err }},
		{"CreateMapping", func() error {
			return r.Mappings.CreateMapping(ctx, NewMapping(Burger, "whatsapp:+5511911112222", "centro"))
		}},
		{"UpdateMapping", func() error {
			_, err := r.Mappings.UpdateMapping(ctx, Burger, Customer, func(m *domain.PhoneMapping) error { m.OptedOut = true; return nil })
			return err
		}},
		{"GetConversation", func() error { _, err := r.Conversations.GetConversation(ctx, Burger, Customer); return err }},
		{"CreateConversation", func() error {
			return r.Conversations.CreateConversation(ctx, NewConversation(Burger, "whatsapp:+5511911112222", now))
		}},
		{"UpdateConversation", func() error {
			_, err := r.Conversations.UpdateConversation(ctx, Burger, Customer, func(c *domain.Conversation) error { c.CurrentState = domain.StateHandoff; return nil })
			return err
		}},
		{"DeleteConversation", func() error { return r.Conversations.DeleteConversation(ctx, Burger, Customer) }},
		{"Claim", func() error { _, err := r.Idempotency.Claim(ctx, Burger, "SM1", time.Hour); return err }},
	}
	for _, c := range calls {
		wantCode(t, c.call(), domain.EFORBIDDEN, c.name+" across tenants")
	}

	// Nothing of the burger place changed, and nothing was created in its name.
	cl, err := r.Clients.GetClient(platform, Burger)
	must(t, err, "get burger client")
	if !cl.IsActive || cl.Version != 1 {
		t.Errorf("burger client changed: %+v", cl)
	}
	stores, err := r.Stores.ListStores(platform, Burger)
	must(t, err, "list burger stores")
	if len(stores) != 1 || stores[0].Version != 1 {
		t.Errorf("burger stores changed: %+v", stores)
	}
	m, err := r.Mappings.GetMapping(platform, Burger, Customer)
	must(t, err, "get burger mapping")
	if m.OptedOut || m.Version != 1 {
		t.Errorf("burger mapping changed: %+v", m)
	}
	conv, err := r.Conversations.GetConversation(platform, Burger, Customer)
	must(t, err, "get burger conversation")
	if conv.CurrentState != domain.StateGreeting || conv.Version != 1 {
		t.Errorf("burger conversation changed: %+v", conv)
	}
	_, err = r.Mappings.GetMapping(platform, Burger, "whatsapp:+5511911112222")
	wantCode(t, err, domain.ENOTFOUND, "mapping created across tenants")
	ok, err := r.Idempotency.Claim(platform, Burger, "SM1", time.Hour)
	must(t, err, "claim")
	if !ok {
		t.Error("a forbidden claim consumed the burger place's key")
	}

	// The tenant's own items stay reachable through its context.
	own := domain.NewContextWithTenant(platform, Burger)
	_, err = r.Conversations.GetConversation(own, Burger, Customer)
	must(t, err, "get own conversation")
	_, err = r.Clients.FindClientByPhoneNumber(own, BurgerNumber)
	must(t, err, "find own client")
}

func testFindClientByPhoneNumber(t *testing.T, newRepos Factory) {
	r, _ := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Clients.CreateClient(ctx, NewClient(Pizzaria, PizzariaNumber)), "create pizzaria")
	must(t, r.Clients.CreateClient(ctx, NewClient(Burger, BurgerNumber)), "create burger")

	c, err := r.Clients.FindClientByPhoneNumber(ctx, PizzariaNumber)
	must(t, err, "find pizzaria")
	if c.ClientID != Pizzaria {
		t.Errorf("found %q, want %q", c.ClientID, Pizzaria)
	}
	// Twilio's prefix may arrive in another case: the number is compared canonically.
	c, err = r.Clients.FindClientByPhoneNumber(ctx, " WhatsApp:"+BurgerNumber[len(domain.WhatsAppPrefix):])
	must(t, err, "find burger by a non-canonical address")
	if c.ClientID != Burger {
		t.Errorf("found %q, want %q", c.ClientID, Burger)
	}
	_, err = r.Clients.FindClientByPhoneNumber(ctx, "whatsapp:+5511900009999")
	wantCode(t, err, domain.ENOTFOUND, "find an unknown number")
	_, err = r.Clients.FindClientByPhoneNumber(ctx, "+5511900000001")
	wantCode(t, err, domain.EINVALID, "find a bare E.164 number")

	// After a number moves to another brand, the old brand is not found by it.
	_, err = r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error { c.TwilioPhoneNumber = "whatsapp:+5511900000003"; return nil })
	must(t, err, "change the pizzaria's number")
	// Two brands claiming one number is a misconfiguration: neither is answered.
	must(t, r.Clients.CreateClient(ctx, NewClient("demo-copycat", BurgerNumber)), "create a client with a taken number")
	_, err = r.Clients.FindClientByPhoneNumber(ctx, BurgerNumber)
	wantCode(t, err, domain.ENOTFOUND, "find a number two clients claim")
}

func testListStores(t *testing.T, newRepos Factory) {
	r, _ := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	// Created out of order: the list comes back ordered by storeId.
	for _, id := range []string{"zona-sul", "centro", "moema", "bela-vista"} {
		must(t, r.Stores.CreateStore(ctx, NewStore(Pizzaria, id)), "create pizzaria store "+id)
	}
	for _, id := range []string{"centro", "paulista"} {
		must(t, r.Stores.CreateStore(ctx, NewStore(Burger, id)), "create burger store "+id)
	}
	stores, err := r.Stores.ListStores(ctx, Pizzaria)
	must(t, err, "list pizzaria stores")
	var ids []string
	for _, s := range stores {
		if s.ClientID != Pizzaria {
			t.Errorf("the pizzaria's list holds %s/%s", s.ClientID, s.StoreID)
		}
		ids = append(ids, s.StoreID)
	}
	if want := []string{"bela-vista", "centro", "moema", "zona-sul"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("pizzaria stores = %v, want %v", ids, want)
	}
	stores, err = r.Stores.ListStores(ctx, "demo-empty")
	must(t, err, "list stores of a brand without any")
	if stores == nil || len(stores) != 0 {
		t.Errorf("stores of a brand without any = %#v, want an empty, non-nil slice", stores)
	}
}

func testDeleteConversation(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create conversation")
	must(t, r.Conversations.DeleteConversation(ctx, Pizzaria, Customer), "delete conversation")
	_, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	wantCode(t, err, domain.ENOTFOUND, "GetConversation after delete")
	must(t, r.Conversations.DeleteConversation(ctx, Pizzaria, Customer), "delete an absent conversation")
	// A new conversation can start after the delete.
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, clock.Now())), "create after delete")
}

// testSaveConversation: the engine's persist step, with and without the conversation as read,
// and the delivery record beside it.
func testSaveConversation(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	c := NewConversation(Pizzaria, Customer, clock.Now())
	c.StoreID = "centro"
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "oi", At: clock.Now(), MessageSid: "SM1"})
	must(t, r.Conversations.SaveConversation(ctx, nil, c), "save a new conversation")
	if c.Version != 1 {
		t.Fatalf("version after create = %d, want 1", c.Version)
	}
	read := func() *domain.Conversation {
		t.Helper()
		got, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
		must(t, err, "get conversation")
		return got
	}
	prev := read()
	next := *prev
	next.MessageHistory = append(append([]domain.HistoryEntry(nil), prev.MessageHistory...),
		domain.HistoryEntry{Direction: domain.Outbound, Body: "Olá! Bem-vindo", At: clock.Now()})
	next.Cart = []domain.CartItem{{ItemID: "calabresa", Name: "Calabresa", Quantity: 2, UnitPriceCents: 4500}}
	next.StoreID = "" // an omitted attribute is removed
	next.CurrentState = domain.StateCart
	must(t, r.Conversations.SaveConversation(ctx, prev, &next), "save changes")
	if next.Version != 2 {
		t.Fatalf("version after the change = %d, want 2", next.Version)
	}
	got := read()
	if got.Version != 2 || got.CurrentState != domain.StateCart || got.StoreID != "" || len(got.Cart) != 1 ||
		got.Cart[0].Quantity != 2 || len(got.MessageHistory) != 2 || got.MessageHistory[1].Body != "Olá! Bem-vindo" ||
		got.SessionID != prev.SessionID || !got.CreatedAt.Equal(prev.CreatedAt) {
		t.Errorf("stored after the change: %+v", got)
	}
	// A write based on the old version loses: the engine prepares its turn again.
	stale := *prev
	stale.CurrentState = domain.StateCheckout
	wantCode(t, r.Conversations.SaveConversation(ctx, prev, &stale), domain.ECONFLICT, "save over a newer version")
	if stale.Version != 1 {
		t.Errorf("a lost save changed the caller's version to %d", stale.Version)
	}
	// Without prev the whole item is written, on the same version check.
	whole := *got
	whole.CurrentState = domain.StateCheckout
	must(t, r.Conversations.SaveConversation(ctx, nil, &whole), "save the whole item")
	if g := read(); g.Version != 3 || g.CurrentState != domain.StateCheckout || len(g.MessageHistory) != 2 {
		t.Errorf("stored after a whole-item save: version %d, state %s, history %d", g.Version, g.CurrentState, len(g.MessageHistory))
	}
	// Nothing changed: the version still moves, so a racing turn on the same read loses.
	same := *read()
	base := same
	must(t, r.Conversations.SaveConversation(ctx, &base, &same), "save without changes")
	if same.Version != 4 || read().Version != 4 {
		t.Errorf("version after an empty change = %d/%d, want 4", same.Version, read().Version)
	}

	// The delivery record: bookkeeping on the version as it is, which it does not move.
	d := domain.Delivery{MessageSid: "SM1", Sent: 1}
	must(t, r.Conversations.SaveDelivery(ctx, Pizzaria, Customer, 4, d), "save delivery")
	if g := read(); g.Version != 4 || g.Delivery == nil || *g.Delivery != d {
		t.Errorf("after SaveDelivery: version %d, delivery %+v", g.Version, g.Delivery)
	}
	wantCode(t, r.Conversations.SaveDelivery(ctx, Pizzaria, Customer, 3, d), domain.ECONFLICT, "delivery on an old version")
	wantCode(t, r.Conversations.SaveDelivery(domain.NewContextWithTenant(context.Background(), Burger), Pizzaria, Customer, 4, d),
		domain.EFORBIDDEN, "delivery of another brand's conversation")
	// The next turn's save drops it (the engine clears it) and keeps the rest.
	prev = read()
	next = *prev
	next.Delivery = nil
	must(t, r.Conversations.SaveConversation(ctx, prev, &next), "save after a delivery record")
	if g := read(); g.Delivery != nil || g.Version != 5 {
		t.Errorf("after the next turn: delivery %+v, version %d", g.Delivery, g.Version)
	}
	// An expired conversation cannot be saved on its old version.
	prev = read()
	next = *prev
	clock.Advance(domain.ConversationTTL + time.Second)
	next.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "oi de novo", At: clock.Now()})
	next.Touch(clock.Now())
	wantCode(t, r.Conversations.SaveConversation(ctx, prev, &next), domain.ECONFLICT, "save over an expired conversation")
}

func testIdempotencyClaim(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	claim := func(client, key string) bool {
		t.Helper()
		ok, err := r.Idempotency.Claim(ctx, client, key, time.Hour)
		must(t, err, "claim "+key)
		return ok
	}
	if !claim(Pizzaria, "SM100") {
		t.Error("first claim = false, want true")
	}
	if claim(Pizzaria, "SM100") {
		t.Error("second claim = true, want false (a retried delivery must be dropped)")
	}
	// Keys are per brand.
	if !claim(Burger, "SM100") {
		t.Error("the same key with another brand = false, want true")
	}
	clock.Advance(time.Hour - time.Second)
	if claim(Pizzaria, "SM100") {
		t.Error("claim one second before expiry = true, want false")
	}
	clock.Advance(time.Second)
	if !claim(Pizzaria, "SM100") {
		t.Error("claim after expiry = false, want true")
	}
	if claim(Pizzaria, "SM100") {
		t.Error("claim right after a renewed claim = true, want false")
	}
	// A released claim can be claimed again (the delivery failed after claiming), and
	// releasing one brand's key leaves the other brand's claim alone.
	if !claim(Burger, "SM300") {
		t.Error("first claim of SM300 by the burger = false, want true")
	}
	must(t, r.Idempotency.Release(ctx, Pizzaria, "SM300"), "release SM300")
	if claim(Burger, "SM300") {
		t.Error("releasing the pizzaria's key released the burger's")
	}
	must(t, r.Idempotency.Release(ctx, Pizzaria, "SM100"), "release SM100")
	if !claim(Pizzaria, "SM100") {
		t.Error("claim after release = false, want true")
	}
	must(t, r.Idempotency.Release(ctx, Pizzaria, "SM-never-claimed"), "release of an absent key")

	// Two deliveries racing for one key: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := r.Idempotency.Claim(ctx, Pizzaria, "SM-race", time.Hour)
			if err != nil {
				t.Errorf("racing claim: %v", err)
				return
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d racing claims won, want exactly 1", wins)
	}
}

// testIdempotencyTwoPhase: a claim begun and never completed (its holder crashed between the
// claim and the work) is taken again once its lease runs out, not refused for the whole ttl;
// a completed one is done for the ttl.
func testIdempotencyTwoPhase(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	const lease, ttl = 20 * time.Second, 48 * time.Hour
	begin := func(client, key string, want domain.ClaimState, why string) {
		t.Helper()
		got, err := r.Idempotency.Begin(ctx, client, key, lease, ttl)
		must(t, err, "begin "+key)
		if got != want {
			t.Errorf("%s: Begin(%s) = %s, want %s", why, key, got, want)
		}
	}
	lookup := func(key string, want domain.ClaimState) {
		t.Helper()
		got, err := r.Idempotency.Lookup(ctx, Pizzaria, key)
		must(t, err, "lookup "+key)
		if got != want {
			t.Errorf("Lookup(%s) = %v, want %v", key, got, want)
		}
	}
	lookup("twilio#A", 0)
	begin(Pizzaria, "twilio#A", domain.ClaimTaken, "first delivery")
	lookup("twilio#A", domain.ClaimInProgress)
	begin(Pizzaria, "twilio#A", domain.ClaimInProgress, "retry while the first holds its lease")
	begin(Burger, "twilio#A", domain.ClaimTaken, "the same key of another brand")
	clock.Advance(lease - time.Second)
	begin(Pizzaria, "twilio#A", domain.ClaimInProgress, "one second before the lease ends")
	clock.Advance(2 * time.Second)
	begin(Pizzaria, "twilio#A", domain.ClaimTaken, "after the lease: the holder crashed")
	begin(Pizzaria, "twilio#A", domain.ClaimInProgress, "the new holder's lease")

	must(t, r.Idempotency.Complete(ctx, Pizzaria, []string{"twilio#A", "twilio#B", "twilio#A"}, ttl), "complete")
	begin(Pizzaria, "twilio#A", domain.ClaimDone, "after Complete")
	lookup("twilio#A", domain.ClaimDone)
	begin(Pizzaria, "twilio#B", domain.ClaimDone, "completed without a Begin")
	clock.Advance(ttl - time.Minute)
	begin(Pizzaria, "twilio#A", domain.ClaimDone, "done, a minute before the ttl")
	clock.Advance(2 * time.Minute)
	lookup("twilio#A", 0)
	begin(Pizzaria, "twilio#A", domain.ClaimTaken, "done, after the ttl")

	// One-phase claims are done records.
	ok, err := r.Idempotency.Claim(ctx, Pizzaria, "notice", time.Hour)
	must(t, err, "claim")
	if !ok {
		t.Fatal("claim = false")
	}
	begin(Pizzaria, "notice", domain.ClaimDone, "a one-phase claim")
	// Complete is scoped to the brand in the context.
	wantCode(t, r.Idempotency.Complete(domain.NewContextWithTenant(context.Background(), Burger), Pizzaria, []string{"x"}, ttl),
		domain.EFORBIDDEN, "complete another brand's key")
	_, err = r.Idempotency.Begin(ctx, Pizzaria, "x", time.Hour, time.Minute)
	wantCode(t, err, domain.EINVALID, "lease longer than the ttl")

	// Deliveries racing for a lapsed claim: exactly one takes it.
	begin(Pizzaria, "twilio#race", domain.ClaimTaken, "race setup")
	clock.Advance(lease + time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := r.Idempotency.Begin(ctx, Pizzaria, "twilio#race", lease, ttl)
			if err != nil {
				t.Errorf("racing begin: %v", err)
				return
			}
			if st == domain.ClaimTaken {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if taken != 1 {
		t.Errorf("%d racing deliveries took the lapsed claim, want exactly 1", taken)
	}
}

func testInvalidInput(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	now := clock.Now()
	must(t, r.Clients.CreateClient(ctx, NewClient(Pizzaria, PizzariaNumber)), "create client")
	must(t, r.Stores.CreateStore(ctx, NewStore(Pizzaria, "centro")), "create store")
	must(t, r.Mappings.CreateMapping(ctx, NewMapping(Pizzaria, Customer, "centro")), "create mapping")
	must(t, r.Conversations.CreateConversation(ctx, NewConversation(Pizzaria, Customer, now)), "create conversation")

	with := func(c *domain.Client, f func(*domain.Client)) *domain.Client { f(c); return c }
	calls := []struct {
		name string
		call func() error
	}{
		{"GetClient empty id", func() error { _, err := r.Clients.GetClient(ctx, ""); return err }},
		{"GetClient bad id", func() error { _, err := r.Clients.GetClient(ctx, "Demo_Pizzaria"); return err }},
		{"CreateClient nil", func() error { return r.Clients.CreateClient(ctx, nil) }},
		{"CreateClient bare number", func() error {
			return r.Clients.CreateClient(ctx, NewClient("demo-bare", "+5511900000005"))
		}},
		{"CreateClient no name", func() error {
			return r.Clients.CreateClient(ctx, with(NewClient("demo-noname", "whatsapp:+5511900000006"), func(c *domain.Client) { c.ClientName = " " }))
		}},
		{"CreateClient bad language", func() error {
			return r.Clients.CreateClient(ctx, with(NewClient("demo-lang", "whatsapp:+5511900000007"), func(c *domain.Client) { c.DefaultLanguage = "fr-FR" }))
		}},
		{"UpdateClient breaks a rule", func() error {
			_, err := r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error { c.TwilioPhoneNumber = "0800"; return nil })
			return err
		}},
		{"UpdateClient changes the key", func() error {
			_, err := r.Clients.UpdateClient(ctx, Pizzaria, func(c *domain.Client) error { c.ClientID = "demo-other"; return nil })
			return err
		}},
		{"UpdateClient nil fn", func() error { _, err := r.Clients.UpdateClient(ctx, Pizzaria, nil); return err }},
		{"GetStore bad store id", func() error { _, err := r.Stores.GetStore(ctx, Pizzaria, "Centro!"); return err }},
		{"ListStores bad id", func() error { _, err := r.Stores.ListStores(ctx, ""); return err }},
		{"CreateStore no payment methods", func() error {
			s := NewStore(Pizzaria, "norte")
			s.PaymentMethods = nil
			return r.Stores.CreateStore(ctx, s)
		}},
		{"CreateStore bad hours", func() error {
			s := NewStore(Pizzaria, "sul")
			s.OperatingHours = domain.OperatingHours{"funday": {{Open: "10:00", Close: "12:00"}}}
			return r.Stores.CreateStore(ctx, s)
		}},
		{"UpdateStore changes the key", func() error {
			_, err := r.Stores.UpdateStore(ctx, Pizzaria, "centro", func(s *domain.Store) error { s.StoreID = "leste"; return nil })
			return err
		}},
		{"GetMapping bare number", func() error { _, err := r.Mappings.GetMapping(ctx, Pizzaria, "+5511987654321"); return err }},
		{"CreateMapping bad store", func() error {
			return r.Mappings.CreateMapping(ctx, NewMapping(Pizzaria, "whatsapp:+5511911113333", "Centro"))
		}},
		{"UpdateMapping changes the number", func() error {
			_, err := r.Mappings.UpdateMapping(ctx, Pizzaria, Customer, func(m *domain.PhoneMapping) error { m.PhoneNumber = "whatsapp:+5511911114444"; return nil })
			return err
		}},
		{"GetConversation bad number", func() error { _, err := r.Conversations.GetConversation(ctx, Pizzaria, "whatsapp:123"); return err }},
		{"CreateConversation no session", func() error {
			c := NewConversation(Pizzaria, "whatsapp:+5511911115555", now)
			c.SessionID = ""
			return r.Conversations.CreateConversation(ctx, c)
		}},
		{"CreateConversation ttl in the past", func() error {
			c := NewConversation(Pizzaria, "whatsapp:+5511911116666", now)
			c.TTL = now.Add(-time.Second).Unix()
			return r.Conversations.CreateConversation(ctx, c)
		}},
		{"UpdateConversation changes the brand", func() error {
			_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error { c.ClientID = Burger; return nil })
			return err
		}},
		{"UpdateConversation no state", func() error {
			_, err := r.Conversations.UpdateConversation(ctx, Pizzaria, Customer, func(c *domain.Conversation) error { c.CurrentState = ""; return nil })
			return err
		}},
		{"DeleteConversation bad number", func() error { return r.Conversations.DeleteConversation(ctx, Pizzaria, "") }},
		{"Claim empty key", func() error { _, err := r.Idempotency.Claim(ctx, Pizzaria, "", time.Hour); return err }},
		{"Claim zero ttl", func() error { _, err := r.Idempotency.Claim(ctx, Pizzaria, "SM1", 0); return err }},
		{"Claim bad client", func() error { _, err := r.Idempotency.Claim(ctx, "BAD", "SM1", time.Hour); return err }},
	}
	for _, c := range calls {
		wantCode(t, c.call(), domain.EINVALID, c.name)
	}

	// The refused updates wrote nothing.
	cl, err := r.Clients.GetClient(ctx, Pizzaria)
	must(t, err, "get client")
	if cl.Version != 1 || cl.TwilioPhoneNumber != PizzariaNumber {
		t.Errorf("client after refused updates = %+v, want version 1 intact", cl)
	}
	conv, err := r.Conversations.GetConversation(ctx, Pizzaria, Customer)
	must(t, err, "get conversation")
	if conv.Version != 1 {
		t.Errorf("conversation after refused updates has version %d, want 1", conv.Version)
	}
	_, err = r.Clients.GetClient(ctx, "demo-other")
	wantCode(t, err, domain.ENOTFOUND, "client written under a changed key")
	_, err = r.Conversations.GetConversation(ctx, Burger, Customer)
	wantCode(t, err, domain.ENOTFOUND, "conversation written under a changed brand")
}

// NewMenu returns a valid menu that uses every feature of the catalog: categories out of
// order, an item with sizes and options, per-store overrides (a price, a size price, an
// unavailable item), aliases and an item hidden everywhere.
func NewMenu(clientID string) *domain.Menu {
	return &domain.Menu{
		ClientID: clientID,
		Categories: []domain.Category{
			{CategoryID: "pizzas", Name: "Pizzas", Sort: 1},
			{CategoryID: "bebidas", Name: "Bebidas", Sort: 2},
		},
		Items: []domain.MenuItem{
			{
				ItemID: "margherita", CategoryID: "pizzas", Name: "Margherita",
				Description: "Molho de tomate, muçarela e manjericão",
				Sizes: []domain.ItemSize{
					{SizeID: "media", Name: "Média", PriceCents: 4500},
					{SizeID: "grande", Name: "Grande", PriceCents: 5200},
				},
				Options: []domain.ItemOption{
					{OptionID: "borda", Name: "Borda recheada", PriceDeltaCents: 800},
					{OptionID: "sem-cebola", Name: "Sem cebola", PriceDeltaCents: 0},
				},
				Available: true,
				Stores: map[string]domain.StoreItem{
					"centro": {SizePrices: map[string]int64{"grande": 5500}},
					"norte":  {Unavailable: true},
				},
				Sort: 1,
			},
			{
				ItemID: "calabresa", CategoryID: "pizzas", Name: "Calabresa", PriceCents: 4800,
				Available: true, Stores: map[string]domain.StoreItem{"centro": {PriceCents: 5000}}, Sort: 2,
			},
			{ItemID: "coca-lata", CategoryID: "bebidas", Name: "Coca-Cola lata", PriceCents: 700, Aliases: []string{"coca", "refri"}, Available: true, Sort: 1},
			{ItemID: "suco", CategoryID: "bebidas", Name: "Suco de laranja", PriceCents: 900, Available: false, Sort: 2},
		},
	}
}

// menuBody returns the menu without its time stamp, for comparisons.
func menuBody(m *domain.Menu) domain.Menu {
	n := *m
	n.UpdatedAt = time.Time{}
	return n
}

func testMenuRoundTrip(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())

	empty, err := r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get the menu of a brand without one")
	if empty == nil || empty.ClientID != Pizzaria || len(empty.Categories) != 0 || len(empty.Items) != 0 {
		t.Fatalf("menu of a brand without one = %+v, want an empty menu of %s", empty, Pizzaria)
	}

	m := NewMenu(Pizzaria)
	must(t, r.Menus.PutMenu(ctx, m), "put menu")
	if !m.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("PutMenu set updatedAt %v, want %v", m.UpdatedAt, clock.Now())
	}
	got, err := r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get menu")
	// NewMenu lists everything in the order GetMenu returns: categories by (Sort, id), items
	// category by category, then by (Sort, id).
	if want := NewMenu(Pizzaria); !reflect.DeepEqual(menuBody(got), menuBody(want)) {
		t.Errorf("menu read back =\n%+v\nwant\n%+v", menuBody(got), menuBody(want))
	}
	if !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("menu read back has updatedAt %v, want %v", got.UpdatedAt, clock.Now())
	}
	// The overrides survive the round trip with their meaning.
	var marg domain.MenuItem
	for _, it := range got.Items {
		if it.ItemID == "margherita" {
			marg = it
		}
	}
	if p, ok := marg.PriceAt("centro", "grande"); !ok || p != 5500 {
		t.Errorf("margherita grande at centro = %d, %v; want 5500 (the store's price)", p, ok)
	}
	if p, ok := marg.PriceAt("moema", "grande"); !ok || p != 5200 {
		t.Errorf("margherita grande at moema = %d, %v; want 5200 (the brand's price)", p, ok)
	}
	if marg.AvailableAt("norte") || !marg.AvailableAt("centro") {
		t.Error("margherita's availability per store was lost")
	}

	// Another brand's menu is its own.
	other, err := r.Menus.GetMenu(ctx, Burger)
	must(t, err, "get the burger's menu")
	if len(other.Items) != 0 {
		t.Errorf("the burger place sees the pizzaria's items: %+v", other.Items)
	}
}

// testMenuLargest stores a menu at the item limit, then cuts it in half: every row is
// written and every removed row deleted, however the storage splits the work.
func testMenuLargest(t *testing.T, newRepos Factory) {
	r, _ := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	m := &domain.Menu{ClientID: Pizzaria, Categories: []domain.Category{{CategoryID: "tudo", Name: "Tudo"}}}
	for i := range domain.MaxMenuItems {
		m.Items = append(m.Items, domain.MenuItem{
			ItemID: fmt.Sprintf("item-%03d", i), CategoryID: "tudo", Name: fmt.Sprintf("Item %d", i),
			PriceCents: int64(100 + i), Available: true, Sort: i,
		})
	}
	must(t, r.Menus.PutMenu(ctx, m), "put the largest menu")
	got, err := r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get the largest menu")
	if len(got.Items) != domain.MaxMenuItems || len(got.Categories) != 1 {
		t.Fatalf("largest menu read back with %d items and %d categories, want %d and 1", len(got.Items), len(got.Categories), domain.MaxMenuItems)
	}
	for i, it := range got.Items {
		if it.ItemID != fmt.Sprintf("item-%03d", i) || it.PriceCents != int64(100+i) {
			t.Fatalf("item %d read back as %s at %d", i, it.ItemID, it.PriceCents)
		}
	}
	m.Items = m.Items[:domain.MaxMenuItems/2]
	must(t, r.Menus.PutMenu(ctx, m), "put half the menu")
	got, err = r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get half the menu")
	if len(got.Items) != domain.MaxMenuItems/2 {
		t.Errorf("after removing half the items %d remain, want %d", len(got.Items), domain.MaxMenuItems/2)
	}
}

func testMenuReplace(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Menus.PutMenu(ctx, NewMenu(Pizzaria)), "put the first menu")
	must(t, r.Menus.PutMenu(ctx, NewMenu(Burger)), "put the burger's menu")
	clock.Advance(time.Minute)

	// The drinks go, the margherita changes, a new item arrives.
	next := NewMenu(Pizzaria)
	next.Categories = next.Categories[:1]
	next.Items = next.Items[:2]
	next.Items[0].Name = "Margherita especial"
	next.Items[0].Options = nil
	next.Items[0].Stores = nil
	next.Items = append(next.Items, domain.MenuItem{ItemID: "portuguesa", CategoryID: "pizzas", Name: "Portuguesa", PriceCents: 5100, Available: true, Sort: 3})
	must(t, r.Menus.PutMenu(ctx, next), "replace the menu")
	got, err := r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get the replaced menu")
	if !reflect.DeepEqual(menuBody(got), menuBody(next)) {
		t.Errorf("replaced menu =\n%+v\nwant\n%+v", menuBody(got), menuBody(next))
	}
	if !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("replaced menu has updatedAt %v, want %v", got.UpdatedAt, clock.Now())
	}

	// The other brand's identical ids were not touched.
	burger, err := r.Menus.GetMenu(ctx, Burger)
	must(t, err, "get the burger's menu")
	if !reflect.DeepEqual(menuBody(burger), menuBody(NewMenu(Burger))) {
		t.Errorf("the burger's menu changed with the pizzaria's: %+v", burger)
	}

	// An empty menu empties the catalog.
	must(t, r.Menus.PutMenu(ctx, &domain.Menu{ClientID: Pizzaria}), "put an empty menu")
	got, err = r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get the emptied menu")
	if len(got.Items) != 0 || len(got.Categories) != 0 {
		t.Errorf("emptied menu still has %d items and %d categories", len(got.Items), len(got.Categories))
	}
}

func testMenuTenantGuard(t *testing.T, newRepos Factory) {
	r, _ := setup(t, newRepos)
	platform := domain.NewPlatformContext(context.Background())
	must(t, r.Menus.PutMenu(platform, NewMenu(Burger)), "put the burger's menu")

	ctx := domain.NewContextWithTenant(platform, Pizzaria)
	_, err := r.Menus.GetMenu(ctx, Burger)
	wantCode(t, err, domain.EFORBIDDEN, "GetMenu across tenants")
	hijack := NewMenu(Burger)
	hijack.Items = hijack.Items[:1]
	hijack.Items[0].Name = "Hijacked"
	wantCode(t, r.Menus.PutMenu(ctx, hijack), domain.EFORBIDDEN, "PutMenu across tenants")
	// A refused menu is not validated first: the error says forbidden, whatever the menu.
	wantCode(t, r.Menus.PutMenu(ctx, &domain.Menu{ClientID: Burger, Items: []domain.MenuItem{{ItemID: "x"}}}), domain.EFORBIDDEN, "invalid PutMenu across tenants")

	got, err := r.Menus.GetMenu(domain.NewContextWithTenant(platform, Burger), Burger)
	must(t, err, "get own menu")
	if !reflect.DeepEqual(menuBody(got), menuBody(NewMenu(Burger))) {
		t.Errorf("the burger's menu changed through another tenant: %+v", got)
	}
}

func testMenuInvalid(t *testing.T, newRepos Factory) {
	r, _ := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	must(t, r.Menus.PutMenu(ctx, NewMenu(Pizzaria)), "put menu")

	with := func(f func(*domain.Menu)) *domain.Menu { m := NewMenu(Pizzaria); f(m); return m }
	calls := []struct {
		name string
		call func() error
	}{
		{"GetMenu empty id", func() error { _, err := r.Menus.GetMenu(ctx, ""); return err }},
		{"GetMenu bad id", func() error { _, err := r.Menus.GetMenu(ctx, "Demo_Pizzaria"); return err }},
		{"PutMenu nil", func() error { return r.Menus.PutMenu(ctx, nil) }},
		{"PutMenu bad client", func() error { return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) { m.ClientID = "BAD" })) }},
		{"PutMenu unknown category", func() error {
			return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) { m.Items[2].CategoryID = "sobremesas" }))
		}},
		{"PutMenu duplicate item", func() error {
			return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) { m.Items = append(m.Items, m.Items[0]) }))
		}},
		{"PutMenu no price", func() error { return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) { m.Items[1].PriceCents = 0 })) }},
		{"PutMenu negative option", func() error {
			return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) { m.Items[0].Options[0].PriceDeltaCents = -1 }))
		}},
		{"PutMenu store price of an unknown size", func() error {
			return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) {
				m.Items[0].Stores = map[string]domain.StoreItem{"centro": {SizePrices: map[string]int64{"gigante": 6000}}}
			}))
		}},
		{"PutMenu too many items", func() error {
			return r.Menus.PutMenu(ctx, with(func(m *domain.Menu) {
				for i := range domain.MaxMenuItems {
					m.Items = append(m.Items, domain.MenuItem{ItemID: fmt.Sprintf("x-%d", i), CategoryID: "pizzas", Name: "X", PriceCents: 1})
				}
			}))
		}},
	}
	for _, c := range calls {
		wantCode(t, c.call(), domain.EINVALID, c.name)
	}
	// The refused menus wrote nothing.
	got, err := r.Menus.GetMenu(ctx, Pizzaria)
	must(t, err, "get menu")
	if !reflect.DeepEqual(menuBody(got), menuBody(NewMenu(Pizzaria))) {
		t.Errorf("menu after refused puts = %+v, want the first one intact", got)
	}
}

// NewOrder returns a valid delivery order paid by PIX, just created: two margheritas (grande,
// borda recheada) and a can of Coke, plus the delivery fee.
func NewOrder(clientID, storeID, orderID string, now time.Time) *domain.Order {
	return &domain.Order{
		ClientID: clientID, OrderID: orderID, StoreID: storeID,
		CustomerPhone: Customer, CustomerName: "Ana", SessionID: "s-" + clientID,
		Lines: []domain.OrderLine{
			{
				ItemID: "margherita", Name: "Margherita", SizeID: "grande", SizeName: "Grande",
				Options:  []domain.OrderOption{{OptionID: "borda", Name: "Borda recheada", PriceDeltaCents: 800}},
				Quantity: 2, UnitPriceCents: 6000, Notes: "bem passada",
			},
			{ItemID: "coca-lata", Name: "Coca-Cola lata", Quantity: 1, UnitPriceCents: 700},
		},
		SubtotalCents: 12700, DeliveryFeeCents: 700, TotalCents: 13400,
		Fulfillment:      domain.FulfillmentDelivery,
		DeliveryAddress:  "Rua Augusta, 100 - Apto 12 - Consolação - São Paulo - SP",
		EstimatedMinutes: 40,
		PaymentMethod:    domain.PaymentPIX,
		Status:           domain.OrderCreated,
		StatusHistory:    []domain.StatusChange{{Status: domain.OrderCreated, At: now.UTC()}},
	}
}

// orderBody returns the order with its times in UTC, for comparisons.
func orderBody(o *domain.Order) domain.Order {
	n := *o
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	n.StatusHistory = append([]domain.StatusChange(nil), o.StatusHistory...)
	for i := range n.StatusHistory {
		n.StatusHistory[i].At = n.StatusHistory[i].At.UTC()
	}
	return n
}

func testOrderCreate(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	now := clock.Now()

	_, err := r.Orders.GetOrder(ctx, Pizzaria, "ABCDE12345")
	wantCode(t, err, domain.ENOTFOUND, "GetOrder of an absent order")

	o := NewOrder(Pizzaria, "centro", "ABCDE12345", now)
	must(t, r.Orders.CreateOrder(ctx, o), "create order")
	if o.Version != 1 || !o.CreatedAt.Equal(now) || !o.UpdatedAt.Equal(now) {
		t.Errorf("created order has version %d, createdAt %v, updatedAt %v; want 1, %v, %v", o.Version, o.CreatedAt, o.UpdatedAt, now, now)
	}
	got, err := r.Orders.GetOrder(ctx, Pizzaria, "ABCDE12345")
	must(t, err, "get order")
	if !reflect.DeepEqual(orderBody(got), orderBody(o)) {
		t.Errorf("order read back =\n%+v\nwant\n%+v", orderBody(got), orderBody(o))
	}

	// A retried confirmation derives the same id: the second create is refused and the
	// first order stays as it was.
	dup := NewOrder(Pizzaria, "norte", "ABCDE12345", now)
	dup.CustomerName = "Impostor"
	wantCode(t, r.Orders.CreateOrder(ctx, dup), domain.ECONFLICT, "second CreateOrder")
	if dup.Version != 0 {
		t.Errorf("a refused create changed the caller's order: version %d", dup.Version)
	}
	got, err = r.Orders.GetOrder(ctx, Pizzaria, "ABCDE12345")
	must(t, err, "get order after a conflicting create")
	if got.StoreID != "centro" || got.CustomerName != "Ana" || got.Version != 1 {
		t.Errorf("order after a conflicting create = %+v, want the first one intact", got)
	}

	// Order ids are per brand.
	must(t, r.Orders.CreateOrder(ctx, NewOrder(Burger, "centro", "ABCDE12345", now)), "create the same id for another brand")
}

func testOrderUpdate(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	created := clock.Now()
	must(t, r.Orders.CreateOrder(ctx, NewOrder(Pizzaria, "centro", "ORDER00001", created)), "create order")

	move := func(next domain.OrderStatus) (*domain.Order, bool, error) {
		t.Helper()
		clock.Advance(time.Minute)
		var changed bool
		o, err := r.Orders.UpdateOrder(ctx, Pizzaria, "ORDER00001", func(o *domain.Order) error {
			var err error
			changed, err = o.MoveTo(next, clock.Now(), "test")
			return err
		})
		return o, changed, err
	}
	var statuses []domain.OrderStatus
	for i, next := range []domain.OrderStatus{domain.OrderAwaitingPayment, domain.OrderConfirmed, domain.OrderSentToPOS} {
		o, changed, err := move(next)
		must(t, err, "move to "+string(next))
		statuses = append(statuses, next)
		if !changed || o.Status != next || o.Version != int64(i+2) || !o.UpdatedAt.Equal(clock.Now()) || !o.CreatedAt.Equal(created) {
			t.Errorf("after moving to %s: changed %v, status %s, version %d, createdAt %v, updatedAt %v", next, changed, o.Status, o.Version, o.CreatedAt, o.UpdatedAt)
		}
	}
	stored, err := r.Orders.GetOrder(ctx, Pizzaria, "ORDER00001")
	must(t, err, "get order")
	var history []domain.OrderStatus
	for _, h := range stored.StatusHistory {
		history = append(history, h.Status)
	}
	if want := append([]domain.OrderStatus{domain.OrderCreated}, statuses...); !reflect.DeepEqual(history, want) {
		t.Errorf("status history = %v, want %v", history, want)
	}

	// A move the state machine forbids is refused and writes nothing.
	_, _, err = move(domain.OrderAwaitingPayment)
	wantCode(t, err, domain.ECONFLICT, "move SENT_TO_POS -> AWAITING_PAYMENT")
	stored, err = r.Orders.GetOrder(ctx, Pizzaria, "ORDER00001")
	must(t, err, "get order")
	if stored.Status != domain.OrderSentToPOS || stored.Version != 4 {
		t.Errorf("order after a forbidden move = %s version %d, want SENT_TO_POS version 4", stored.Status, stored.Version)
	}

	// An absent order is not created by an update.
	called := false
	_, err = r.Orders.UpdateOrder(ctx, Pizzaria, "ORDER00404", func(*domain.Order) error { called = true; return nil })
	wantCode(t, err, domain.ENOTFOUND, "UpdateOrder of an absent order")
	if called {
		t.Error("the update function ran for an absent order")
	}
}

// testOrderPublishedOnce races workers that each want to hand a confirmed order to the POS:
// exactly one of them moves it to SENT_TO_POS, the others see it already moved. This is the
// guard that keeps an order from reaching a kitchen twice beyond SQS's deduplication window.
func testOrderPublishedOnce(t *testing.T, newRepos Factory) {
	clock := NewClock()
	const workers = 8
	r := newRepos(t, Setup{Now: clock.Now, MaxRetries: workers})
	ctx := domain.NewPlatformContext(context.Background())
	o := NewOrder(Pizzaria, "centro", "ORDER00002", clock.Now())
	o.Status = domain.OrderConfirmed
	must(t, r.Orders.CreateOrder(ctx, o), "create order")
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var changed bool
			_, err := r.Orders.UpdateOrder(ctx, Pizzaria, "ORDER00002", func(o *domain.Order) error {
				var err error
				changed, err = o.MoveTo(domain.OrderSentToPOS, clock.Now(), "published")
				return err
			})
			if err != nil {
				t.Errorf("racing update: %v", err)
				return
			}
			if changed {
				mu.Lock()
				moved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if moved != 1 {
		t.Errorf("%d workers moved the order to SENT_TO_POS, want exactly 1", moved)
	}
}

func testOrderTenantGuard(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	platform := domain.NewPlatformContext(context.Background())
	now := clock.Now()
	must(t, r.Orders.CreateOrder(platform, NewOrder(Burger, "centro", "BURGER0001", now)), "create the burger's order")

	ctx := domain.NewContextWithTenant(platform, Pizzaria)
	_, err := r.Orders.GetOrder(ctx, Burger, "BURGER0001")
	wantCode(t, err, domain.EFORBIDDEN, "GetOrder across tenants")
	wantCode(t, r.Orders.CreateOrder(ctx, NewOrder(Burger, "centro", "BURGER0002", now)), domain.EFORBIDDEN, "CreateOrder across tenants")
	called := false
	_, err = r.Orders.UpdateOrder(ctx, Burger, "BURGER0001", func(o *domain.Order) error {
		called = true
		_, err := o.MoveTo(domain.OrderCancelled, now, "hijack")
		return err
	})
	wantCode(t, err, domain.EFORBIDDEN, "UpdateOrder across tenants")
	if called {
		t.Error("the update function ran across tenants")
	}

	own := domain.NewContextWithTenant(platform, Burger)
	got, err := r.Orders.GetOrder(own, Burger, "BURGER0001")
	must(t, err, "get own order")
	if got.Status != domain.OrderCreated || got.Version != 1 {
		t.Errorf("the burger's order changed through another tenant: %+v", got)
	}
	_, err = r.Orders.GetOrder(own, Burger, "BURGER0002")
	wantCode(t, err, domain.ENOTFOUND, "order created across tenants")
}

func testOrderInvalid(t *testing.T, newRepos Factory) {
	r, clock := setup(t, newRepos)
	ctx := domain.NewPlatformContext(context.Background())
	now := clock.Now()
	must(t, r.Orders.CreateOrder(ctx, NewOrder(Pizzaria, "centro", "ORDER00001", now)), "create order")

	with := func(id string, f func(*domain.Order)) *domain.Order {
		o := NewOrder(Pizzaria, "centro", id, now)
		f(o)
		return o
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"GetOrder empty id", func() error { _, err := r.Orders.GetOrder(ctx, Pizzaria, ""); return err }},
		{"GetOrder long id", func() error { _, err := r.Orders.GetOrder(ctx, Pizzaria, strings.Repeat("A", 65)); return err }},
		{"GetOrder bad client", func() error { _, err := r.Orders.GetOrder(ctx, "BAD", "ORDER00001"); return err }},
		{"CreateOrder nil", func() error { return r.Orders.CreateOrder(ctx, nil) }},
		{"CreateOrder amounts", func() error {
			return r.Orders.CreateOrder(ctx, with("BAD0000001", func(o *domain.Order) { o.TotalCents++ }))
		}},
		{"CreateOrder bare phone", func() error {
			return r.Orders.CreateOrder(ctx, with("BAD0000002", func(o *domain.Order) { o.CustomerPhone = "+5511987654321" }))
		}},
		{"CreateOrder delivery without address", func() error {
			return r.Orders.CreateOrder(ctx, with("BAD0000003", func(o *domain.Order) { o.DeliveryAddress = "" }))
		}},
		{"CreateOrder no lines", func() error {
			return r.Orders.CreateOrder(ctx, with("BAD0000004", func(o *domain.Order) {
				o.Lines, o.SubtotalCents, o.TotalCents = nil, 0, o.DeliveryFeeCents
			}))
		}},
		{"CreateOrder bad payment", func() error {
			return r.Orders.CreateOrder(ctx, with("BAD0000005", func(o *domain.Order) { o.PaymentMethod = "CASH" }))
		}},
		{"UpdateOrder changes the key", func() error {
			_, err := r.Orders.UpdateOrder(ctx, Pizzaria, "ORDER00001", func(o *domain.Order) error { o.OrderID = "ORDER00002"; return nil })
			return err
		}},
		{"UpdateOrder unknown status", func() error {
			_, err := r.Orders.UpdateOrder(ctx, Pizzaria, "ORDER00001", func(o *domain.Order) error { o.Status = "LOST"; return nil })
			return err
		}},
		{"UpdateOrder nil fn", func() error { _, err := r.Orders.UpdateOrder(ctx, Pizzaria, "ORDER00001", nil); return err }},
	}
	for _, c := range calls {
		wantCode(t, c.call(), domain.EINVALID, c.name)
	}
	got, err := r.Orders.GetOrder(ctx, Pizzaria, "ORDER00001")
	must(t, err, "get order")
	if got.Version != 1 || got.Status != domain.OrderCreated {
		t.Errorf("order after refused updates = version %d, %s; want 1, CREATED", got.Version, got.Status)
	}
	for _, id := range []string{"BAD0000001", "ORDER00002"} {
		_, err = r.Orders.GetOrder(ctx, Pizzaria, id)
		wantCode(t, err, domain.ENOTFOUND, "order "+id+" written by a refused call")
	}
}
