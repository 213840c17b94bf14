package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// What one customer of one brand left in the tables, for the LGPD export and erasure
// (package privacy): a customer's orders by the customer index, the stored conversation even
// past its TTL, the idempotency records by key, the deletes that say whether there was
// something to delete, and the pseudonymisation of an order.

// Attributes written by PseudonymiseOrder.
const (
	attrCustomerPhone   = "customerPhone"
	attrCustomerName    = "customerName"
	attrDeliveryAddress = "deliveryAddress"
	attrUpdatedAt       = "updatedAt"
	// AttrPseudonymisedAt is when an order's customer was pseudonymised (RFC 3339, UTC).
	AttrPseudonymisedAt = "pseudonymisedAt"
)

// maxPseudonym bounds a pseudonym written into an order.
const maxPseudonym = 128

// customerOrderReads bounds the concurrent GetItems of ListCustomerOrders.
const customerOrderReads = 8

// ListCustomerOrders returns the brand's orders whose customer is phoneNumber, oldest first:
// the keys from resourcenames.OrdersByCustomerIndex (KEYS_ONLY), each order then read with a
// strongly consistent GetItem under the brand's session. The index is eventually consistent:
// an order created a moment ago may be missing, and one pseudonymised a moment ago may still
// be listed, so every order read is checked to still carry the number (else it is left out).
// Pseudonymised orders have no customerKey and are never listed.
func (r *Repositories) ListCustomerOrders(ctx context.Context, clientID, phoneNumber string) ([]domain.Order, error) {
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return nil, err
	}
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	num := keys[1]
	api, err := r.api(ctx, clientID)
	if err != nil {
		return nil, err
	}
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrCustomerKey).Equal(expression.Value(resourcenames.TenantKey(clientID, num)))).Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: build the query of %s: %w", resourcenames.OrdersByCustomerIndex, err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &r.tables.Orders,
		IndexName:                 aws.String(resourcenames.OrdersByCustomerIndex),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	if r.pageSize > 0 {
		in.Limit = aws.Int32(r.pageSize)
	}
	var pks []string
	pages := dynamodb.NewQueryPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: query %s on %s: %w", resourcenames.OrdersByCustomerIndex, r.tables.Orders, err)
		}
		for _, row := range page.Items {
			if pk, ok := row[attrPK].(*types.AttributeValueMemberS); ok && !slices.Contains(pks, pk.Value) {
				pks = append(pks, pk.Value)
			}
		}
	}
	// GetItem, not BatchGetItem: a customer has few orders, the read is strongly consistent,
	// and the tenant roles allow GetItem on orders (not BatchGetItem).
	found := make([]*domain.Order, len(pks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(customerOrderReads)
	for i, pk := range pks {
		g.Go(func() error {
			out, err := api.GetItem(gctx, &dynamodb.GetItemInput{
				TableName:      &r.tables.Orders,
				Key:            map[string]types.AttributeValue{attrPK: stringValue(pk)},
				ConsistentRead: aws.Bool(true),
			})
			if err != nil {
				return fmt.Errorf("dynamo: get from %s: %w", r.tables.Orders, err)
			}
			if out.Item == nil {
				return nil
			}
			o := new(domain.Order)
			if err := attributevalue.UnmarshalMap(out.Item, o); err != nil {
				return fmt.Errorf("dynamo: unmarshal item of %s: %w", r.tables.Orders, err)
			}
			if o.ClientID == clientID && o.CustomerPhone == num {
				found[i] = o
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]domain.Order, 0, len(found))
	for _, o := range found {
		if o != nil {
			out = append(out, *o)
		}
	}
	slices.SortFunc(out, func(a, b domain.Order) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.OrderID, b.OrderID))
	})
	return out, nil
}

// GetStoredConversation returns the customer's conversation as stored, even past its TTL:
// DynamoDB deletes an expired item up to two days late, and until then it still holds the
// customer's messages, which an export must show and an erasure must find. ENOTFOUND when
// there is no item. Everything else reads conversations with GetConversation.
func (r *Repositories) GetStoredConversation(ctx context.Context, clientID, phoneNumber string) (*domain.Conversation, error) {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return nil, err
	}
	e := r.conversations
	out, err := api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &e.table, Key: e.key(keys), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get from %s: %w", e.table, err)
	}
	if out.Item == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s not found", e.describe(keys))
	}
	c := new(domain.Conversation)
	if err := attributevalue.UnmarshalMap(out.Item, c); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal item of %s: %w", e.table, err)
	}
	return c, nil
}

// EraseMapping deletes the customer's mapping with the brand and reports whether there was
// one: erasing an absent mapping is not an error.
func (r *Repositories) EraseMapping(ctx context.Context, clientID, phoneNumber string) (bool, error) {
	return eraseCustomerItem(ctx, r, r.mappings, clientID, phoneNumber)
}

// EraseConversation deletes the customer's conversation, expired or not, and reports whether
// there was one.
func (r *Repositories) EraseConversation(ctx context.Context, clientID, phoneNumber string) (bool, error) {
	return eraseCustomerItem(ctx, r, r.conversations, clientID, phoneNumber)
}

// eraseCustomerItem deletes the customer's item of e (keyed "<clientId>#<phoneNumber>") with
// the brand's client and reports whether there was one.
func eraseCustomerItem[T any](ctx context.Context, r *Repositories, e *entity[T], clientID, phoneNumber string) (bool, error) {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return false, err
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return false, err
	}
	return eraseItem(ctx, api, e.table, e.key(keys))
}

// ClaimRecord is what an export shows of an idempotency record: its key and times, nothing
// else.
type ClaimRecord struct {
	Key       string
	CreatedAt time.Time
	// ExpiresAt is when the record lapses (its TTL); the zero time when it has none.
	ExpiresAt time.Time
}

// GetClaimRecord reads the idempotency record of key for the brand, even past its TTL (it is
// still stored), with the platform's client like every idempotency call. ENOTFOUND when there
// is none.
func (r *Repositories) GetClaimRecord(ctx context.Context, clientID, key string) (*ClaimRecord, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return nil, err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return nil, err
	}
	proj, err := expression.NewBuilder().WithProjection(expression.NamesList(
		expression.Name(attrIdempotencyKey), expression.Name(resourcenames.AttrCreatedAt), expression.Name(attrTTL))).Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: build the projection of %s: %w", r.tables.Idempotency, err)
	}
	out, err := api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &r.tables.Idempotency, Key: claimKey(clientID, key), ConsistentRead: aws.Bool(true),
		ProjectionExpression: proj.Projection(), ExpressionAttributeNames: proj.Names(),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get from %s: %w", r.tables.Idempotency, err)
	}
	if out.Item == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "no idempotency record of client %q with that key", clientID)
	}
	var c claim
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal claim: %w", err)
	}
	rec := &ClaimRecord{Key: key, CreatedAt: c.CreatedAt.UTC()}
	if c.TTL > 0 {
		rec.ExpiresAt = time.Unix(c.TTL, 0).UTC()
	}
	return rec, nil
}

// EraseClaim deletes the idempotency record of key for the brand, expired or not, and
// reports whether there was one. Unlike Release it is an erasure: the caller does not hold
// the claim.
func (r *Repositories) EraseClaim(ctx context.Context, clientID, key string) (bool, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return false, err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return false, err
	}
	return eraseItem(ctx, api, r.tables.Idempotency, claimKey(clientID, key))
}

// eraseItem deletes the item with key from table and reports whether it existed.
func eraseItem(ctx context.Context, api API, table string, key map[string]types.AttributeValue) (bool, error) {
	out, err := api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &table, Key: key, ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return false, fmt.Errorf("dynamo: delete from %s: %w", table, err)
	}
	return len(out.Attributes) > 0, nil
}

// PseudonymiseOrder replaces the customer of the brand's order orderID by pseudonym, if the
// order still carries phoneNumber: customerPhone becomes pseudonym, customerName,
// deliveryAddress and customerKey are removed (the order leaves the customer index),
// AttrPseudonymisedAt and updatedAt are set to now and version moves (a writer that read the
// order before loses its race and reads it again). Lines, amounts, status and history stay:
// the order is a fiscal record. One conditional UpdateItem, which does not go through
// domain.Order.Validate (a pseudonym is not a WhatsApp address, and a delivery order keeps no
// address). It reports whether it changed the order: false when the order is absent,
// already pseudonymised or another customer's, so a repeated erasure changes nothing.
//
// pseudonym must not be a WhatsApp address (it could then be read as someone's number and
// put back in the customer index by a later write).
func (r *Repositories) PseudonymiseOrder(ctx context.Context, clientID, orderID, phoneNumber, pseudonym string) (bool, error) {
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return false, err
	}
	keys, err := orderKeys(ctx, clientID, orderID)
	if err != nil {
		return false, err
	}
	num, err := domain.ParseWhatsAppAddress(phoneNumber)
	if err != nil {
		return false, err
	}
	if pseudonym == "" || len(pseudonym) > maxPseudonym {
		return false, domain.Errorf(domain.EINVALID, "a pseudonym is 1 to %d characters", maxPseudonym)
	}
	if _, err := domain.ParseWhatsAppAddress(pseudonym); err == nil {
		return false, domain.Errorf(domain.EINVALID, "a pseudonym cannot be a WhatsApp address")
	}
	now := r.clock().Format(time.RFC3339Nano)
	update := expression.Set(expression.Name(attrCustomerPhone), expression.Value(pseudonym)).
		Set(expression.Name(AttrPseudonymisedAt), expression.Value(now)).
		Set(expression.Name(attrUpdatedAt), expression.Value(now)).
		Set(expression.Name(attrVersion), expression.Plus(expression.IfNotExists(expression.Name(attrVersion), expression.Value(0)), expression.Value(1))).
		Remove(expression.Name(attrCustomerName)).
		Remove(expression.Name(attrDeliveryAddress)).
		Remove(expression.Name(attrCustomerKey))
	cond := expression.Name(attrClientID).Equal(expression.Value(clientID)).
		And(expression.Name(attrCustomerPhone).Equal(expression.Value(num)))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return false, fmt.Errorf("dynamo: build the pseudonymisation of an order: %w", err)
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return false, err
	}
	_, err = api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &r.tables.Orders,
		Key:                       r.orders.key(keys),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	switch {
	case isConditionFailed(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("dynamo: update %s: %w", r.tables.Orders, err)
	}
	return true, nil
}
