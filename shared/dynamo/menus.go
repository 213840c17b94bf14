package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// A brand's menu is one partition of WhatsAppBotMenu: one row per category and one per item,
// so an item edit rewrites a few hundred bytes rather than the whole catalog, and no catalog
// comes near DynamoDB's 400 KB item limit. The sort key says what a row is.
const (
	attrMenuKey        = resourcenames.AttrMenuKey
	menuKeyCategory    = "category#"
	menuKeyItem        = "item#"
	batchWriteMaxItems = 25 // DynamoDB's limit per BatchWriteItem call
	// maxBatchAttempts bounds the resends of unprocessed items (throttled writes): with the
	// shared backoff that is a few hundred milliseconds of waiting before PutMenu gives up,
	// and the operator retries the whole (idempotent) PutMenu.
	maxBatchAttempts = 10
)

// categoryRow is a category as stored: the domain type plus the key and the write time.
type categoryRow struct {
	ClientID  string    `dynamodbav:"clientId"`
	MenuKey   string    `dynamodbav:"menuKey"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	domain.Category
}

// itemRow is an item as stored: the domain type plus the key and the write time.
type itemRow struct {
	ClientID  string    `dynamodbav:"clientId"`
	MenuKey   string    `dynamodbav:"menuKey"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	domain.MenuItem
}

// GetMenu implements domain.MenuRepository: one strongly consistent Query on the brand's
// partition, every page. A brand without rows has an empty menu. Rows of a kind this version
// does not know (a future "meta#...") are skipped, so adding one never breaks old readers.
// Categories come back ordered by Sort, then id; items by their category's place, Sort, id.
func (r *Repositories) GetMenu(ctx context.Context, clientID string) (*domain.Menu, error) {
	if err := configured(r.tables.Menu, "menu"); err != nil {
		return nil, err
	}
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return nil, err
	}
	rows, err := r.queryMenu(ctx, api, clientID, false)
	if err != nil {
		return nil, err
	}
	m := &domain.Menu{ClientID: clientID, Categories: []domain.Category{}, Items: []domain.MenuItem{}}
	for _, row := range rows {
		key := stringAttr(row[attrMenuKey])
		var updated time.Time
		switch {
		case strings.HasPrefix(key, menuKeyCategory):
			var c categoryRow
			if err := attributevalue.UnmarshalMap(row, &c); err != nil {
				return nil, fmt.Errorf("dynamo: unmarshal menu row %q: %w", key, err)
			}
			m.Categories = append(m.Categories, c.Category)
			updated = c.UpdatedAt
		case strings.HasPrefix(key, menuKeyItem):
			var it itemRow
			if err := attributevalue.UnmarshalMap(row, &it); err != nil {
				return nil, fmt.Errorf("dynamo: unmarshal menu row %q: %w", key, err)
			}
			m.Items = append(m.Items, it.MenuItem)
			updated = it.UpdatedAt
		default:
			continue
		}
		if updated.After(m.UpdatedAt) {
			m.UpdatedAt = updated.UTC()
		}
	}
	sort.SliceStable(m.Categories, func(i, j int) bool {
		a, b := m.Categories[i], m.Categories[j]
		if a.Sort != b.Sort {
			return a.Sort < b.Sort
		}
		return a.CategoryID < b.CategoryID
	})
	// Items come category by category, as a menu is read; an item whose category row is
	// missing (written by hand) goes last rather than being dropped.
	rank := make(map[string]int, len(m.Categories))
	for i, c := range m.Categories {
		rank[c.CategoryID] = i
	}
	rankOf := func(id string) int {
		if r, ok := rank[id]; ok {
			return r
		}
		return len(rank)
	}
	sort.SliceStable(m.Items, func(i, j int) bool {
		a, b := m.Items[i], m.Items[j]
		if ra, rb := rankOf(a.CategoryID), rankOf(b.CategoryID); ra != rb {
			return ra < rb
		}
		if a.Sort != b.Sort {
			return a.Sort < b.Sort
		}
		return a.ItemID < b.ItemID
	})
	return m, nil
}

// PutMenu implements domain.MenuRepository. It writes every row of m, then deletes the rows of
// categories and items m no longer has. Writing before deleting means a reader never misses
// an item that stays on the menu; the replacement is not atomic, though: a GetMenu running
// meanwhile may see a mix of the old and new catalog, and two PutMenu of one brand at once may
// leave rows of both (a menu is edited by one operator at a time, and the next PutMenu fixes
// it). On success m.UpdatedAt is the write time.
//
// Rows are written with BatchWriteItem, 25 at a time: a 500-item menu is 21 calls instead of
// 501 PutItem round trips, which matters in a Lambda with a timeout. Batch writes cannot be
// conditional, which is fine here: the new catalog replaces the old one whatever it was.
func (r *Repositories) PutMenu(ctx context.Context, m *domain.Menu) error {
	if err := configured(r.tables.Menu, "menu"); err != nil {
		return err
	}
	if m == nil {
		return domain.Errorf(domain.EINVALID, "menu is required")
	}
	if err := domain.CheckTenant(ctx, m.ClientID); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	api, err := r.api(ctx, m.ClientID)
	if err != nil {
		return err
	}
	now := r.clock()
	keep := make(map[string]bool, len(m.Categories)+len(m.Items))
	writes := make([]types.WriteRequest, 0, len(m.Categories)+len(m.Items))
	add := func(key string, row any) error {
		av, err := attributevalue.MarshalMap(row)
		if err != nil {
			return fmt.Errorf("dynamo: marshal menu row %q: %w", key, err)
		}
		keep[key] = true
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		return nil
	}
	for _, c := range m.Categories {
		key := menuKeyCategory + c.CategoryID
		if err := add(key, categoryRow{ClientID: m.ClientID, MenuKey: key, UpdatedAt: now, Category: c}); err != nil {
			return err
		}
	}
	for _, it := range m.Items {
		key := menuKeyItem + it.ItemID
		if err := add(key, itemRow{ClientID: m.ClientID, MenuKey: key, UpdatedAt: now, MenuItem: it}); err != nil {
			return err
		}
	}
	// The stale rows are read before writing; rows written by this call are never stale.
	existing, err := r.queryMenu(ctx, api, m.ClientID, true)
	if err != nil {
		return err
	}
	var deletes []types.WriteRequest
	for _, row := range existing {
		key := stringAttr(row[attrMenuKey])
		// Only rows this code owns are removed: a row of an unknown kind stays.
		if keep[key] || !(strings.HasPrefix(key, menuKeyCategory) || strings.HasPrefix(key, menuKeyItem)) {
			continue
		}
		deletes = append(deletes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{
			attrClientID: &types.AttributeValueMemberS{Value: m.ClientID},
			attrMenuKey:  &types.AttributeValueMemberS{Value: key},
		}}})
	}
	if err := r.batchWrite(ctx, api, r.tables.Menu, writes); err != nil {
		return err
	}
	if err := r.batchWrite(ctx, api, r.tables.Menu, deletes); err != nil {
		return err
	}
	m.UpdatedAt = now
	return nil
}

// queryMenu reads every row of the brand's menu partition (see queryPartition); keysOnly
// reads just the sort keys.
func (r *Repositories) queryMenu(ctx context.Context, api API, clientID string, keysOnly bool) ([]map[string]types.AttributeValue, error) {
	var only []string
	if keysOnly {
		only = []string{attrMenuKey}
	}
	return r.queryPartition(ctx, api, r.tables.Menu, clientID, only...)
}

// batchWrite sends reqs in chunks of 25 and resends what DynamoDB reports unprocessed (it
// does so under throttling instead of failing the call), with a jittered growing pause.
func (r *Repositories) batchWrite(ctx context.Context, api API, table string, reqs []types.WriteRequest) error {
	for start := 0; start < len(reqs); start += batchWriteMaxItems {
		pending := reqs[start:min(start+batchWriteMaxItems, len(reqs))]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt >= maxBatchAttempts {
					return fmt.Errorf("dynamo: %d writes to %s still unprocessed after %d attempts", len(pending), table, attempt)
				}
				if err := sleep(ctx, attempt-1); err != nil {
					return err
				}
			}
			out, err := api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{table: pending},
			})
			if err != nil {
				return fmt.Errorf("dynamo: batch write to %s: %w", table, err)
			}
			pending = out.UnprocessedItems[table]
		}
	}
	return nil
}

// stringAttr returns the value of a string attribute, "" for anything else.
func stringAttr(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
