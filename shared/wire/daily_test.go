package wire_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/wire"
)

// dailyCounters are the brand's counters of today (and yesterday, should the test run across
// São Paulo's midnight), added up per store.
func (f *fixture) dailyCounters(tb testing.TB, clientID string) map[string]domain.Counts {
	tb.Helper()
	now := time.Now()
	got, err := f.rt.Repos.ListDailyMetrics(domain.NewContextWithTenant(context.Background(), clientID), clientID,
		domain.MetricsDay(now.Add(-time.Hour)), domain.MetricsDay(now), "")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]domain.Counts{}
	for _, d := range got {
		out[d.StoreID] = out[d.StoreID].Plus(d.Counts)
	}
	return out
}

// A customer's order, turn by turn through the worker's Lambda entry point. The turns before
// the order leave their traffic counts in memory (they wait metrics.DefaultMaxAge); the
// invocation that places the order writes the store's item of the day before it returns:
// the order and its total, and with them every message in and out and the conversation
// started.
func TestDailyCountersOfRealTurns(t *testing.T) {
	f := newFixture(t)
	if f.rt.Daily == nil || f.rt.Daily.MaxAge() != metrics.DefaultMaxAge {
		t.Fatalf("the runtime's daily counters: %+v, want them with the default max age", f.rt.Daily)
	}
	phone := f.newPhone()
	says := []string{"hi", "1 classic burger with bacon and 1 fries", "checkout", "pickup", "credit card", "yes"}
	for i, body := range says {
		f.work(t, sqsEvent(t, f.burgerMessage(phone, body)))
		if i < len(says)-1 {
			if n := f.rt.Daily.Pending(); n != 1 {
				t.Fatalf("after turn %d, %d keys wait in memory, want the store's", i+1, n)
			}
			if got := f.dailyCounters(t, demo.BurgerID); len(got) != 0 {
				t.Fatalf("after turn %d, traffic counts were written at once: %v", i+1, got)
			}
		}
	}
	if n := f.rt.Daily.Pending(); n != 0 || f.rt.Daily.Writes() != 1 {
		t.Fatalf("after the order, %d keys wait and %d writes were made: want the store's written, once", n, f.rt.Daily.Writes())
	}
	// The order's total, as the store's POS got it.
	out, err := f.sqs.ReceiveMessage(domain.NewPlatformContext(context.Background()), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(f.posQueues["vila-madalena"]), MaxNumberOfMessages: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("POS queue: %d messages, %v", len(out.Messages), err)
	}
	var ev struct {
		Order struct {
			Amounts struct {
				TotalCents int64 `json:"totalCents"`
			} `json:"amounts"`
		} `json:"order"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &ev); err != nil || ev.Order.Amounts.TotalCents <= 0 {
		t.Fatalf("POS event %s: %v", aws.ToString(out.Messages[0].Body), err)
	}
	all := f.dailyCounters(t, demo.BurgerID)
	got := all["vila-madalena"]
	if got.MessagesIn != int64(len(says)) || got.Conversations != 1 || got.Orders != 1 || got.RevenueCents != ev.Order.Amounts.TotalCents ||
		got.MessagesOut < int64(len(says)) || got.Errors != 0 || got.Handoffs != 0 {
		t.Errorf("the store's counters %+v; want %d messages in, at least as many out, 1 conversation, 1 order of %d centavos",
			got, len(says), ev.Order.Amounts.TotalCents)
	}
	if len(all) != 1 {
		t.Errorf("counters of %d keys %v, want the store's only", len(all), all)
	}
	conv := domain.DailyCounters{Counts: got}.Conversion()
	if conv != 1 {
		t.Errorf("conversion %v, want 1", conv)
	}
}

// A batch that fails is counted too: the error, on the brand's counters without a store,
// written by the worker's shutdown (SIGTERM in Lambda) if not before.
func TestDailyCountersOfAFailedBatch(t *testing.T) {
	f := newFixture(t)
	ev := sqsEvent(t, f.burgerMessage(f.newPhone(), "hi"))
	ev.Records[0].Body = `{"v":1,"clientId":` // cannot be decoded: parked... or, without a DLQ, failed
	resp, err := f.rt.Worker.HandleSQSEvent(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("response %+v, want the record failed (no dead-letter queue here)", resp)
	}
	if err := f.rt.Worker.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.dailyCounters(t, demo.BurgerID)[""]; got.Errors != 1 {
		t.Errorf("the brand's counters without a store: %+v, want 1 error", got)
	}
}

// Without the table the worker runs, keeps no daily counters, and says so at start.
func TestNoDailyCountersWithoutTheirTable(t *testing.T) {
	cfg := webhookEnv("dev")
	cfg[resourcenames.EnvVarMenuTable], cfg[resourcenames.EnvVarOrdersTable] = "menu", "orders"
	c, err := wire.ConfigFromEnv(func(k string) string { return cfg[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Tables.DailyMetrics != "" {
		t.Fatalf("daily metrics table %q from nowhere", c.Tables.DailyMetrics)
	}
	var logs strings.Builder
	opts := wire.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if _, err := wire.NewWorker(context.Background(), c, awsclients.NewStatic(aws.Config{Region: "us-east-1"}), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), resourcenames.EnvVarDailyMetricsTable) {
		t.Errorf("no word at start about the missing daily counters: %q", logs.String())
	}
	cfg[resourcenames.EnvVarDailyMetricsTable] = "WhatsAppBotDailyMetrics-dev"
	if c, err = wire.ConfigFromEnv(func(k string) string { return cfg[k] }); err != nil || c.Tables.DailyMetrics != "WhatsAppBotDailyMetrics-dev" {
		t.Errorf("config %+v, %v", c.Tables, err)
	}
	// With the table, the runtime has them; Options.DailyMaxAge < 0 writes every batch.
	rt, err := wire.New(context.Background(), c, awsclients.NewStatic(aws.Config{Region: "us-east-1"}),
		wire.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DailyMaxAge: -1})
	if err != nil || rt.Daily == nil || rt.Daily.MaxAge() >= 0 {
		t.Errorf("runtime with the table: daily %+v, %v", rt.Daily, err)
	}
}

// With no max age (Options.DailyMaxAge < 0), every invocation writes what it counted before
// it returns: a first message's counts are in the table at once.
func TestDailyCountersEveryBatch(t *testing.T) {
	f := newFixtureWithOptions(t, nil, func(o *wire.Options) { o.DailyMaxAge = -1 })
	f.work(t, sqsEvent(t, f.burgerMessage(f.newPhone(), "hi")))
	if n := f.rt.Daily.Pending(); n != 0 {
		t.Fatalf("%d keys wait in memory", n)
	}
	got := f.dailyCounters(t, demo.BurgerID)["vila-madalena"]
	if got.MessagesIn != 1 || got.Conversations != 1 || got.MessagesOut < 1 {
		t.Errorf("after the first turn: %+v", got)
	}
}
