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
// first, as summaries (resourcenames.ConversationSummaryAttributes). The keys come from
// resourcenames.ConversationsByStoreIndex (KEYS_ONLY, so that a customer's turn writes no index
// item), the summaries from the table (BatchGetItem, eventually consistent like the index);
// the full conversation is one GetConversation away. Expired conversations (past their TTL,
// not yet deleted by DynamoDB) are left out.
func (r *Repositories) ListStoreConversations(ctx context.Context, clientID, storeID string, since time.Time) ([]domain.ConversationSummary, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if storeID != "" {
		if err := resourcenames.ValidateID("storeId", storeID); err != nil {
			return nil, domain.Errorf(domain.EINVALID, "%s", err.Error())
		}
	}
	keys, err := r.queryShards(ctx, clientID, r.tables.ConversationState, resourcenames.ConversationsByStoreIndex, attrStoreShard,
		storeListing(clientID, storeID), nil)
	if err != nil {
		return nil, err
	}
	rows, err := r.batchGet(ctx, clientID, r.tables.ConversationState, keys, resourcenames.ConversationSummaryAttributes)
	if err != nil {
		return nil, err
	}
	var all []domain.ConversationSummary
	if err := attributevalue.UnmarshalListOfMaps(rows, &all); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal conversations: %w", err)
	}
	now, from := r.clock(), since.UnixMilli()
	out := all[:0]
	for _, c := range all {
		if !domain.Expired(c.TTL, now) && c.LastMessageTimestamp >= from {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b domain.ConversationSummary) int {
		return cmp.Or(cmp.Compare(b.LastMessageTimestamp, a.LastMessageTimestamp), cmp.Compare(a.PhoneNumber, b.PhoneNumber))
	})
	return out, nil
}

// batchGetMaxKeys is BatchGetItem's limit of keys per call.
const batchGetMaxKeys = 100

// batchGet reads the items of table whose table keys are in rows (index rows: only the table
// key is used), projected to only, in calls of batchGetMaxKeys; what DynamoDB leaves
// unprocessed (throttling) is asked again a few times before giving up. Items gone since the
// index was read are simply absent.
func (r *Repositories) batchGet(ctx context.Context, tenant, table string, rows []map[string]types.AttributeValue, only []string) ([]map[string]types.AttributeValue, error) {
	api, err := r.api(ctx, tenant)
	if err != nil {
		return nil, err
	}
	names := make([]expression.NameBuilder, len(only))
	for i, n := range only {
		names[i] = expression.Name(n)
	}
	proj, err := expression.NewBuilder().WithProjection(expression.NamesList(names[0], names[1:]...)).Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: build the projection of %s: %w", table, err)
	}
	var items []map[string]types.AttributeValue
	for start := 0; start < len(rows); start += batchGetMaxKeys {
		var keys []map[string]types.AttributeValue
		for _, row := range rows[start:min(start+batchGetMaxKeys, len(rows))] {
			keys = append(keys, map[string]types.AttributeValue{attrPK: row[attrPK]})
		}
		pending := &types.KeysAndAttributes{Keys: keys, ProjectionExpression: proj.Projection(), ExpressionAttributeNames: proj.Names()}
		for attempt := 0; pending != nil && len(pending.Keys) > 0; attempt++ {
			if attempt > 0 {
				if attempt >= maxBatchAttempts {
					return nil, fmt.Errorf("dynamo: %d reads of %s still unprocessed after %d attempts", len(pending.Keys), table, attempt)
				}
				if err := sleep(ctx, attempt-1); err != nil {
					return nil, err
				}
			}
			out, err := api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: *pending}})
			if err != nil {
				return nil, fmt.Errorf("dynamo: batch get from %s: %w", table, err)
			}
			items = append(items, out.Responses[table]...)
			next, ok := out.UnprocessedKeys[table]
			pending = nil
			if ok {
				pending = &next
			}
		}
	}
	return items, nil
}

// ListStoreOrders returns the orders of the brand's store storeID in status, oldest first,
// from resourcenames.OrdersByStoreIndex (sort key "<status>#<createdAt>"); status "" lists
// every status, with the same reads (no sort key condition).
func (r *Repositories) ListStoreOrders(ctx context.Context, clientID, storeID string, status domain.OrderStatus) ([]domain.Order, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if err := resourcenames.ValidateID("storeId", storeID); err != nil {
		return nil, domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	if status != "" && !status.Valid() {
		return nil, domain.Errorf(domain.EINVALID, "%q is not an order status", status)
	}
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return nil, err
	}
	var sk func(expression.KeyConditionBuilder) expression.KeyConditionBuilder
	if status != "" {
		sk = func(kc expression.KeyConditionBuilder) expression.KeyConditionBuilder {
			return kc.And(expression.Key(attrStatusCreatedAt).BeginsWith(string(status) + resourcenames.KeySeparator))
		}
	}
	rows, err := r.queryShards(ctx, clientID, r.tables.Orders, resourcenames.OrdersByStoreIndex, attrStoreShard,
		storeListing(clientID, storeID), sk)
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
