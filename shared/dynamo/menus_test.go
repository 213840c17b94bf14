package dynamo_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
)

// The rows are the table's contract (operators and seeds write them too): one per category
// and one per item under the brand's partition, sort keys "category#<id>" and "item#<id>",
// the domain's attribute names.
func TestMenuRowsOnTheTable(t *testing.T) {
	t.Parallel()
	r, db, tables := open(t)
	ctx := domain.NewPlatformContext(context.Background())
	if err := r.PutMenu(ctx, domaintest.NewMenu(domaintest.Pizzaria)); err != nil {
		t.Fatal(err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(tables.Menu),
		Key: map[string]types.AttributeValue{
			"clientId": &types.AttributeValueMemberS{Value: domaintest.Pizzaria},
			"menuKey":  &types.AttributeValueMemberS{Value: "item#margherita"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, attr := range []string{"clientId", "menuKey", "updatedAt", "itemId", "categoryId", "name", "sizes", "options", "stores", "available"} {
		if _, ok := out.Item[attr]; !ok {
			t.Errorf("item row lacks %q: %v", attr, out.Item)
		}
	}
	cat, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(tables.Menu),
		Key: map[string]types.AttributeValue{
			"clientId": &types.AttributeValueMemberS{Value: domaintest.Pizzaria},
			"menuKey":  &types.AttributeValueMemberS{Value: "category#pizzas"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := cat.Item["name"].(*types.AttributeValueMemberS); !ok || n.Value != "Pizzas" {
		t.Errorf("category row = %v, want name Pizzas", cat.Item)
	}
}

// A row of a kind this version does not know is neither read as part of the menu nor
// deleted by a replacement: a newer writer's data survives an older one.
func TestMenuKeepsUnknownRows(t *testing.T) {
	t.Parallel()
	r, db, tables := open(t)
	ctx := domain.NewPlatformContext(context.Background())
	meta := map[string]types.AttributeValue{
		"clientId": &types.AttributeValueMemberS{Value: domaintest.Pizzaria},
		"menuKey":  &types.AttributeValueMemberS{Value: "meta#banner"},
		"text":     &types.AttributeValueMemberS{Value: "Promoção de terça"},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tables.Menu), Item: meta}); err != nil {
		t.Fatal(err)
	}
	if err := r.PutMenu(ctx, domaintest.NewMenu(domaintest.Pizzaria)); err != nil {
		t.Fatal(err)
	}
	m, err := r.GetMenu(ctx, domaintest.Pizzaria)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Items) != 4 || len(m.Categories) != 2 {
		t.Errorf("menu = %d items, %d categories; want 4, 2", len(m.Items), len(m.Categories))
	}
	if err := r.PutMenu(ctx, &domain.Menu{ClientID: domaintest.Pizzaria}); err != nil {
		t.Fatal(err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tables.Menu), Key: map[string]types.AttributeValue{
		"clientId": meta["clientId"], "menuKey": meta["menuKey"],
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Error("PutMenu deleted a row of a kind it does not own")
	}
}

// The menu is read across every page of the Query.
func TestGetMenuFollowsPages(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t, dynamo.WithPageSize(2))
	ctx := domain.NewPlatformContext(context.Background())
	m := domaintest.NewMenu(domaintest.Pizzaria)
	if err := r.PutMenu(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := r.GetMenu(ctx, domaintest.Pizzaria)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(m.Items) || len(got.Categories) != len(m.Categories) {
		t.Errorf("menu read in pages of 2 = %d items, %d categories; want %d, %d", len(got.Items), len(got.Categories), len(m.Items), len(m.Categories))
	}
	// Removal reads the keys in pages too.
	m.Items = m.Items[:1]
	if err := r.PutMenu(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got, err = r.GetMenu(ctx, domaintest.Pizzaria); err != nil || len(got.Items) != 1 {
		t.Errorf("after removing items in pages of 2: %v items, %v", len(got.Items), err)
	}
}

// throttling writes only part of each batch, the way DynamoDB answers under throttling:
// the call succeeds and the rest comes back in UnprocessedItems.
type throttling struct {
	dynamo.API
	mu       sync.Mutex
	calls    int
	throttle int // how many calls are cut short; -1: every call
}

func (f *throttling) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	f.mu.Lock()
	f.calls++
	cut := f.throttle < 0 || f.calls <= f.throttle
	f.mu.Unlock()
	if !cut {
		return f.API.BatchWriteItem(ctx, in, o...)
	}
	done := map[string][]types.WriteRequest{}
	rest := map[string][]types.WriteRequest{}
	for table, reqs := range in.RequestItems {
		half := len(reqs) / 2
		if half > 0 {
			done[table] = reqs[:half]
		}
		rest[table] = reqs[half:]
	}
	if len(done) > 0 {
		if _, err := f.API.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: done}, o...); err != nil {
			return nil, err
		}
	}
	return &dynamodb.BatchWriteItemOutput{UnprocessedItems: rest}, nil
}

func TestPutMenuResendsUnprocessedItems(t *testing.T) {
	t.Parallel()
	_, db, tables := open(t)
	ctx := domain.NewPlatformContext(context.Background())
	fake := &throttling{API: db, throttle: 3}
	r, err := dynamo.New(tables, dynamo.SingleClient(fake))
	if err != nil {
		t.Fatal(err)
	}
	m := domaintest.NewMenu(domaintest.Pizzaria)
	if err := r.PutMenu(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := r.GetMenu(ctx, domaintest.Pizzaria)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(m.Items) || len(got.Categories) != len(m.Categories) {
		t.Errorf("menu after throttled writes = %d items, %d categories; want %d, %d", len(got.Items), len(got.Categories), len(m.Items), len(m.Categories))
	}
	if fake.calls <= 3 {
		t.Errorf("%d batch calls, want the throttled ones resent", fake.calls)
	}

	// Writes that never get through end in an internal error, not a loop.
	r, err = dynamo.New(tables, dynamo.SingleClient(&throttling{API: db, throttle: -1}))
	if err != nil {
		t.Fatal(err)
	}
	err = r.PutMenu(ctx, domaintest.NewMenu(domaintest.Burger))
	if domain.ErrorCode(err) != domain.EINTERNAL {
		t.Errorf("PutMenu that is always throttled = %v, want an internal error", err)
	}
}
