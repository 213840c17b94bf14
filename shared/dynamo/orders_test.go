package dynamo_test

import (
	"context"
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

// Every write of an order carries customerKey "<clientId>#<phoneNumber>", the key of the
// customer index (resourcenames.OrdersByCustomerIndex); a pseudonymised order has none, and
// the item keeps its amounts, lines and history.
func TestOrderCustomerKey(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, db, tables := open(t, dynamo.WithClock(clock.Now))
	ctx := domain.NewPlatformContext(context.Background())
	o := domaintest.NewOrder(domaintest.Pizzaria, "centro", "ORDER00001", clock.Now())
	o.CustomerPhone = "WhatsApp:+5511987654321" // stored canonical, and keyed so
	if err := r.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	item := func() map[string]types.AttributeValue {
		t.Helper()
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(tables.Orders),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: domaintest.Pizzaria + "#ORDER00001"}},
		})
		if err != nil || out.Item == nil {
			t.Fatalf("get the order item: %v (item %v)", err, out.Item)
		}
		return out.Item
	}
	want := domaintest.Pizzaria + "#" + domaintest.Customer
	if k, ok := item()[resourcenames.AttrCustomerKey].(*types.AttributeValueMemberS); !ok || k.Value != want {
		t.Fatalf("customerKey after create = %#v, want %q", item()[resourcenames.AttrCustomerKey], want)
	}
	if _, err := r.UpdateOrder(ctx, domaintest.Pizzaria, "ORDER00001", func(o *domain.Order) error {
		_, err := o.MoveTo(domain.OrderConfirmed, clock.Now(), "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if k, ok := item()[resourcenames.AttrCustomerKey].(*types.AttributeValueMemberS); !ok || k.Value != want {
		t.Fatalf("customerKey after an update = %#v, want %q", item()[resourcenames.AttrCustomerKey], want)
	}

	clock.Advance(time.Hour)
	changed, err := r.PseudonymiseOrder(ctx, domaintest.Pizzaria, "ORDER00001", domaintest.Customer, "anon:abc")
	if err != nil || !changed {
		t.Fatalf("PseudonymiseOrder = %v, %v; want true, nil", changed, err)
	}
	after := item()
	for _, gone := range []string{resourcenames.AttrCustomerKey, "customerName", "deliveryAddress"} {
		if _, ok := after[gone]; ok {
			t.Errorf("a pseudonymised order still has %q", gone)
		}
	}
	if p, ok := after["customerPhone"].(*types.AttributeValueMemberS); !ok || p.Value != "anon:abc" {
		t.Errorf("customerPhone = %#v, want the pseudonym", after["customerPhone"])
	}
	if at, ok := after[dynamo.AttrPseudonymisedAt].(*types.AttributeValueMemberS); !ok || at.Value != clock.Now().Format(time.RFC3339Nano) {
		t.Errorf("%s = %#v, want %s", dynamo.AttrPseudonymisedAt, after[dynamo.AttrPseudonymisedAt], clock.Now().Format(time.RFC3339Nano))
	}
	got, err := r.GetOrder(ctx, domaintest.Pizzaria, "ORDER00001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.TotalCents != 13400 || len(got.Lines) != 2 || got.Status != domain.OrderConfirmed ||
		len(got.StatusHistory) != 2 || got.StoreID != "centro" || !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("pseudonymised order = %+v; want version 3, the same amounts, lines, status and history", got)
	}

	// Again: nothing to do. Another customer's number, or a pseudonym that is a number: no.
	if changed, err := r.PseudonymiseOrder(ctx, domaintest.Pizzaria, "ORDER00001", domaintest.Customer, "anon:abc"); err != nil || changed {
		t.Errorf("second PseudonymiseOrder = %v, %v; want false, nil", changed, err)
	}
	if err := r.CreateOrder(ctx, domaintest.NewOrder(domaintest.Pizzaria, "centro", "ORDER00002", clock.Now())); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.PseudonymiseOrder(ctx, domaintest.Pizzaria, "ORDER00002", "whatsapp:+5511911112222", "anon:abc"); err != nil || changed {
		t.Errorf("PseudonymiseOrder with another customer's number = %v, %v; want false, nil", changed, err)
	}
	if _, err := r.PseudonymiseOrder(ctx, domaintest.Pizzaria, "ORDER00002", domaintest.Customer, "whatsapp:+5511911112222"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("PseudonymiseOrder to a WhatsApp address = %v, want EINVALID", err)
	}
	if changed, err := r.PseudonymiseOrder(ctx, domaintest.Pizzaria, "ABSENT0001", domaintest.Customer, "anon:abc"); err != nil || changed {
		t.Errorf("PseudonymiseOrder of an absent order = %v, %v; want false, nil", changed, err)
	}
	burger := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	if _, err := r.PseudonymiseOrder(burger, domaintest.Pizzaria, "ORDER00002", domaintest.Customer, "anon:abc"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("PseudonymiseOrder of another brand's order = %v, want EFORBIDDEN", err)
	}
}
