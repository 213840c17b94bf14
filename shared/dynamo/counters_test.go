package dynamo_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// N writers ADD to the same counters at once: the totals are exact (no read, no lost update).
func TestAddCountsIsAtomic(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t)
	ctx := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- r.AddCounts(ctx, domaintest.Burger, "centro", "2026-03-14",
					domain.Counts{MessagesIn: 1, MessagesOut: 2, Orders: 1, RevenueCents: 4990})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.ListDailyMetrics(ctx, domaintest.Burger, "2026-03-14", "2026-03-14", "")
	if err != nil {
		t.Fatal(err)
	}
	n := int64(writers * each)
	want := []domain.DailyCounters{{ClientID: domaintest.Burger, StoreID: "centro", Day: "2026-03-14",
		Counts: domain.Counts{MessagesIn: n, MessagesOut: 2 * n, Orders: n, RevenueCents: 4990 * n}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counters %+v\nwant %+v", got, want)
	}
}

// The item on the table: keyed (clientId, "<day>#<store or _>"), the day, the store when
// there is one, numbers for the counters (only those ever added), and a ttl of the day's
// start in São Paulo plus the retention.
func TestCountersItemOnTheTable(t *testing.T) {
	t.Parallel()
	r, db, tables := open(t)
	ctx := domain.NewPlatformContext(context.Background())
	if err := r.AddCounts(ctx, domaintest.Burger, "centro", "2026-03-14", domain.Counts{Orders: 1, RevenueCents: 13400}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddCounts(ctx, domaintest.Burger, "", "2026-03-14", domain.Counts{Errors: 1}); err != nil {
		t.Fatal(err)
	}
	item := func(key string) map[string]types.AttributeValue {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tables.DailyMetrics), Key: map[string]types.AttributeValue{
			"clientId": &types.AttributeValueMemberS{Value: domaintest.Burger}, "metricKey": &types.AttributeValueMemberS{Value: key},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			t.Fatalf("no item %q", key)
		}
		return out.Item
	}
	it := item("2026-03-14#centro")
	start := time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC) // midnight in São Paulo
	wantTTL := fmt.Sprint(start.AddDate(0, 0, resourcenames.DailyMetricsRetentionDays).Unix())
	for attr, want := range map[string]string{"orders": "1", "revenueCents": "13400", "ttl": wantTTL} {
		if n, ok := it[attr].(*types.AttributeValueMemberN); !ok || n.Value != want {
			t.Errorf("%s = %#v, want the number %s", attr, it[attr], want)
		}
	}
	for attr, want := range map[string]string{"day": "2026-03-14", "storeId": "centro"} {
		if s, ok := it[attr].(*types.AttributeValueMemberS); !ok || s.Value != want {
			t.Errorf("%s = %#v, want %q", attr, it[attr], want)
		}
	}
	for _, attr := range []string{"messagesIn", "messagesOut", "conversations", "handoffs", "errors", "modelCalls",
		"modelInputTokens", "modelOutputTokens", "modelCacheReadTokens", "modelCacheWriteTokens", "modelFallbacks", "answerCacheHits"} {
		if _, ok := it[attr]; ok {
			t.Errorf("a counter never added is written: %s", attr)
		}
	}
	none := item("2026-03-14#_")
	if _, ok := none["storeId"]; ok {
		t.Errorf("the counts without a store have a storeId: %v", none)
	}
	if n, ok := none["errors"].(*types.AttributeValueMemberN); !ok || n.Value != "1" {
		t.Errorf("errors = %#v", none["errors"])
	}
}

// A range reads its days, both ends included, and no other; by day, then store; one store,
// or the counts without one, when asked; across query pages.
func TestListDailyMetricsByRangeAndStore(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t, dynamo.WithPageSize(2))
	ctx := domain.NewPlatformContext(context.Background())
	add := func(client, store, day string, c domain.Counts) {
		t.Helper()
		if err := r.AddCounts(ctx, client, store, day, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, day := range []string{"2026-02-28", "2026-03-01", "2026-03-02", "2026-03-31", "2026-04-01"} {
		add(domaintest.Burger, "centro", day, domain.Counts{MessagesIn: 1})
		add(domaintest.Burger, "vila-madalena", day, domain.Counts{MessagesIn: 2})
		add(domaintest.Burger, "", day, domain.Counts{Errors: 1})
	}
	add(domaintest.Pizzaria, "paulista", "2026-03-15", domain.Counts{Orders: 5}) // another brand

	keys := func(ds []domain.DailyCounters) []string {
		var out []string
		for _, d := range ds {
			if d.ClientID != domaintest.Burger {
				t.Errorf("another brand's counters: %+v", d)
			}
			out = append(out, d.Day+"/"+d.StoreID)
		}
		return out
	}
	cases := []struct {
		from, to, store string
		want            []string
	}{
		{"2026-03-01", "2026-03-31", "", []string{
			"2026-03-01/", "2026-03-01/centro", "2026-03-01/vila-madalena",
			"2026-03-02/", "2026-03-02/centro", "2026-03-02/vila-madalena",
			"2026-03-31/", "2026-03-31/centro", "2026-03-31/vila-madalena"}},
		{"2026-03-01", "2026-03-31", "centro", []string{"2026-03-01/centro", "2026-03-02/centro", "2026-03-31/centro"}},
		{"2026-02-28", "2026-03-01", resourcenames.NoStore, []string{"2026-02-28/", "2026-03-01/"}},
		{"2026-04-01", "2026-04-01", "vila-madalena", []string{"2026-04-01/vila-madalena"}},
		{"2026-03-03", "2026-03-30", "", nil},
		{"2026-03-01", "2026-03-31", "fechada", nil},
	}
	for _, c := range cases {
		got, err := r.ListDailyMetrics(ctx, domaintest.Burger, c.from, c.to, c.store)
		if err != nil {
			t.Fatalf("%s..%s %q: %v", c.from, c.to, c.store, err)
		}
		if got == nil {
			t.Errorf("%s..%s %q: nil, want an empty list", c.from, c.to, c.store)
		}
		if k := keys(got); !reflect.DeepEqual(k, c.want) {
			t.Errorf("%s..%s %q = %v, want %v", c.from, c.to, c.store, k, c.want)
		}
	}
	got, err := r.ListDailyMetrics(ctx, domaintest.Burger, "2026-03-01", "2026-03-01", "vila-madalena")
	if err != nil || len(got) != 1 || got[0].MessagesIn != 2 || got[0].Errors != 0 {
		t.Errorf("counters %+v, %v", got, err)
	}
}

// Bad input is EINVALID naming the field; another brand's counters are EFORBIDDEN.
func TestDailyMetricsRefusals(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t)
	ctx := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	for _, c := range []struct {
		from, to, store, field string
	}{
		{"2026-3-1", "2026-03-02", "", "from"},
		{"2026-03-01", "2026-02-30", "", "to"},
		{"2026-03-02", "2026-03-01", "", "from"},
		{"2026-01-01", "2026-04-03", "", "from"}, // 93 days: 92 is the most
		{"2026-03-01", "2026-03-02", "Centro", "storeId"},
	} {
		_, err := r.ListDailyMetrics(ctx, domaintest.Burger, c.from, c.to, c.store)
		if domain.ErrorCode(err) != domain.EINVALID || len(domain.FieldsOf(err)) != 1 || domain.FieldsOf(err)[0].Field != c.field {
			t.Errorf("%s..%s %q: %v (fields %v), want EINVALID on %s", c.from, c.to, c.store, err, domain.FieldsOf(err), c.field)
		}
	}
	if _, err := r.ListDailyMetrics(ctx, domaintest.Burger, "2026-01-01", "2026-04-02", ""); err != nil {
		t.Errorf("92 days: %v", err)
	}
	for _, c := range []struct {
		store, day string
		counts     domain.Counts
	}{
		{"centro", "14/03/2026", domain.Counts{Orders: 1}},
		{"Centro Loja", "2026-03-14", domain.Counts{Orders: 1}},
		{resourcenames.NoStore, "2026-03-14", domain.Counts{Orders: 1}},
		{"centro", "2026-03-14", domain.Counts{Orders: -1}},
	} {
		if err := r.AddCounts(ctx, domaintest.Burger, c.store, c.day, c.counts); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("AddCounts(%q, %q, %+v) = %v, want EINVALID", c.store, c.day, c.counts, err)
		}
	}
	if err := r.AddCounts(ctx, domaintest.Pizzaria, "", "2026-03-14", domain.Counts{Orders: 1}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("another brand's AddCounts: %v", err)
	}
	if _, err := r.ListDailyMetrics(ctx, domaintest.Pizzaria, "2026-03-14", "2026-03-14", ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("another brand's ListDailyMetrics: %v", err)
	}
	// Zero counts write nothing.
	if err := r.AddCounts(ctx, domaintest.Burger, "centro", "2026-03-14", domain.Counts{}); err != nil {
		t.Fatal(err)
	}
	if got, err := r.ListDailyMetrics(ctx, domaintest.Burger, "2026-03-14", "2026-03-14", ""); err != nil || len(got) != 0 {
		t.Errorf("zero counts wrote %+v (%v)", got, err)
	}
}

// Without the table (a function not given it) the methods say so.
func TestDailyMetricsNotConfigured(t *testing.T) {
	t.Parallel()
	tables := resourcenames.TablesFor(resourcenames.EnvDev)
	tables.DailyMetrics = ""
	r, err := dynamo.New(tables, dynamo.SingleClient(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := domain.NewPlatformContext(context.Background())
	if err := r.AddCounts(ctx, domaintest.Burger, "", "2026-03-14", domain.Counts{Orders: 1}); err == nil {
		t.Error("AddCounts without the table")
	}
	if _, err := r.ListDailyMetrics(ctx, domaintest.Burger, "2026-03-14", "2026-03-14", ""); err == nil {
		t.Error("ListDailyMetrics without the table")
	}
}

// Every counter of domain.Counts is added and read back, the AI layer's included: each an
// attribute of its own, named as its dynamodbav tag.
func TestEveryCounterRoundTrips(t *testing.T) {
	t.Parallel()
	r, db, tables := open(t)
	ctx := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	var c domain.Counts
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		v.Field(i).SetInt(int64(i + 1))
	}
	for range 2 {
		if err := r.AddCounts(ctx, domaintest.Burger, "centro", "2026-03-14", c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.ListDailyMetrics(ctx, domaintest.Burger, "2026-03-14", "2026-03-14", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.DailyCounters{{ClientID: domaintest.Burger, StoreID: "centro", Day: "2026-03-14", Counts: c.Plus(c)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counters %+v\nwant %+v", got, want)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tables.DailyMetrics), Key: map[string]types.AttributeValue{
		"clientId": &types.AttributeValueMemberS{Value: domaintest.Burger}, "metricKey": &types.AttributeValueMemberS{Value: "2026-03-14#centro"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Fields() {
		if n, ok := out.Item[f.Name].(*types.AttributeValueMemberN); !ok || n.Value != fmt.Sprint(2*f.Value) {
			t.Errorf("%s = %#v, want the number %d", f.Name, out.Item[f.Name], 2*f.Value)
		}
	}
}

// The token budget's reader over the table: today's tokens of every store of the brand (and
// the counts without one), full-price input, output and cache writes, read in the brand's
// tenant context; other days and brands are not counted; a minute's cache.
func TestModelSpendOverTheTable(t *testing.T) {
	t.Parallel()
	r, _, _ := open(t)
	platform := domain.NewPlatformContext(context.Background())
	add := func(client, store, day string, c domain.Counts) {
		t.Helper()
		if err := r.AddCounts(platform, client, store, day, c); err != nil {
			t.Fatal(err)
		}
	}
	model := func(in, out, write, read int64) domain.Counts {
		return domain.Counts{ModelCalls: 1, ModelInputTokens: in, ModelOutputTokens: out, ModelCacheWriteTokens: write, ModelCacheReadTokens: read}
	}
	add(domaintest.Burger, "centro", "2026-03-14", model(1200, 300, 4000, 80000))
	add(domaintest.Burger, "vila-madalena", "2026-03-14", model(800, 100, 0, 6000))
	add(domaintest.Burger, "", "2026-03-14", model(50, 0, 0, 0))
	add(domaintest.Burger, "centro", "2026-03-13", model(9_000_000, 0, 0, 0))
	add(domaintest.Pizzaria, "paulista", "2026-03-14", model(5_000_000, 0, 0, 0))

	now := time.Date(2026, 3, 14, 23, 0, 0, 0, time.UTC) // 20:00 in São Paulo
	spend := metrics.NewModelSpend(r, metrics.WithSpendClock(func() time.Time { return now }))
	ctx := domain.NewContextWithTenant(context.Background(), domaintest.Burger)
	got, err := spend.TokensToday(ctx, domaintest.Burger)
	if want := int64(1200 + 300 + 4000 + 800 + 100 + 50); err != nil || got != want {
		t.Fatalf("TokensToday = %d, %v; want %d", got, err, want)
	}
	add(domaintest.Burger, "centro", "2026-03-14", model(1000, 0, 0, 0))
	now = now.Add(30 * time.Second)
	if again, err := spend.TokensToday(ctx, domaintest.Burger); err != nil || again != got {
		t.Errorf("within the minute: %d, %v; want the cached %d", again, err, got)
	}
	now = now.Add(30 * time.Second)
	if fresh, err := spend.TokensToday(ctx, domaintest.Burger); err != nil || fresh != got+1000 {
		t.Errorf("after the minute: %d, %v; want %d", fresh, err, got+1000)
	}
	if _, err := spend.TokensToday(ctx, domaintest.Pizzaria); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("another brand's tokens: %v", err)
	}
}
