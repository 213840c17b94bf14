package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
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

// The admin API's reads and writes beyond the runtime's repositories: the platform admin's
// brand list, paginated customer lists, deletions, and the audit.

// MaxPage bounds a page of a paginated list.
const MaxPage = 100

// BrandSummary is a brand as the platform admin's list shows it (what BrandsIndex projects).
type BrandSummary struct {
	ClientID          string    `dynamodbav:"clientId" json:"clientId"`
	Name              string    `dynamodbav:"name" json:"name"`
	Active            bool      `dynamodbav:"active" json:"active"`
	DefaultLanguage   string    `dynamodbav:"defaultLanguage" json:"defaultLanguage"`
	TwilioPhoneNumber string    `dynamodbav:"twilioPhoneNumber" json:"twilioPhoneNumber"`
	UpdatedAt         time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
}

// ListBrands returns every brand, ordered by clientId, from BrandsIndex with the platform's
// client: the index projects the list's few attributes, so no brand's record is read. The
// context must be in platform scope.
func (r *Repositories) ListBrands(ctx context.Context) ([]BrandSummary, error) {
	if !domain.IsPlatformContext(ctx) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "the brand list is a platform operation")
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return nil, err
	}
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(resourcenames.AttrBrandList).Equal(expression.Value(resourcenames.BrandListValue))).Build()
	if err != nil {
		return nil, err
	}
	pages := dynamodb.NewQueryPaginator(api, &dynamodb.QueryInput{
		TableName: aws.String(r.tables.ClientConfig), IndexName: aws.String(resourcenames.BrandsIndex),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var out []BrandSummary
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: query %s: %w", resourcenames.BrandsIndex, err)
		}
		var got []BrandSummary
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// DeleteClient removes a brand's record (a platform admin's hard delete; the caller checks
// that it has no stores). Deleting an absent brand is ENOTFOUND.
func (r *Repositories) DeleteClient(ctx context.Context, clientID string) error {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return err
	}
	return r.deleteExisting(ctx, clientID, r.clients.table, r.clients.key([]string{clientID}), "client")
}

// DeleteStore removes a store's record. ENOTFOUND when absent.
func (r *Repositories) DeleteStore(ctx context.Context, clientID, storeID string) error {
	if _, err := storeKeys(ctx, clientID, storeID); err != nil {
		return err
	}
	return r.deleteExisting(ctx, clientID, r.stores.table, r.stores.key([]string{clientID, storeID}), "store")
}

// DeleteMapping removes a customer's mapping with the brand (their store choice and opt-out
// are forgotten). ENOTFOUND when absent; EraseMapping is the same delete for a caller to whom
// absent is fine.
func (r *Repositories) DeleteMapping(ctx context.Context, clientID, phoneNumber string) error {
	found, err := r.EraseMapping(ctx, clientID, phoneNumber)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "no such mapping")
	}
	return err
}

// deleteExisting deletes the item with key from table with the brand's client (see
// eraseItem): ENOTFOUND, naming kind, when there was none.
func (r *Repositories) deleteExisting(ctx context.Context, clientID, table string, key map[string]types.AttributeValue, kind string) error {
	api, err := r.api(ctx, clientID)
	if err != nil {
		return err
	}
	found, err := eraseItem(ctx, api, table, key)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "no such %s", kind)
	}
	return err
}

// mappingCursor is where a page of a brand's customers stopped: the shard and the last
// number returned in it. Shards are read in order, each by number.
type mappingCursor struct {
	Shard int    `json:"s"`
	After string `json:"a,omitempty"`
	// ClientID binds the cursor to its brand: another brand's cursor is refused.
	ClientID string `json:"c"`
}

// EncodeCursor and DecodeCursor make a cursor opaque to clients (base64url JSON). A cursor
// that does not decode, or belongs to another brand or list, is EINVALID naming "cursor".
func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, v) != nil {
		return domain.InvalidField("cursor", "is not a cursor of this list")
	}
	return nil
}

// PageMappings returns up to limit (at most MaxPage) of the brand's customers and the cursor
// of the next page ("" at the end). Pages follow the index's shards, each in number order.
func (r *Repositories) PageMappings(ctx context.Context, clientID, cursor string, limit int) ([]domain.PhoneMapping, string, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	cur := mappingCursor{ClientID: clientID}
	if cursor != "" {
		if err := decodeCursor(cursor, &cur); err != nil {
			return nil, "", err
		}
		if cur.ClientID != clientID || cur.Shard < 0 || cur.Shard >= resourcenames.ListingShards {
			return nil, "", domain.InvalidField("cursor", "is not a cursor of this list")
		}
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return nil, "", err
	}
	var out []domain.PhoneMapping
	for shard := cur.Shard; shard < resourcenames.ListingShards; shard++ {
		kc := expression.Key(attrBrandShard).Equal(expression.Value(resourcenames.ShardKey(clientID, shard)))
		if shard == cur.Shard && cur.After != "" {
			kc = kc.And(expression.Key(attrPhoneNumber).GreaterThan(expression.Value(cur.After)))
		}
		expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
		if err != nil {
			return nil, "", err
		}
		page, err := api.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(r.tables.PhoneMapping), IndexName: aws.String(resourcenames.MappingsByBrandIndex),
			KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
			Limit: aws.Int32(int32(limit - len(out))),
		})
		if err != nil {
			return nil, "", fmt.Errorf("dynamo: query %s: %w", resourcenames.MappingsByBrandIndex, err)
		}
		var got []domain.PhoneMapping
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			return nil, "", err
		}
		out = append(out, got...)
		if len(out) >= limit {
			last := out[len(out)-1].PhoneNumber
			if len(page.LastEvaluatedKey) == 0 {
				// The shard ended exactly here: the next page starts at the next shard.
				if shard+1 == resourcenames.ListingShards {
					return out, "", nil
				}
				return out, encodeCursor(mappingCursor{Shard: shard + 1, ClientID: clientID}), nil
			}
			return out, encodeCursor(mappingCursor{Shard: shard, After: last, ClientID: clientID}), nil
		}
		cur.After = ""
	}
	return out, "", nil
}

// AppendAudit stores an audit record. The audit table is platform-level: the admin
// function's own role writes it (a brand's session could not, and a brand admin's request
// must not be able to skip it), and a platform admin reads it across brands.
func (r *Repositories) AppendAudit(ctx context.Context, rec *domain.AuditRecord) error {
	if r.tables.Audit == "" {
		return configured("", "audit")
	}
	if err := resourcenames.ValidateID("clientId", rec.ClientID); err != nil {
		return domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	at := rec.At.UTC()
	rec.Day = at.Format(time.DateOnly)
	rec.AuditKey = at.Format(time.RFC3339Nano) + resourcenames.KeySeparator + rec.RequestID
	rec.TTL = at.AddDate(0, 0, resourcenames.AuditRetentionDays).Unix()
	av, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return err
	}
	// A request may change several things (n), each its own record.
	for n := 0; n < 100; n++ {
		key := rec.AuditKey + resourcenames.KeySeparator + fmt.Sprint(n)
		av[resourcenames.AttrAuditKey] = stringValue(key)
		err = putIf(ctx, api, r.tables.Audit, av, expression.AttributeNotExists(expression.Name(resourcenames.AttrAuditKey)))
		if domain.IsConflict(err) {
			continue
		}
		if err == nil {
			rec.AuditKey = key
		}
		return err
	}
	return domain.Errorf(domain.ECONFLICT, "too many audit records for one request")
}

// auditCursor is the auditKey a page of the audit stopped at, and what it lists.
type auditCursor struct {
	Key  string `json:"k"`
	List string `json:"l"`
}

// ListAudit returns the brand's audit records, newest first, a page at a time.
func (r *Repositories) ListAudit(ctx context.Context, clientID, cursor string, limit int) ([]domain.AuditRecord, string, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, "", err
	}
	return r.pageAudit(ctx, "", resourcenames.AttrClientID, clientID, cursor, limit)
}

// ListAuditByDay returns every brand's audit records of day (YYYY-MM-DD, UTC), newest
// first: a platform admin's read.
func (r *Repositories) ListAuditByDay(ctx context.Context, day, cursor string, limit int) ([]domain.AuditRecord, string, error) {
	if !domain.IsPlatformContext(ctx) {
		return nil, "", domain.Errorf(domain.EFORBIDDEN, "the audit across brands is a platform operation")
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return nil, "", domain.InvalidField("day", "must be a date YYYY-MM-DD")
	}
	return r.pageAudit(ctx, resourcenames.AuditByDayIndex, resourcenames.AttrAuditDay, day, cursor, limit)
}

func (r *Repositories) pageAudit(ctx context.Context, index, keyAttr, keyValue, cursor string, limit int) ([]domain.AuditRecord, string, error) {
	if r.tables.Audit == "" {
		return nil, "", configured("", "audit")
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	list := keyAttr + "=" + keyValue
	in := &dynamodb.QueryInput{TableName: aws.String(r.tables.Audit), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(limit))}
	if index != "" {
		in.IndexName = aws.String(index)
	}
	kc := expression.Key(keyAttr).Equal(expression.Value(keyValue))
	if cursor != "" {
		var c auditCursor
		if err := decodeCursor(cursor, &c); err != nil {
			return nil, "", err
		}
		if c.List != list || c.Key == "" {
			return nil, "", domain.InvalidField("cursor", "is not a cursor of this list")
		}
		kc = kc.And(expression.Key(resourcenames.AttrAuditKey).LessThan(expression.Value(c.Key)))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, "", err
	}
	in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = expr.KeyCondition(), expr.Names(), expr.Values()
	api, err := r.api(ctx, platform)
	if err != nil {
		return nil, "", err
	}
	page, err := api.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("dynamo: query the audit: %w", err)
	}
	var out []domain.AuditRecord
	if err := attributevalue.UnmarshalListOfMaps(page.Items, &out); err != nil {
		return nil, "", err
	}
	next := ""
	if len(page.LastEvaluatedKey) > 0 && len(out) > 0 {
		next = encodeCursor(auditCursor{Key: out[len(out)-1].AuditKey, List: list})
	}
	return out, next, nil
}
