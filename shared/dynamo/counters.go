package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The daily counters (WhatsAppBotDailyMetrics): one item per (brand, day, store), keyed
// (clientId, metricKey = "<day>#<storeId or resourcenames.NoStore>"), written only with
// UpdateItem's ADD, so concurrent writers never lose a count and a write reads nothing.
var _ domain.DailyMetricsRepository = (*Repositories)(nil)

const (
	attrMetricKey = resourcenames.AttrMetricKey
	attrDay       = "day"
)

// metricKey is the sort key of a day's counters of storeID ("" : none).
func metricKey(day, storeID string) string {
	if storeID == "" {
		storeID = resourcenames.NoStore
	}
	return day + resourcenames.KeySeparator + storeID
}

// metricsTTL is when a day's counters expire: resourcenames.DailyMetricsRetentionDays after
// the day began. Every write of the day sets the same value.
func metricsTTL(dayStart time.Time) int64 {
	return dayStart.AddDate(0, 0, resourcenames.DailyMetricsRetentionDays).Unix()
}

// AddCounts implements domain.DailyMetricsRepository: one UpdateItem that ADDs every
// non-zero counter and SETs the item's day, store and ttl; no read, no condition.
func (r *Repositories) AddCounts(ctx context.Context, clientID, storeID, day string, c domain.Counts) error {
	if err := configured(r.tables.DailyMetrics, "daily metrics"); err != nil {
		return err
	}
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return err
	}
	start, err := domain.ParseMetricsDay("day", day)
	if err != nil {
		return err
	}
	if err := domain.CheckMetricsStore(storeID, false); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if c.IsZero() {
		return nil
	}
	upd := expression.Set(expression.Name(attrDay), expression.Value(day)).
		Set(expression.Name(attrTTL), expression.Value(metricsTTL(start)))
	if storeID != "" {
		upd = upd.Set(expression.Name(attrStoreID), expression.Value(storeID))
	}
	// Every counter of Counts (Fields: their attribute names are Counts' dynamodbav tags).
	for _, f := range c.Fields() {
		if f.Value != 0 {
			upd = upd.Add(expression.Name(f.Name), expression.Value(f.Value))
		}
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("dynamo: build the counters' update: %w", err)
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return err
	}
	_, err = api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &r.tables.DailyMetrics,
		Key: map[string]types.AttributeValue{
			attrClientID:  stringValue(clientID),
			attrMetricKey: stringValue(metricKey(day, storeID)),
		},
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return fmt.Errorf("dynamo: add to the daily counters of client %q: %w", clientID, err)
	}
	return nil
}

// ListDailyMetrics implements domain.DailyMetricsRepository: one Query on the brand's
// partition, metricKey between "<from>#" and "<to>#~" (every store id, and NoStore, sorts
// below "~"), filtered to one store when asked, page by page.
func (r *Repositories) ListDailyMetrics(ctx context.Context, clientID, from, to, storeID string) ([]domain.DailyCounters, error) {
	if err := configured(r.tables.DailyMetrics, "daily metrics"); err != nil {
		return nil, err
	}
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if _, err := domain.MetricsDayRange(from, to); err != nil {
		return nil, err
	}
	if err := domain.CheckMetricsStore(storeID, true); err != nil {
		return nil, err
	}
	sep := resourcenames.KeySeparator
	b := expression.NewBuilder().WithKeyCondition(expression.Key(attrClientID).Equal(expression.Value(clientID)).
		And(expression.Key(attrMetricKey).Between(expression.Value(from+sep), expression.Value(to+sep+"~"))))
	switch storeID {
	case "":
	case resourcenames.NoStore:
		b = b.WithFilter(expression.Name(attrStoreID).AttributeNotExists())
	default:
		b = b.WithFilter(expression.Name(attrStoreID).Equal(expression.Value(storeID)))
	}
	expr, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: build the daily counters' query: %w", err)
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 &r.tables.DailyMetrics,
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}
	if r.pageSize > 0 {
		in.Limit = aws.Int32(r.pageSize)
	}
	out := []domain.DailyCounters{}
	pages := dynamodb.NewQueryPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: query %s: %w", r.tables.DailyMetrics, err)
		}
		for _, item := range page.Items {
			var d domain.DailyCounters
			if err := attributevalue.UnmarshalMap(item, &d); err != nil {
				return nil, fmt.Errorf("dynamo: unmarshal daily counters of %s: %w", r.tables.DailyMetrics, err)
			}
			out = append(out, d)
		}
	}
	return out, nil
}
