package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const otherCustomer = "whatsapp:+5511911112222"

func orderIDs(orders []domain.Order) []string {
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.OrderID)
	}
	return ids
}

// A customer's orders come from the customer index, every page, oldest first, only the
// brand's and only the customer's; a pseudonymised order is no longer listed.
func TestListCustomerOrders(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, db, tables := open(t, dynamo.WithClock(clock.Now), dynamo.WithPageSize(1))
	ctx := domain.NewPlatformContext(context.Background())
	var want []string
	for i := range 3 {
		id := fmt.Sprintf("ORDER0000%d", 3-i) // created in the reverse of id order
		want = append(want, id)
		if err := r.CreateOrder(ctx, domaintest.NewOrder(domaintest.Pizzaria, "centro", id, clock.Now())); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	other := domaintest.NewOrder(domaintest.Pizzaria, "centro", "OTHER00001", clock.Now())
	other.CustomerPhone = otherCustomer
	for _, o := range []*domain.Order{other, domaintest.NewOrder(domaintest.Burger, "centro", "BURGER0001", clock.Now())} {
		if err := r.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	// An index row whose order no longer carries the number (the index lags the table): read,
	// checked, left out.
	stale := domaintest.NewOrder(domaintest.Pizzaria, "centro", "STALE00001", clock.Now())
	stale.CustomerPhone = otherCustomer
	stale.CreatedAt, stale.Version = clock.Now(), 1
	item, err := attributevalue.MarshalMap(stale)
	if err != nil {
		t.Fatal(err)
	}
	item["pk"] = avString(domaintest.Pizzaria + "#STALE00001")
	item[resourcenames.AttrCustomerKey] = avString(domaintest.Pizzaria + "#" + domaintest.Customer)
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tables.Orders), Item: item}); err != nil {
		t.Fatal(err)
	}

	got, err := r.ListCustomerOrders(domain.NewContextWithTenant(context.Background(), domaintest.Pizzaria), domaintest.Pizzaria, domaintest.Customer)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(orderIDs(got), want) {
		t.Fatalf("customer's orders = %v, want %v (oldest first)", orderIDs(got), want)
	}
	if got[0].CustomerName != "Ana" || got[0].TotalCents != 13400 || len(got[0].Lines) != 2 {
		t.Errorf("listed order = %+v, want the whole order", got[0])
	}
	if got, err := r.ListCustomerOrders(ctx, domaintest.Burger, domaintest.Customer); err != nil || !slices.Equal(orderIDs(got), []string{"BURGER0001"}) {
		t.Errorf("the same number's orders in the other brand = %v, %v; want [BURGER0001]", orderIDs(got), err)
	}
	if got, err := r.ListCustomerOrders(ctx, domaintest.Pizzaria, "whatsapp:+5511900009999"); err != nil || len(got) != 0 {
		t.Errorf("orders of an unknown customer = %v, %v; want none", orderIDs(got), err)
	}

	if _, err := r.PseudonymiseOrder(ctx, domaintest.Pizzaria, want[1], domaintest.Customer, "anon:x"); err != nil {
		t.Fatal(err)
	}
	if got, err := r.ListCustomerOrders(ctx, domaintest.Pizzaria, domaintest.Customer); err != nil || !slices.Equal(orderIDs(got), []string{want[0], want[2]}) {
		t.Errorf("after pseudonymising %s: %v, %v; want [%s %s]", want[1], orderIDs(got), err, want[0], want[2])
	}

	burger := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	if _, err := r.ListCustomerOrders(burger, domaintest.Pizzaria, domaintest.Customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("another brand's customer's orders = %v, want EFORBIDDEN", err)
	}
	if _, err := r.ListCustomerOrders(ctx, domaintest.Pizzaria, "+5511987654321"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("a number without the channel = %v, want EINVALID", err)
	}
}

// The stored conversation is read even past its TTL, and the erasing deletes say whether
// there was something to delete.
func TestStoredConversationAndErasingDeletes(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, _, _ := open(t, dynamo.WithClock(clock.Now))
	ctx := domain.NewPlatformContext(context.Background())
	if err := r.CreateConversation(ctx, domaintest.NewConversation(domaintest.Pizzaria, domaintest.Customer, clock.Now())); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateMapping(ctx, domaintest.NewMapping(domaintest.Pizzaria, domaintest.Customer, "centro")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(domain.ConversationTTL + time.Hour)
	if _, err := r.GetConversation(ctx, domaintest.Pizzaria, domaintest.Customer); !domain.IsNotFound(err) {
		t.Fatalf("GetConversation past its TTL = %v, want ENOTFOUND", err)
	}
	c, err := r.GetStoredConversation(ctx, domaintest.Pizzaria, domaintest.Customer)
	if err != nil || c.PhoneNumber != domaintest.Customer || !c.Expired(clock.Now()) {
		t.Fatalf("GetStoredConversation past its TTL = %+v, %v; want the expired conversation", c, err)
	}
	if _, err := r.GetStoredConversation(ctx, domaintest.Burger, domaintest.Customer); !domain.IsNotFound(err) {
		t.Errorf("GetStoredConversation of none = %v, want ENOTFOUND", err)
	}
	burger := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	if _, err := r.GetStoredConversation(burger, domaintest.Pizzaria, domaintest.Customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("GetStoredConversation of another brand = %v, want EFORBIDDEN", err)
	}
	if _, err := r.EraseConversation(burger, domaintest.Pizzaria, domaintest.Customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("EraseConversation of another brand = %v, want EFORBIDDEN", err)
	}
	if _, err := r.EraseMapping(burger, domaintest.Pizzaria, domaintest.Customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("EraseMapping of another brand = %v, want EFORBIDDEN", err)
	}
	for i, want := range []bool{true, false} {
		if gone, err := r.EraseConversation(ctx, domaintest.Pizzaria, domaintest.Customer); err != nil || gone != want {
			t.Errorf("EraseConversation #%d = %v, %v; want %v", i+1, gone, err, want)
		}
		if gone, err := r.EraseMapping(ctx, domaintest.Pizzaria, domaintest.Customer); err != nil || gone != want {
			t.Errorf("EraseMapping #%d = %v, %v; want %v", i+1, gone, err, want)
		}
	}
	if _, err := r.GetStoredConversation(ctx, domaintest.Pizzaria, domaintest.Customer); !domain.IsNotFound(err) {
		t.Errorf("GetStoredConversation after the erasure = %v, want ENOTFOUND", err)
	}
	if _, err := r.GetMapping(ctx, domaintest.Pizzaria, domaintest.Customer); !domain.IsNotFound(err) {
		t.Errorf("GetMapping after the erasure = %v, want ENOTFOUND", err)
	}
}

// An idempotency record shows its key and times, per brand; erasing it says whether it was
// there.
func TestClaimRecords(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, _, _ := open(t, dynamo.WithClock(clock.Now))
	ctx := domain.NewPlatformContext(context.Background())
	key := domain.InboundClaimKey("SM0001")
	if _, err := r.Begin(ctx, domaintest.Pizzaria, key, 5*time.Second, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	rec, err := r.GetClaimRecord(ctx, domaintest.Pizzaria, key)
	if err != nil {
		t.Fatal(err)
	}
	if want := (dynamo.ClaimRecord{Key: key, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(48 * time.Hour)}); *rec != want {
		t.Errorf("claim record = %+v, want %+v", *rec, want)
	}
	if _, err := r.GetClaimRecord(ctx, domaintest.Burger, key); !domain.IsNotFound(err) {
		t.Errorf("the other brand's record of the key = %v, want ENOTFOUND", err)
	}
	burger := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	if _, err := r.EraseClaim(burger, domaintest.Pizzaria, key); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("EraseClaim of another brand = %v, want EFORBIDDEN", err)
	}
	for i, want := range []bool{true, false} {
		if gone, err := r.EraseClaim(ctx, domaintest.Pizzaria, key); err != nil || gone != want {
			t.Errorf("EraseClaim #%d = %v, %v; want %v", i+1, gone, err, want)
		}
	}
	if st, err := r.Lookup(ctx, domaintest.Pizzaria, key); err != nil || st != 0 {
		t.Errorf("Lookup after the erasure = %v, %v; want no record", st, err)
	}
}

func avString(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
