package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// open returns repositories over fresh emulator tables of their own, and the raw client for
// tests that look under the repositories.
func open(t *testing.T, opts ...dynamo.Option) (*dynamo.Repositories, *dynamodb.Client, resourcenames.Tables) {
	t.Helper()
	tables := emulatortest.Tables(t)
	clients := awsclients.NewStatic(emulatortest.Config(t))
	r, err := dynamo.New(tables, dynamo.FromTenantClients(clients), opts...)
	if err != nil {
		t.Fatalf("dynamo.New: %v", err)
	}
	db, _ := clients.DynamoDB(domain.NewPlatformContext(context.Background()), "")
	return r, db, tables
}

func TestRepositories(t *testing.T) {
	domaintest.TestRepositories(t, func(t *testing.T, s domaintest.Setup) domaintest.Repos {
		r, _, _ := open(t, dynamo.WithClock(s.Now), dynamo.WithMaxRetries(s.MaxRetries))
		return domaintest.ReposOf(r)
	})
}

// The emulator never expires items, and DynamoDB takes up to two days: an expired item must
// still be in the table when the repositories call it absent, or the suite proved nothing.
func TestExpiredConversationIsStillStored(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	r, db, tables := open(t, dynamo.WithClock(clock.Now))
	ctx := domain.NewPlatformContext(context.Background())
	c := domaintest.NewConversation(domaintest.Pizzaria, domaintest.Customer, clock.Now())
	if err := r.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	clock.Advance(domain.ConversationTTL)
	if _, err := r.GetConversation(ctx, domaintest.Pizzaria, domaintest.Customer); !domain.IsNotFound(err) {
		t.Fatalf("GetConversation past ttl = %v, want ENOTFOUND", err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(tables.ConversationState),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: domaintest.Pizzaria + "#" + domaintest.Customer},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatal("the expired item is gone from the table: the expiry test would pass without the code's TTL check")
	}
}

// Stores are listed across every page of the Query.
func TestListStoresFollowsPages(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t, dynamo.WithPageSize(2))
	ctx := domain.NewPlatformContext(context.Background())
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("loja-%02d", i)
		want = append(want, id)
		if err := r.CreateStore(ctx, domaintest.NewStore(domaintest.Pizzaria, id)); err != nil {
			t.Fatal(err)
		}
	}
	stores, err := r.ListStores(ctx, domaintest.Pizzaria)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range stores {
		got = append(got, s.StoreID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stores = %v, want %v", got, want)
	}
}

// Items seeded without a version (by hand, or by an older writer) can still be updated.
func TestUpdateOfItemWithoutVersion(t *testing.T) {
	t.Parallel()
	r, db, tables := open(t)
	ctx := domain.NewPlatformContext(context.Background())
	c := domaintest.NewClient(domaintest.Pizzaria, domaintest.PizzariaNumber)
	item, err := attributevalue.MarshalMap(c)
	if err != nil {
		t.Fatal(err)
	}
	delete(item, "version")
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tables.ClientConfig), Item: item}); err != nil {
		t.Fatal(err)
	}
	got, err := r.UpdateClient(ctx, domaintest.Pizzaria, func(c *domain.Client) error { c.ClientName = "Seeded"; return nil })
	if err != nil {
		t.Fatalf("UpdateClient of an unversioned item: %v", err)
	}
	if got.Version != 1 || got.ClientName != "Seeded" {
		t.Errorf("updated client = version %d, name %q; want 1, Seeded", got.Version, got.ClientName)
	}
}

// Every repository call asks the source for the tenant it serves, so tenant-scoped
// credentials only ever see their own tenant's calls, and the platform's client only the
// platform-level ones.
func TestClientSourceGetsTheTenant(t *testing.T) {
	t.Parallel()
	tables := emulatortest.Tables(t)
	clients := awsclients.NewStatic(emulatortest.Config(t))
	var asked []string
	src := func(ctx context.Context, tenant string) (dynamo.API, error) {
		asked = append(asked, tenant)
		return clients.DynamoDB(ctx, tenant)
	}
	r, err := dynamo.New(tables, src)
	if err != nil {
		t.Fatal(err)
	}
	ctx := domain.NewPlatformContext(context.Background())
	if err := r.CreateClient(ctx, domaintest.NewClient(domaintest.Burger, domaintest.BurgerNumber)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.FindClientByPhoneNumber(ctx, domaintest.BurgerNumber); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Claim(ctx, domaintest.Burger, "SM1", time.Minute); err != nil {
		t.Fatal(err)
	}
	// Create and the brand's record are the brand's; the number's index and the idempotency
	// records are the platform's (the function's own role, docs/security.md).
	if want := []string{domaintest.Burger, "", domaintest.Burger, ""}; strings.Join(asked, "|") != strings.Join(want, "|") {
		t.Errorf("tenants asked = %q, want %q", asked, want)
	}
}

// failing is an API whose every call fails as the SDK does on a throttle or a network error.
type failing struct{ err error }

func (f failing) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, f.err
}

func (f failing) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, f.err
}

func (f failing) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, f.err
}

func (f failing) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, f.err
}

func (f failing) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return nil, f.err
}

func (f failing) BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return nil, f.err
}

func (f failing) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return nil, f.err
}

// SDK failures are internal errors: the cause stays in the chain for the logs, and the
// message a user would see says nothing about it.
func TestSDKErrorsAreInternal(t *testing.T) {
	t.Parallel()
	cause := &types.ProvisionedThroughputExceededException{Message: aws.String("secret table details")}
	srcErr := errors.New("assume role denied")
	ctx := domain.NewPlatformContext(context.Background())
	now := time.Now()
	for name, src := range map[string]dynamo.ClientSource{
		"sdk":    dynamo.SingleClient(failing{cause}),
		"source": func(context.Context, string) (dynamo.API, error) { return nil, srcErr },
	} {
		r, err := dynamo.New(resourcenames.TablesFor(resourcenames.EnvDev), src)
		if err != nil {
			t.Fatal(err)
		}
		calls := map[string]func() error{
			"GetClient":               func() error { _, err := r.GetClient(ctx, domaintest.Pizzaria); return err },
			"FindClientByPhoneNumber": func() error { _, err := r.FindClientByPhoneNumber(ctx, domaintest.PizzariaNumber); return err },
			"CreateClient": func() error {
				return r.CreateClient(ctx, domaintest.NewClient(domaintest.Pizzaria, domaintest.PizzariaNumber))
			},
			"UpdateClient": func() error {
				_, err := r.UpdateClient(ctx, domaintest.Pizzaria, func(*domain.Client) error { return nil })
				return err
			},
			"ListStores": func() error { _, err := r.ListStores(ctx, domaintest.Pizzaria); return err },
			"CreateConversation": func() error {
				return r.CreateConversation(ctx, domaintest.NewConversation(domaintest.Pizzaria, domaintest.Customer, now))
			},
			"DeleteConversation": func() error { return r.DeleteConversation(ctx, domaintest.Pizzaria, domaintest.Customer) },
			"Claim":              func() error { _, err := r.Claim(ctx, domaintest.Pizzaria, "SM1", time.Minute); return err },
			"GetMenu":            func() error { _, err := r.GetMenu(ctx, domaintest.Pizzaria); return err },
			"PutMenu":            func() error { return r.PutMenu(ctx, domaintest.NewMenu(domaintest.Pizzaria)) },
			"GetOrder":           func() error { _, err := r.GetOrder(ctx, domaintest.Pizzaria, "ORDER00001"); return err },
			"CreateOrder": func() error {
				return r.CreateOrder(ctx, domaintest.NewOrder(domaintest.Pizzaria, "centro", "ORDER00001", now))
			},
			"UpdateOrder": func() error {
				_, err := r.UpdateOrder(ctx, domaintest.Pizzaria, "ORDER00001", func(*domain.Order) error { return nil })
				return err
			},
		}
		for call, fn := range calls {
			err := fn()
			if domain.ErrorCode(err) != domain.EINTERNAL || domain.ErrorMessage(err) != "internal error" {
				t.Errorf("%s/%s: error %v (code %q, message %q), want an internal error", name, call, err, domain.ErrorCode(err), domain.ErrorMessage(err))
			}
			if !errors.Is(err, cause) && !errors.Is(err, srcErr) {
				t.Errorf("%s/%s: error %v lost its cause", name, call, err)
			}
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	good := resourcenames.TablesFor(resourcenames.EnvDev)
	src := dynamo.SingleClient(failing{})
	missing := good
	missing.Idempotency = ""
	for name, tc := range map[string]struct {
		tables resourcenames.Tables
		src    dynamo.ClientSource
		opts   []dynamo.Option
	}{
		"missing table":    {missing, src, nil},
		"nil source":       {good, nil, nil},
		"nil clock":        {good, src, []dynamo.Option{dynamo.WithClock(nil)}},
		"negative retries": {good, src, []dynamo.Option{dynamo.WithMaxRetries(-1)}},
	} {
		if _, err := dynamo.New(tc.tables, tc.src, tc.opts...); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
}

// A context that carries no scope reaches no brand: a caller that lost the tenant on the way
// (a goroutine started with context.Background, a helper that rebuilt the context) fails
// closed instead of acting with the platform's reach.
func TestNoScopeReachesNoBrand(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t)
	platform := domain.NewPlatformContext(context.Background())
	if err := r.CreateClient(platform, domaintest.NewClient(domaintest.Pizzaria, domaintest.PizzariaNumber)); err != nil {
		t.Fatal(err)
	}
	bare := context.Background()
	if _, err := r.GetClient(bare, domaintest.Pizzaria); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("GetClient without scope = %v, want EFORBIDDEN", err)
	}
	if _, err := r.Claim(bare, domaintest.Pizzaria, "twilio#x", time.Minute); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("Claim without scope = %v, want EFORBIDDEN", err)
	}
	if _, err := r.GetClient(domain.NewContextWithTenant(bare, domaintest.Pizzaria), domaintest.Pizzaria); err != nil {
		t.Errorf("GetClient with its tenant = %v", err)
	}
}

// recording passes calls through and keeps the UpdateItem inputs.
type recording struct {
	dynamo.API
	updates []*dynamodb.UpdateItemInput
}

func (r *recording) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.updates = append(r.updates, in)
	return r.API.UpdateItem(ctx, in, o...)
}

// A turn writes what changed: the history grows by list_append, unchanged attributes are not
// sent, and an attribute the code does not know (written by an operator's tool, or by a newer
// version of the code during a deployment) survives the write.
func TestSaveConversationWritesOnlyChanges(t *testing.T) {
	t.Parallel()
	_, db, tables := open(t)
	rec := &recording{API: db}
	r, err := dynamo.New(tables, dynamo.SingleClient(rec))
	if err != nil {
		t.Fatal(err)
	}
	ctx := domain.NewPlatformContext(context.Background())
	now := time.Now()
	c := domaintest.NewConversation(domaintest.Pizzaria, domaintest.Customer, now)
	c.Cart = []domain.CartItem{{ItemID: "coca", Name: "Coca-Cola", Quantity: 1, UnitPriceCents: 800}}
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "oi", At: now, MessageSid: "SM1"})
	if err := r.SaveConversation(ctx, nil, c); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: domaintest.Pizzaria + "#" + domaintest.Customer},
	}
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(tables.ConversationState), Key: key,
		UpdateExpression:          aws.String("SET operatorNote = :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberS{Value: "call back"}},
	}); err != nil {
		t.Fatal(err)
	}
	prev, err := r.GetConversation(ctx, domaintest.Pizzaria, domaintest.Customer)
	if err != nil {
		t.Fatal(err)
	}
	next := *prev
	next.MessageHistory = append(append([]domain.HistoryEntry(nil), prev.MessageHistory...),
		domain.HistoryEntry{Direction: domain.Outbound, Body: "Olá!", At: now})
	next.CurrentState = domain.StateMenuBrowsing
	if err := r.SaveConversation(ctx, prev, &next); err != nil {
		t.Fatal(err)
	}
	if len(rec.updates) != 1 {
		t.Fatalf("%d UpdateItem calls, want 1", len(rec.updates))
	}
	in := rec.updates[0]
	names := map[string]bool{}
	for _, n := range in.ExpressionAttributeNames {
		names[n] = true
	}
	for _, unchanged := range []string{"cart", "sessionId", "language", "createdAt"} {
		if names[unchanged] {
			t.Errorf("the update names %q, which did not change: %s", unchanged, aws.ToString(in.UpdateExpression))
		}
	}
	if !names["messageHistory"] || !names["currentState"] || !strings.Contains(aws.ToString(in.UpdateExpression), "list_append") {
		t.Errorf("update %s %v: want the history appended and the state set", aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tables.ConversationState), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := out.Item["operatorNote"].(*types.AttributeValueMemberS); !ok || n.Value != "call back" {
		t.Errorf("an attribute the code does not know was lost: %v", out.Item["operatorNote"])
	}
	got, err := r.GetConversation(ctx, domaintest.Pizzaria, domaintest.Customer)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.MessageHistory) != 2 || got.MessageHistory[1].Body != "Olá!" || got.CurrentState != domain.StateMenuBrowsing || len(got.Cart) != 1 {
		t.Errorf("stored %+v", got)
	}
	if got.UpdatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) || !names["updatedAt"] {
		t.Errorf("updatedAt %v (created %v), named in the update: %v; want every write to set it", got.UpdatedAt, got.CreatedAt, names["updatedAt"])
	}
}
