package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// customer returns the i-th test customer's WhatsApp address.
func customer(i int) string { return fmt.Sprintf("whatsapp:+55119%08d", 10000000+i) }

// shardsOf returns the distinct values of attr in table's items whose pk starts with prefix:
// how many index partitions the listing's writes went to. The emulator's Scan is a test's
// view of the table; no runtime role may Scan.
func shardsOf(t *testing.T, db *dynamodb.Client, table, attr, prefix string) map[string]bool {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range out.Items {
		pk := it[resourcenames.AttrPK].(*types.AttributeValueMemberS).Value
		if len(pk) < len(prefix) || pk[:len(prefix)] != prefix {
			continue
		}
		if v, ok := it[attr].(*types.AttributeValueMemberS); ok {
			seen[v.Value] = true
		}
	}
	return seen
}

// A brand's customers are written to several index partitions and listed from all of them,
// without another brand's.
func TestListMappingsAcrossShards(t *testing.T) {
	t.Parallel()
	r, db, tables := open(t, dynamo.WithPageSize(2))
	ctx := domain.NewPlatformContext(context.Background())
	var want []string
	for i := range 24 {
		m := domaintest.NewMapping(domaintest.Burger, customer(i), "vila-madalena")
		if err := r.CreateMapping(ctx, m); err != nil {
			t.Fatal(err)
		}
		want = append(want, m.PhoneNumber)
	}
	for i := range 3 {
		if err := r.CreateMapping(ctx, domaintest.NewMapping(domaintest.Pizzaria, customer(i), "centro")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.ListMappings(domain.NewContextWithTenant(context.Background(), domaintest.Burger), domaintest.Burger)
	if err != nil {
		t.Fatal(err)
	}
	var phones []string
	for _, m := range got {
		if m.ClientID != domaintest.Burger {
			t.Errorf("listed another brand's mapping: %s", m.ClientID)
		}
		phones = append(phones, m.PhoneNumber)
	}
	slices.Sort(want)
	if !slices.Equal(phones, want) {
		t.Errorf("listed %d mappings %v, want the brand's %d in order", len(phones), phones, len(want))
	}
	// 24 customers over 8 shards: a hash that put them all on one would defeat the index.
	if shards := shardsOf(t, db, tables.PhoneMapping, resourcenames.AttrBrandShard, domaintest.Burger+"#"); len(shards) < 4 {
		t.Errorf("24 customers went to %d shards %v, want them spread", len(shards), shards)
	}
	if _, err := r.ListMappings(domain.NewContextWithTenant(context.Background(), domaintest.Burger), domaintest.Pizzaria); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("listing another brand's customers: %v, want EFORBIDDEN", err)
	}
}

// A store's conversations are listed newest first, follow a customer who changes store, leave
// out expired ones, and those without a store are listed apart.
func TestListStoreConversations(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, _, _ := open(t, dynamo.WithClock(clock.Now))
	ctx := domain.NewPlatformContext(context.Background())
	start := clock.Now()
	save := func(i int, store string, at time.Time) *domain.Conversation {
		t.Helper()
		c := domaintest.NewConversation(domaintest.Pizzaria, customer(i), at)
		c.StoreID = store
		c.SessionID = fmt.Sprintf("s-%d", i)
		c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "oi", At: at})
		c.Touch(at)
		if err := r.SaveConversation(ctx, nil, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for i := range 10 {
		save(i, "centro", start.Add(time.Duration(i)*time.Minute))
	}
	moving := save(10, "centro", start.Add(30*time.Minute))
	save(11, "", start.Add(31*time.Minute))
	// An old conversation, expired by the time of the listing.
	clock.Advance(-2 * domain.ConversationTTL)
	save(12, "centro", clock.Now())
	clock.Advance(2*domain.ConversationTTL + 40*time.Minute)

	// The customer picks another store: the listing key moves with the next write.
	prev, err := r.GetConversation(ctx, domaintest.Pizzaria, moving.PhoneNumber)
	if err != nil {
		t.Fatal(err)
	}
	next := *prev
	next.StoreID = "paulista"
	next.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "quero da paulista", At: clock.Now()})
	next.Touch(clock.Now())
	if err := r.SaveConversation(ctx, prev, &next); err != nil {
		t.Fatal(err)
	}

	tenant := domain.NewContextWithTenant(context.Background(), domaintest.Pizzaria)
	list := func(store string, since time.Time) []string {
		t.Helper()
		got, err := r.ListStoreConversations(tenant, domaintest.Pizzaria, store, since)
		if err != nil {
			t.Fatal(err)
		}
		var phones []string
		for _, c := range got {
			if c.ClientID != domaintest.Pizzaria || c.SessionID == "" || c.CurrentState == "" {
				t.Errorf("summary lacks projected attributes: %+v", c)
			}
			phones = append(phones, c.PhoneNumber)
		}
		return phones
	}
	var centro []string
	for i := 9; i >= 0; i-- {
		centro = append(centro, customer(i))
	}
	if got := list("centro", time.Time{}); !slices.Equal(got, centro) {
		t.Errorf("centro = %v, want newest first %v (not the expired one, not the one that moved)", got, centro)
	}
	if got := list("centro", start.Add(7*time.Minute)); !slices.Equal(got, centro[:3]) {
		t.Errorf("centro since +7 min = %v, want %v", got, centro[:3])
	}
	if got := list("paulista", time.Time{}); !slices.Equal(got, []string{moving.PhoneNumber}) {
		t.Errorf("paulista = %v, want the customer who moved", got)
	}
	if got := list("", time.Time{}); !slices.Equal(got, []string{customer(11)}) {
		t.Errorf("without a store = %v, want %v", got, customer(11))
	}
}

// A store's orders are listed by status, oldest first, and follow a status change.
func TestListStoreOrders(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, _, _ := open(t, dynamo.WithClock(clock.Now))
	ctx := domain.NewPlatformContext(context.Background())
	var ids []string
	for i := range 6 {
		id := fmt.Sprintf("ORDER%05d", i)
		if err := r.CreateOrder(ctx, domaintest.NewOrder(domaintest.Pizzaria, "centro", id, clock.Now())); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		clock.Advance(time.Minute)
	}
	if err := r.CreateOrder(ctx, domaintest.NewOrder(domaintest.Pizzaria, "paulista", "ORDERP0001", clock.Now())); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ids[4], ids[1]} {
		if _, err := r.UpdateOrder(ctx, domaintest.Pizzaria, id, func(o *domain.Order) error {
			_, err := o.MoveTo(domain.OrderAwaitingPayment, clock.Now(), "pix")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	tenant := domain.NewContextWithTenant(context.Background(), domaintest.Pizzaria)
	list := func(status domain.OrderStatus) []string {
		t.Helper()
		got, err := r.ListStoreOrders(tenant, domaintest.Pizzaria, "centro", status)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range got {
			if o.Status != status || o.StoreID != "centro" {
				t.Errorf("listed %s in %s at %s", o.OrderID, o.Status, o.StoreID)
			}
			out = append(out, o.OrderID)
		}
		return out
	}
	if got, want := list(domain.OrderCreated), []string{ids[0], ids[2], ids[3], ids[5]}; !slices.Equal(got, want) {
		t.Errorf("CREATED = %v, want %v", got, want)
	}
	if got, want := list(domain.OrderAwaitingPayment), []string{ids[1], ids[4]}; !slices.Equal(got, want) {
		t.Errorf("AWAITING_PAYMENT = %v, want oldest first %v", got, want)
	}
	// No status: every order of the store, whatever its status, oldest first.
	all, err := r.ListStoreOrders(tenant, domaintest.Pizzaria, "centro", "")
	if err != nil {
		t.Fatal(err)
	}
	var allIDs []string
	for _, o := range all {
		allIDs = append(allIDs, o.OrderID)
	}
	if !slices.Equal(allIDs, ids) {
		t.Errorf("every status = %v, want %v", allIDs, ids)
	}
	if _, err := r.ListStoreOrders(tenant, domaintest.Pizzaria, "centro", "COOKING"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown status: %v, want EINVALID", err)
	}
}
