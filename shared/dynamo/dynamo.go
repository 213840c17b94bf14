// Package dynamo stores the domain's brands, stores, phone mappings, conversations,
// idempotency records, menus and orders in DynamoDB.
//
// Every write of an existing item is a read, a change by the caller's function and a
// conditional put on the version read (optimistic locking), retried on a concurrent change.
// Items past their TTL are treated as absent on every read and replaced on create, because
// DynamoDB deletes them up to two days late. Each call obtains its SDK client from a
// ClientSource with the tenant it serves, so tenant-scoped credentials (IAM leading-key
// conditions) can plug in without changing this package.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// API is the slice of the DynamoDB client this package calls, so a test can stand in a fake
// where a fault is the point (a throttle, a network error). *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	// UpdateItem writes a conversation's changes (SaveConversation) and its delivery record.
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	// BatchWriteItem writes a menu's rows 25 at a time (PutMenu) and completes claims (Complete).
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	// BatchGetItem reads the conversations of a store's list (ListStoreConversations).
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// platform is the tenant of the calls made with the function's own role: the lookup of a
// brand by its number and the idempotency records (docs/security.md).
const platform = ""

// ClientSource returns the client to use for tenant's items. tenant "" is platform scope:
// only FindClientByPhoneNumber asks for it, before any tenant is known.
type ClientSource func(ctx context.Context, tenant string) (API, error)

// FromTenantClients adapts awsclients.TenantClients, the provider the functions build at cold start.
func FromTenantClients(p awsclients.TenantClients) ClientSource {
	return func(ctx context.Context, tenant string) (API, error) {
		c, err := p.DynamoDB(ctx, tenant)
		if err != nil {
			return nil, err
		}
		if c == nil {
			// A nil *dynamodb.Client in a non-nil API would panic on first use, far from here.
			return nil, fmt.Errorf("no DynamoDB client for tenant %q", tenant)
		}
		return c, nil
	}
}

// SingleClient gives every tenant the same client: the local stack, and tests with a fake.
func SingleClient(api API) ClientSource {
	return func(context.Context, string) (API, error) { return api, nil }
}

// Attribute names that are part of the tables' key contract (see the CDK app). They match the
// dynamodbav tags of the domain types.
const (
	attrClientID        = resourcenames.AttrClientID
	attrStoreID         = resourcenames.AttrStoreID
	attrPhoneNumber     = resourcenames.AttrPhoneNumber
	attrTwilioNumber    = resourcenames.AttrTwilioPhoneNumber
	attrIdempotencyKey  = resourcenames.AttrIdempotencyKey
	attrPK              = resourcenames.AttrPK
	attrBrandShard      = resourcenames.AttrBrandShard
	attrStoreShard      = resourcenames.AttrStoreShard
	attrSessionKey      = resourcenames.AttrSessionKey
	attrStatusCreatedAt = resourcenames.AttrStatusCreatedAt
	attrVersion         = "version"
	attrTTL             = resourcenames.TTLAttribute
)

// DefaultMaxRetries bounds the retries of an update that keeps losing to concurrent writers.
// A customer's messages are processed one at a time, so real contention is rare; the bound
// only stops a pathological loop.
const DefaultMaxRetries = 10

// Backoff between retries: full jitter over an exponentially growing window, kept small
// because a conflicting writer has usually finished by the time we re-read.
const (
	backoffBase = 2 * time.Millisecond
	backoffCap  = 50 * time.Millisecond
)

// Repositories implements the domain's repositories over the tables of one environment.
// It is safe for concurrent use.
type Repositories struct {
	tables     resourcenames.Tables
	src        ClientSource
	now        func() time.Time
	maxRetries int
	pageSize   int32 // Query page size; 0 lets DynamoDB choose (tests force small pages)

	clients       *entity[domain.Client]
	stores        *entity[domain.Store]
	mappings      *entity[domain.PhoneMapping]
	conversations *entity[domain.Conversation]
	orders        *entity[domain.Order]
}

// Compile-time proof that Repositories is every repository the domain needs.
var (
	_ domain.ClientRepository       = (*Repositories)(nil)
	_ domain.StoreRepository        = (*Repositories)(nil)
	_ domain.PhoneMappingRepository = (*Repositories)(nil)
	_ domain.ConversationRepository = (*Repositories)(nil)
	_ domain.IdempotencyRepository  = (*Repositories)(nil)
	_ domain.MenuRepository         = (*Repositories)(nil)
	_ domain.OrderRepository        = (*Repositories)(nil)
)

// Option configures Repositories.
type Option func(*Repositories)

// WithClock sets the clock used for timestamps and TTL decisions (default time.Now), so
// tests can move time past a TTL that the emulator never enforces.
func WithClock(now func() time.Time) Option { return func(r *Repositories) { r.now = now } }

// WithMaxRetries sets how many times an update is retried after losing to a concurrent
// writer before it returns ECONFLICT (default DefaultMaxRetries; 0 means one attempt only).
func WithMaxRetries(n int) Option { return func(r *Repositories) { r.maxRetries = n } }

// New returns repositories over tables, getting clients from src. The menu and order tables
// may be left out by a function that never reads them (the webhook is not told where they
// are): their methods then fail with errNotConfigured.
func New(tables resourcenames.Tables, src ClientSource, opts ...Option) (*Repositories, error) {
	for _, name := range []string{tables.ClientConfig, tables.StoreConfig, tables.PhoneMapping, tables.ConversationState, tables.Idempotency} {
		if name == "" {
			return nil, fmt.Errorf("dynamo: the client, store, mapping, conversation and idempotency table names are required, got %+v", tables)
		}
	}
	if src == nil {
		return nil, errors.New("dynamo: a client source is required")
	}
	r := &Repositories{tables: tables, src: src, now: time.Now, maxRetries: DefaultMaxRetries}
	for _, o := range opts {
		o(r)
	}
	if r.now == nil {
		return nil, errors.New("dynamo: the clock cannot be nil")
	}
	if r.maxRetries < 0 {
		return nil, fmt.Errorf("dynamo: max retries cannot be negative, got %d", r.maxRetries)
	}
	r.clients = clientEntity(tables.ClientConfig)
	r.stores = storeEntity(tables.StoreConfig)
	r.mappings = mappingEntity(tables.PhoneMapping)
	r.conversations = conversationEntity(tables.ConversationState)
	r.orders = orderEntity(tables.Orders)
	return r, nil
}

// clock returns now in UTC so stored timestamps have one representation.
func (r *Repositories) clock() time.Time { return r.now().UTC() }

// api returns the client for tenant's items.
func (r *Repositories) api(ctx context.Context, tenant string) (API, error) {
	api, err := r.src(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("dynamo: client for tenant %q: %w", tenant, err)
	}
	return api, nil
}

// fields points into the bookkeeping attributes of an item, which the repository owns.
type fields struct {
	Version   *int64
	CreatedAt *time.Time
	UpdatedAt *time.Time // nil: the type has none
	TTL       *int64     // nil: the table has no TTL
}

// entity describes how one domain type is stored, so create, get and update are written once.
type entity[T any] struct {
	kind  string // for messages: "client", "store" ...
	table string // physical table name
	// keyNames are the item's logical key attributes, clientId first; keys returns their
	// values in that order. Without pk they are also the table's key schema.
	keyNames []string
	keys     func(*T) []string
	// pk, when set, makes the table's key one attribute, resourcenames.AttrPK, built from the
	// logical key as resourcenames.TenantKey(keys...): tenant first, spread per customer or
	// order (docs/data-model.md).
	pk bool
	// derive, when set, returns the attributes computed from the item that its table's
	// indexes are keyed by (write shards, "<status>#<createdAt>"): written with every put and
	// every change, never read back.
	derive   func(*T) map[string]types.AttributeValue
	fields   func(*T) fields
	validate func(*T) error
	// describe names the item in messages shown to users; phone numbers are masked.
	describe func(keys []string) string
}

// key builds the table key of the logical key keys (all key attributes are strings).
func (e *entity[T]) key(keys []string) map[string]types.AttributeValue {
	if e.pk {
		return map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: resourcenames.TenantKey(keys[0], keys[1:]...)}}
	}
	k := make(map[string]types.AttributeValue, len(keys))
	for i, name := range e.keyNames {
		k[name] = &types.AttributeValueMemberS{Value: keys[i]}
	}
	return k
}

// stringValue is v as a DynamoDB string.
func stringValue(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// storeListing is the listing prefix of the brand's store storeID: "<clientId>#<storeId>", or
// resourcenames.NoStore in its place when no store is chosen yet.
func storeListing(clientID, storeID string) string {
	if storeID == "" {
		storeID = resourcenames.NoStore
	}
	return resourcenames.TenantKey(clientID, storeID)
}

// storeShard is the listing key an item of storeID is written under, spread by its id.
func storeShard(clientID, storeID, id string) string {
	return resourcenames.ShardKey(storeListing(clientID, storeID), resourcenames.Shard(id))
}

// tableKeyNames are the attributes of the table's key schema, which an update never sets.
func (e *entity[T]) tableKeyNames() []string {
	if e.pk {
		return []string{attrPK}
	}
	return e.keyNames
}

// marshal is the stored item of v: its attributes, its table key and its derived attributes.
func (e *entity[T]) marshal(v *T) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("dynamo: marshal %s: %w", e.kind, err)
	}
	if e.pk {
		maps.Copy(av, e.key(e.keys(v)))
	}
	if e.derive != nil {
		maps.Copy(av, e.derive(v))
	}
	return av, nil
}

// liveCond holds when the stored item has not expired at now (see domain.Expired: a TTL of
// zero or less never expires).
func liveCond(now time.Time) expression.ConditionBuilder {
	return expression.Or(
		expression.Name(attrTTL).AttributeNotExists(),
		expression.Name(attrTTL).LessThanEqual(expression.Value(0)),
		expression.Name(attrTTL).GreaterThan(expression.Value(now.Unix())),
	)
}

// expiredCond holds when the stored item has expired at now but DynamoDB has not deleted it
// yet (deletion lags by up to two days).
func expiredCond(now time.Time) expression.ConditionBuilder {
	return expression.And(
		expression.Name(attrTTL).GreaterThan(expression.Value(0)),
		expression.Name(attrTTL).LessThanEqual(expression.Value(now.Unix())),
	)
}

// absentCond holds when no item with this key exists, or only an expired one.
func absentCond(ttl bool, now time.Time) expression.ConditionBuilder {
	c := expression.Name(attrClientID).AttributeNotExists()
	if ttl {
		c = c.Or(expiredCond(now))
	}
	return c
}

// versionCond holds when the stored item still has version v. Items written before versions
// existed (seeded by hand or by an older writer) count as version 0.
func versionCond(v int64) expression.ConditionBuilder {
	c := expression.Name(attrVersion).Equal(expression.Value(v))
	if v == 0 {
		c = c.Or(expression.Name(attrVersion).AttributeNotExists())
	}
	return c
}

// putIf writes the item av if cond holds. It returns errConditionFailed when it does not.
func putIf(ctx context.Context, api API, table string, av map[string]types.AttributeValue, cond expression.ConditionBuilder) error {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("dynamo: build condition for %s: %w", table, err)
	}
	_, err = api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 &table,
		Item:                      av,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		if isConditionFailed(err) {
			return errConditionFailed
		}
		return fmt.Errorf("dynamo: put into %s: %w", table, err)
	}
	return nil
}

// configured returns an error when a table this function was not given is used.
func configured(table, what string) error {
	if table == "" {
		return fmt.Errorf("dynamo: this function was built without the %s table", what)
	}
	return nil
}

// errConditionFailed is a lost conditional write; each caller says what it means.
var errConditionFailed = errors.New("dynamo: condition failed")

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// create stores v with version 1 if no live item has its key. On success v holds what was
// stored (normalised, versioned, timestamped); on failure v is unchanged.
func create[T any](ctx context.Context, r *Repositories, e *entity[T], v *T) error {
	if v == nil {
		return domain.Errorf(domain.EINVALID, "%s is required", e.kind)
	}
	if err := domain.CheckTenant(ctx, e.keys(v)[0]); err != nil {
		return err
	}
	w := *v // shallow copy: only scalar fields are changed below
	now := r.clock()
	f, err := stamp(e, &w, 1, now)
	if err != nil {
		return err
	}
	keys := e.keys(&w)
	api, err := r.api(ctx, keys[0])
	if err != nil {
		return err
	}
	av, err := e.marshal(&w)
	if err != nil {
		return err
	}
	switch err := putIf(ctx, api, e.table, av, absentCond(f.TTL != nil, now)); {
	case errors.Is(err, errConditionFailed):
		return domain.Errorf(domain.ECONFLICT, "%s already exists", e.describe(keys))
	case err != nil:
		return err
	}
	*v = w
	return nil
}

// queryPartition reads every row of a brand's partition of table (keyed clientId first),
// strongly consistent, page by page (r.pageSize rows a page when set, so tests cross page
// boundaries), in the sort key's order. only, when given, projects those attributes.
func (r *Repositories) queryPartition(ctx context.Context, api API, table, clientID string, only ...string) ([]map[string]types.AttributeValue, error) {
	b := expression.NewBuilder().WithKeyCondition(expression.Key(attrClientID).Equal(expression.Value(clientID)))
	if len(only) > 0 {
		names := make([]expression.NameBuilder, len(only))
		for i, n := range only {
			names[i] = expression.Name(n)
		}
		b = b.WithProjection(expression.NamesList(names[0], names[1:]...))
	}
	expr, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: build the query of %s: %w", table, err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &table,
		KeyConditionExpression:    expr.KeyCondition(),
		ProjectionExpression:      expr.Projection(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}
	if r.pageSize > 0 {
		in.Limit = aws.Int32(r.pageSize)
	}
	var rows []map[string]types.AttributeValue
	pages := dynamodb.NewQueryPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: query %s: %w", table, err)
		}
		rows = append(rows, page.Items...)
	}
	return rows, nil
}

// stamp validates w and sets the bookkeeping of a write at now: version, createdAt (on a
// first version, or when missing), updatedAt, and a TTL (an item without one would live
// forever; conversations end after a day). A TTL already past is EINVALID.
func stamp[T any](e *entity[T], w *T, version int64, now time.Time) (fields, error) {
	if err := e.validate(w); err != nil {
		return fields{}, err
	}
	f := e.fields(w)
	*f.Version = version
	if version == 1 || f.CreatedAt.IsZero() {
		*f.CreatedAt = now
	}
	if f.UpdatedAt != nil {
		*f.UpdatedAt = now
	}
	if f.TTL != nil {
		if *f.TTL == 0 {
			*f.TTL = now.Add(domain.ConversationTTL).Unix()
		} else if domain.Expired(*f.TTL, now) {
			return fields{}, domain.Errorf(domain.EINVALID, "ttl is in the past: the %s would be dead on arrival", e.kind)
		}
	}
	return f, nil
}

// get reads the item with keys, strongly consistent; ENOTFOUND if absent or expired.
func get[T any](ctx context.Context, r *Repositories, e *entity[T], api API, keys []string) (*T, error) {
	out, err := api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &e.table,
		Key:            e.key(keys),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get from %s: %w", e.table, err)
	}
	if out.Item == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s not found", e.describe(keys))
	}
	v := new(T)
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal item of %s: %w", e.table, err)
	}
	if f := e.fields(v); f.TTL != nil && domain.Expired(*f.TTL, r.clock()) {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s not found", e.describe(keys))
	}
	return v, nil
}

// read is get for a public method: it checks the tenant and obtains the client first.
// keys must be validated and canonical.
func read[T any](ctx context.Context, r *Repositories, e *entity[T], keys []string) (*T, error) {
	if err := domain.CheckTenant(ctx, keys[0]); err != nil {
		return nil, err
	}
	api, err := r.api(ctx, keys[0])
	if err != nil {
		return nil, err
	}
	return get(ctx, r, e, api, keys)
}

// update applies fn to the live item with keys and writes it if nobody wrote it meanwhile,
// re-reading and retrying up to r.maxRetries times. keys must be validated and canonical.
func update[T any](ctx context.Context, r *Repositories, e *entity[T], keys []string, fn func(*T) error) (*T, error) {
	if err := domain.CheckTenant(ctx, keys[0]); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, domain.Errorf(domain.EINVALID, "an update function is required")
	}
	api, err := r.api(ctx, keys[0])
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		// A fresh read on every attempt: fn never sees state left over from a lost attempt.
		cur, err := get(ctx, r, e, api, keys)
		if err != nil {
			return nil, err
		}
		f := e.fields(cur)
		version, createdAt := *f.Version, *f.CreatedAt
		if err := fn(cur); err != nil {
			return nil, err
		}
		if err := e.validate(cur); err != nil {
			return nil, err
		}
		// Changing a key would write a second item and leave the first behind.
		if got := e.keys(cur); !slices.Equal(got, keys) {
			return nil, domain.Errorf(domain.EINVALID, "an update cannot change the key of a %s (%v)", e.kind, e.keyNames)
		}
		now := r.clock()
		*f.Version = version + 1
		*f.CreatedAt = createdAt
		if f.UpdatedAt != nil {
			*f.UpdatedAt = now
		}
		cond := versionCond(version)
		if f.TTL != nil {
			// Expiring between our read and our write is a change like any other.
			cond = cond.And(liveCond(now))
		}
		av, err := e.marshal(cur)
		if err != nil {
			return nil, err
		}
		err = putIf(ctx, api, e.table, av, cond)
		if err == nil {
			return cur, nil
		}
		if !errors.Is(err, errConditionFailed) {
			return nil, err
		}
		if attempt >= r.maxRetries {
			return nil, domain.Errorf(domain.ECONFLICT, "%s kept changing during the update; try again", e.describe(keys))
		}
		if err := sleep(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// sleep waits a jittered, exponentially growing pause before retry attempt+1, so writers
// that collided do not collide again in lockstep.
func sleep(ctx context.Context, attempt int) error {
	window := backoffCap
	if attempt < 10 {
		window = min(backoffBase<<attempt, backoffCap)
	}
	t := time.NewTimer(window/2 + rand.N(window/2+1))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("dynamo: retry cancelled: %w", ctx.Err())
	}
}

// save writes v if the stored item still has v's version (0: absent, or expired where the
// table has a TTL): one conditional put, no read. On success v carries the new version (and,
// on a create, its createdAt); on failure v is unchanged and a lost condition is ECONFLICT.
func save[T any](ctx context.Context, r *Repositories, e *entity[T], v *T) error {
	if v == nil {
		return domain.Errorf(domain.EINVALID, "%s is required", e.kind)
	}
	if err := domain.CheckTenant(ctx, e.keys(v)[0]); err != nil {
		return err
	}
	w := *v // shallow copy: only scalar fields are changed below
	version := *e.fields(&w).Version
	now := r.clock()
	f, err := stamp(e, &w, version+1, now)
	if err != nil {
		return err
	}
	var cond expression.ConditionBuilder
	if version == 0 {
		cond = absentCond(f.TTL != nil, now)
	} else {
		cond = versionCond(version)
		if f.TTL != nil {
			cond = cond.And(liveCond(now))
		}
	}
	keys := e.keys(&w)
	api, err := r.api(ctx, keys[0])
	if err != nil {
		return err
	}
	av, err := e.marshal(&w)
	if err != nil {
		return err
	}
	switch err := putIf(ctx, api, e.table, av, cond); {
	case errors.Is(err, errConditionFailed):
		return domain.Errorf(domain.ECONFLICT, "%s changed since it was read", e.describe(keys))
	case err != nil:
		return err
	}
	*v = w
	return nil
}
