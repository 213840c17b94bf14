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

// Per-brand and per-store listings (operators' views: a brand's customers, a store's
// conversations, a store's orders by status). Each reads a write-sharded index: the items of
// one brand or store are spread over resourcenames.ListingShards partitions by a hash of the
// customer's number or the order id, so no index partition takes all of a large brand's
// writes. A listing queries every shard, concurrently, and merges. Index reads are eventually
// consistent: an item written a moment ago may be missing or show its previous values.

// queryShards runs one Query per shard of index, the partition key attribute keyAttr being
// prefix + "#" + shard, with the extra sort key condition sk when set, and returns every row.
func (r *Repositories) queryShards(ctx context.Context, tenant, table, index, keyAttr, prefix string, sk func(expression.KeyConditionBuilder) expression.KeyConditionBuilder) ([]map[string]types.AttributeValue, error) {
	api, err := r.api(ctx, tenant)
	if err != nil {
		return nil, err
	}
	shards := make([][]map[string]types.AttributeValue, resourcenames.ListingShards)
	g, gctx := errgroup.WithContext(ctx)
	for shard := range resourcenames.ListingShards {
		g.Go(func() error {
			kc := expression.Key(keyAttr).Equal(expression.Value(resourcenames.ShardKey(prefix, shard)))
			if sk != nil {
				kc = sk(kc)
			}
			expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
			if err != nil {
				return fmt.Errorf("dynamo: build the query of %s: %w", index, err)
			}
			in := &dynamodb.QueryInput{
				TableName:                 &table,
				IndexName:                 aws.String(index),
				KeyConditionExpression:    expr.KeyCondition(),
				ExpressionAttributeNames:  expr.Names(),
				ExpressionAttributeValues: expr.Values(),
			}
			if r.pageSize > 0 {
				in.Limit = aws.Int32(r.pageSize)
			}
			pages := dynamodb.NewQueryPaginator(api, in)
			for pages.HasMorePages() {
				page, err := pages.NextPage(gctx)
				if err != nil {
					return fmt.Errorf("dynamo: query %s on %s: %w", index, table, err)
				}
				shards[shard] = append(shards[shard], page.Items...)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(shards...), nil
}

// ListMappings returns every customer mapped to one of the brand's stores, ordered by
// number, from resourcenames.MappingsByBrandIndex.
func (r *Repositories) ListMappings(ctx context.Context, clientID string) ([]domain.PhoneMapping, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	rows, err := r.queryShards(ctx, clientID, r.tables.PhoneMapping, resourcenames.MappingsByBrandIndex, attrBrandShard, clientID, nil)
	if err != nil {
		return nil, err
	}
	var out []domain.PhoneMapping
	if err := attributevalue.UnmarshalListOfMaps(rows, &out); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal mappings: %w", err)
	}
	slices.SortFunc(out, func(a, b domain.PhoneMapping) int { return cmp.Compare(a.PhoneNumber, b.PhoneNumber) })
	return out, nil
}

// ListStoreConversations returns the conversations of the brand's store storeID ("" for
// customers who have not chosen a store yet) whose last message is at or after since, newest
// first, as the summaries resourcenames.ConversationsByStoreIndex projects. The full
// conversation is one GetConversation away. Expired conversations (past their TTL, not yet
// deleted by DynamoDB) are left out.
func (r *Repositories) ListStoreConversations(ctx context.Context, clientID, storeID string, since time.Time) ([]domain.ConversationSummary, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if storeID != "" {
		if err := resourcenames.ValidateID("storeId", storeID); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "%s", err.Error())
		}
	}
	from := since.UnixMilli()
	rows, err := r.queryShards(ctx, clientID, r.tables.ConversationState, resourcenames.ConversationsByStoreIndex, attrStoreShard,
		storeListing(clientID, storeID), func(kc expression.KeyConditionBuilder) expression.KeyConditionBuilder {
			return kc.And(expression.Key(resourcenames.AttrLastMessageTimestamp).GreaterThanEqual(expression.Value(from)))
		})
	if err != nil {
		return nil, err
	}
	var all []domain.ConversationSummary
	if err := attributevalue.UnmarshalListOfMaps(rows, &all); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal conversations: %w", err)
	}
	now := r.clock()
	out := all[:0]
	for _, c := range all {
		if !domain.Expired(c.TTL, now) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b domain.ConversationSummary) int {
		return cmp.Or(cmp.Compare(b.LastMessageTimestamp, a.LastMessageTimestamp), cmp.Compare(a.PhoneNumber, b.PhoneNumber))
	})
	return out, nil
}

// ListStoreOrders returns the orders of the brand's store storeID in status, oldest first,
// from resourcenames.OrdersByStoreIndex (sort key "<status>#<createdAt>").
func (r *Repositories) ListStoreOrders(ctx context.Context, clientID, storeID string, status domain.OrderStatus) ([]domain.Order, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if err := resourcenames.ValidateID("storeId", storeID); err != nil {
		return nil, domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	if !status.Valid() {
		return nil, domain.Errorf(domain.EINVALID, "%q is not an order status", status)
	}
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return nil, err
	}
	rows, err := r.queryShards(ctx, clientID, r.tables.Orders, resourcenames.OrdersByStoreIndex, attrStoreShard,
		storeListing(clientID, storeID), func(kc expression.KeyConditionBuilder) expression.KeyConditionBuilder {
			return kc.And(expression.Key(attrStatusCreatedAt).BeginsWith(string(status) + resourcenames.KeySeparator))
		})
	if err != nil {
		return nil, err
	}
	var out []domain.Order
	if err := attributevalue.UnmarshalListOfMaps(rows, &out); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal orders: %w", err)
	}
	slices.SortFunc(out, func(a, b domain.Order) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.OrderID, b.OrderID))
	})
	return out, nil
}
