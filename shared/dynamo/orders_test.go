package dynamo_test

import (
	"context"
	"github.com/wabot-platform/wabot/shared/domain"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain/domaintest"
)

// An order is one item keyed (clientId, orderId) with the domain's attribute names; money
// is stored as numbers of centavos, never as strings or floats.
func TestOrderItemOnTheTable(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, db, tables := open(t)
	ctx := domain.NewPlatformContext(context.Background())
	if err := r.CreateOrder(ctx, domaintest.NewOrder(domaintest.Pizzaria, "centro", "ORDER00001", clock.Now())); err != nil {
		t.Fatal(err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(tables.Orders),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: domaintest.Pizzaria + "#ORDER00001"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatal(`the order is not under pk "<clientId>#<orderId>"`)
	}
	for _, attr := range []string{"clientId", "orderId", "storeShard", "statusCreatedAt", "storeId", "customerPhone", "lines", "status", "statusHistory", "version", "createdAt", "updatedAt"} {
		if _, ok := out.Item[attr]; !ok {
			t.Errorf("order item lacks %q", attr)
		}
	}
	if n, ok := out.Item["totalCents"].(*types.AttributeValueMemberN); !ok || n.Value != "13400" {
		t.Errorf("totalCents = %#v, want the number 13400", out.Item["totalCents"])
	}
}
