package wire_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/dev/localoutbox"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
	"github.com/wabot-platform/wabot/shared/wire"
)

const publicBase = "https://hooks.wabot.test"

// benchDailyMaxAgeEnv, when set (a Go duration; negative: every batch), is the daily
// counters' max age of the fixtures (wire.Options.DailyMaxAge), so `make bench` can measure
// another policy than the default (scripts/bench.sh passes BENCH_DAILY_MAX_AGE).
const benchDailyMaxAgeEnv = "WABOT_BENCH_DAILY_MAX_AGE"

// fixture is the platform as a Lambda wires it, against the emulator: the dev template's
// tables, the inbound queue and the brands' secrets (under names of this test's own), the
// demo brands seeded, and an AWS call counter on every SDK client.
type fixture struct {
	rt       *wire.Runtime
	hook     *twiliohook.Handler
	calls    *awsclients.CallCounter
	units    *ddbUnits // DynamoDB and SQS billing units, for the benchmarks
	customer string
	token    string // the pizzaria's auth token, which signs deliveries
	queueURL string
	sqs      *sqs.Client
	seq      atomic.Int64
	// posQueues are the stores' POS queues by storeId.
	posQueues map[string]string
	phones    atomic.Int64
	// lastReceived is the last message's time (Unix ms), so that each message is a
	// millisecond after the one before (receivedAt).
	lastReceived atomic.Int64
}

// receivedAt is a new message's arrival: now, but always at least a millisecond after the
// previous message's. A customer's messages are seconds apart; messages prepared in a loop
// would share a millisecond, and a turn whose lastMessageTimestamp did not move would not
// pay for the store index's update it pays for in use.
func (f *fixture) receivedAt() time.Time {
	for {
		last := f.lastReceived.Load()
		next := max(time.Now().UnixMilli(), last+1)
		if f.lastReceived.CompareAndSwap(last, next) {
			return time.UnixMilli(next).UTC()
		}
	}
}

// burger sends body from phone to Burger Demo, whose store is open around the clock.
func (f *fixture) burger(tb testing.TB, phone, body string) {
	tb.Helper()
	m := domain.InboundMessage{Version: 1, ClientID: demo.BurgerID, MessageSid: f.sid(), From: phone,
		To: demo.BurgerNumber, Body: body, ProfileName: "Ana", ReceivedAt: f.receivedAt()}
	if err := f.rt.Conversation.Handle(domain.NewPlatformContext(context.Background()), m); err != nil {
		tb.Fatal(err)
	}
}

// newPhone is a customer number of its own.
func (f *fixture) newPhone() string {
	return fmt.Sprintf("whatsapp:+5511966%06d", (time.Now().UnixNano()/1000+f.phones.Add(1))%1000000)
}

// drain empties a store's POS queue (the emulator slows down as a queue grows) and returns
// how many messages it held.
func (f *fixture) drain(tb testing.TB, storeID string) int {
	tb.Helper()
	n := 0
	for {
		out, err := f.sqs.ReceiveMessage(domain.NewPlatformContext(context.Background()), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.posQueues[storeID]), MaxNumberOfMessages: 10})
		if err != nil {
			tb.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return n
		}
		for _, m := range out.Messages {
			n++
			if _, err := f.sqs.DeleteMessage(domain.NewPlatformContext(context.Background()), &sqs.DeleteMessageInput{QueueUrl: aws.String(f.posQueues[storeID]), ReceiptHandle: m.ReceiptHandle}); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureWith(tb, nil)
}

// newFixtureWith replies through Twilio's REST API served by tw, when tw is not nil, with the
// pizzaria's credentials in its secret; otherwise through the local localoutbox.
func newFixtureWith(tb testing.TB, tw *twiliotest.Server) *fixture {
	tb.Helper()
	return newFixtureWithOptions(tb, tw, nil)
}

// newFixtureWithOptions is newFixtureWith with the wiring's options changed by change.
func newFixtureWithOptions(tb testing.TB, tw *twiliotest.Server, change func(*wire.Options)) *fixture {
	tb.Helper()
	ctx := domain.NewPlatformContext(context.Background())
	cfg := emulatortest.Config(tb)
	env := "b" + emulatortest.UniqueSuffix(tb)
	suffix := "-" + env
	tables := emulatortest.Tables(tb)

	q := sqs.NewFromConfig(cfg)
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbound" + suffix + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = q.DeleteQueue(domain.NewPlatformContext(context.Background()), &sqs.DeleteQueueInput{QueueUrl: created.QueueUrl})
	})
	// The brands' secrets, named for this test's environment, as the template declares them.
	tmpl := &emulator.Template{Resources: map[string]emulator.Resource{}}
	for _, tn := range demo.Tenants() {
		tmpl.Resources["S"+tn.Client.ClientID] = emulator.Resource{Type: "AWS::SecretsManager::Secret",
			Properties: map[string]any{"Name": resourcenames.TwilioSecret(env, tn.Client.ClientID)}}
		tmpl.Resources["A"+tn.Client.ClientID] = emulator.Resource{Type: "AWS::SecretsManager::Secret",
			Properties: map[string]any{"Name": resourcenames.AsaasSecret(env, tn.Client.ClientID)}}
	}
	sm := secretsmanager.NewFromConfig(cfg)
	if _, err := emulator.ApplySecrets(ctx, sm, tmpl, emulator.Options{}); err != nil {
		tb.Fatal(err)
	}
	// Each store's POS queue, named for this test's environment; the seed registers them in
	// the stores' config, as the TenantStore construct does in AWS.
	posQueues := map[string]string{}
	for _, tn := range demo.Tenants() {
		for _, st := range tn.Stores {
			out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{
				QueueName:  aws.String(resourcenames.StoreOrderQueue(env, st.ClientID, st.StoreID)),
				Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false"},
			})
			if err != nil {
				tb.Fatal(err)
			}
			posQueues[st.StoreID] = aws.ToString(out.QueueUrl)
			tb.Cleanup(func() {
				_, _ = q.DeleteQueue(domain.NewPlatformContext(context.Background()), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
			})
		}
	}
	calls := awsclients.CountCalls(&cfg)
	units := countUnits(&cfg)
	box, err := localoutbox.New(localoutbox.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		tb.Fatal(err)
	}
	opts := wire.Options{Messenger: box, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tw != nil {
		opts.Messenger, opts.TwilioHTTPClient = nil, tw.Client()
	}
	if v := os.Getenv(benchDailyMaxAgeEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			tb.Fatalf("%s: %v", benchDailyMaxAgeEnv, err)
		}
		opts.DailyMaxAge = d
	}
	if change != nil {
		change(&opts)
	}
	rt, err := wire.New(ctx, wire.Config{Env: env, Tables: tables, InboundQueueURL: aws.ToString(created.QueueUrl), PublicBaseURL: publicBase},
		awsclients.NewStatic(cfg), opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := demo.Seed(ctx, env, demo.Targets{Clients: rt.Repos, Stores: rt.Repos, Menus: rt.Repos, Secrets: sm, Queues: q}); err != nil {
		tb.Fatal(err)
	}
	if tw != nil {
		// The brand's real credentials are what Twilio checks; the webhook signs with the
		// same auth token.
		c := tw.Credentials()
		v, _ := json.Marshal(map[string]string{"accountSid": c.AccountSID, "authToken": c.AuthToken})
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String(resourcenames.TwilioSecret(env, demo.PizzariaID)), SecretString: aws.String(string(v)),
		}); err != nil {
			tb.Fatal(err)
		}
	}
	hook, err := rt.Webhook()
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{rt: rt, hook: hook, calls: calls, units: units, customer: fmt.Sprintf("whatsapp:+5511955%06d", time.Now().UnixNano()%1000000),
		token: demo.PizzariaToken, queueURL: aws.ToString(created.QueueUrl), sqs: q, posQueues: posQueues}
	if tw != nil {
		f.token = tw.Credentials().AuthToken
	}
	return f
}

func (f *fixture) sid() string { return fmt.Sprintf("SM%032d", f.seq.Add(1)) }

// delivery is a signed Twilio delivery of body from the fixture's customer to the pizzaria.
func (f *fixture) delivery(body string) twiliohook.Request {
	p := map[string]string{"MessageSid": f.sid(), "AccountSid": "AC1", "From": f.customer, "To": demo.PizzariaNumber,
		"Body": body, "NumMedia": "0", "ProfileName": "Maria"}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	return twiliohook.Request{Host: "hooks.wabot.test", Path: resourcenames.WebhookPath, ContentType: "application/x-www-form-urlencoded",
		Signature: twiliotest.Sign(f.token, publicBase+resourcenames.WebhookPath, p), Body: []byte(form.Encode())}
}

func (f *fixture) message(body string) domain.InboundMessage {
	return domain.InboundMessage{Version: 1, ClientID: demo.PizzariaID, MessageSid: f.sid(), From: f.customer,
		To: demo.PizzariaNumber, Body: body, ProfileName: "Maria", ReceivedAt: f.receivedAt()}
}

// known makes the fixture's customer a known customer of the Paulista store.
func (f *fixture) known(tb testing.TB) {
	tb.Helper()
	for _, body := range []string{"oi", "2"} {
		if err := f.rt.Conversation.Handle(domain.NewPlatformContext(context.Background()), f.message(body)); err != nil {
			tb.Fatal(err)
		}
	}
}

// The budgets of the issue, asserted: once caches are warm the webhook makes at most 2 AWS
// calls per message, and a known customer's turn at most 4 DynamoDB calls.
func TestCallBudgets(t *testing.T) {
	f := newFixture(t)
	ctx := domain.NewPlatformContext(context.Background())
	if r := f.hook.Handle(ctx, f.delivery("warm-up")); r.Status != 200 {
		t.Fatalf("warm-up answered %d", r.Status)
	}
	f.calls.Reset()
	const n = 5
	for range n {
		if r := f.hook.Handle(ctx, f.delivery("hello")); r.Status != 200 {
			t.Fatalf("answered %d", r.Status)
		}
	}
	if got := f.calls.Total(""); got > 2*n {
		t.Errorf("webhook: %d AWS calls for %d messages (%v), budget 2 per message", got, n, f.calls.Snapshot())
	}

	f.known(t)
	f.calls.Reset()
	for range n {
		if err := f.rt.Conversation.Handle(ctx, f.message("tudo bem?")); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.calls.Total("DynamoDB"); got > 4*n {
		t.Errorf("known customer's turn: %d DynamoDB calls for %d turns (%v), budget 4 per turn", got, n, f.calls.Snapshot())
	}
	if got := f.calls.Total("Secrets Manager"); got != 0 {
		t.Errorf("a warm turn read Secrets Manager %d times", got)
	}

	// A menu-and-cart turn with a warm menu cache: at most 4 DynamoDB calls.
	phone := f.newPhone()
	f.burger(t, phone, "hi")
	f.calls.Reset()
	for i := range n {
		f.burger(t, phone, []string{"a coke please", "remove the coke"}[i%2])
	}
	if got := f.calls.Total("DynamoDB"); got > 4*n {
		t.Errorf("cart turn: %d DynamoDB calls for %d turns (%v), budget 4 per turn", got, n, f.calls.Snapshot())
	}
	c, err := f.rt.Repos.GetConversation(ctx, demo.BurgerID, phone)
	if err != nil || len(c.Cart) != 1 {
		t.Fatalf("after %d cart turns the cart is %+v (%v), want the coke", n, c, err)
	}
}

func BenchmarkWebhook(b *testing.B) {
	f := newFixture(b)
	ctx := domain.NewPlatformContext(context.Background())
	if r := f.hook.Handle(ctx, f.delivery("warm-up")); r.Status != 200 {
		b.Fatalf("warm-up answered %d", r.Status)
	}
	reqs := make([]twiliohook.Request, b.N)
	for i := range reqs {
		reqs[i] = f.delivery("Quero uma pizza grande de calabresa")
	}
	measure(b, f, func(i int) {
		if r := f.hook.Handle(ctx, reqs[i]); r.Status != 200 {
			b.Fatalf("answered %d", r.Status)
		}
	})
}

// A new customer's first message: the brand is known (its caches warm, as in a running
// worker), the customer is not, and the turn asks which of the pizzaria's two stores. Each
// operation is a customer of its own.
func BenchmarkWorkerTurnIdentification(b *testing.B) {
	f := newFixture(b)
	f.known(b)
	evs := make([]events.SQSEvent, b.N)
	for i := range evs {
		m := f.message("oi")
		m.From = f.newPhone()
		evs[i] = sqsEvent(b, m)
	}
	measure(b, f, func(i int) { f.work(b, evs[i]) })
}

func BenchmarkWorkerTurnKnownCustomer(b *testing.B) {
	f := newFixture(b)
	f.known(b)
	evs := make([]events.SQSEvent, b.N)
	for i := range evs {
		evs[i] = sqsEvent(b, f.message("Vocês entregam no Jardins?"))
	}
	measure(b, f, func(i int) { f.work(b, evs[i]) })
}

// A customer who knows the menu adds and removes items: each operation is one cart turn
// (the menu cache warm).
func BenchmarkWorkerTurnMenuAndCart(b *testing.B) {
	f := newFixture(b)
	phone := f.newPhone()
	f.burger(b, phone, "hi")
	f.burger(b, phone, "menu")
	says := []string{"2 cheese burgers with bacon and a coke", "remove the coke", "1 fries", "take out the fries", "can I see my cart"}
	evs := make([]events.SQSEvent, b.N)
	for i := range evs {
		evs[i] = sqsEvent(b, f.burgerMessage(phone, says[i%len(says)]))
	}
	measure(b, f, func(i int) { f.work(b, evs[i]) })
}

// The confirming turn of a checkout: the order created, published to the store's POS queue
// and marked sent, the conversation written, the reply sent. Each operation has a customer
// of its own, brought to the confirmation outside the measurement.
func BenchmarkWorkerTurnCheckout(b *testing.B) {
	f := newFixture(b)
	counts := map[string]int{}
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	f.units.reset()
	for range b.N {
		phone := f.newPhone()
		for _, body := range []string{"hi", "1 classic burger with bacon and 1 fries", "checkout", "pickup", "credit card"} {
			f.burger(b, phone, body)
		}
		ev := sqsEvent(b, f.burgerMessage(phone, "yes"))
		f.calls.Reset()
		start := cpuTime()
		f.units.arm(b)
		b.StartTimer()
		f.work(b, ev)
		b.StopTimer()
		f.units.disarm()
		cpu += cpuTime() - start
		for op, n := range f.calls.Snapshot() {
			counts[op] += n
		}
		if got := f.drain(b, "vila-madalena"); got != 1 {
			b.Fatalf("the POS queue got %d messages for one order", got)
		}
	}
	report(b, counts, f.units, cpu)
	reportDaily(b, f)
}

// burgerMessage is body from phone to Burger Demo, whose store is open around the clock.
func (f *fixture) burgerMessage(phone, body string) domain.InboundMessage {
	return domain.InboundMessage{Version: 1, ClientID: demo.BurgerID, MessageSid: f.sid(), From: phone,
		To: demo.BurgerNumber, Body: body, ProfileName: "Ana", ReceivedAt: f.receivedAt()}
}

// sqsEvent is m as Lambda's SQS event source hands it to the worker: one record whose body
// is what the webhook enqueues.
func sqsEvent(tb testing.TB, m domain.InboundMessage) events.SQSEvent {
	tb.Helper()
	body, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return events.SQSEvent{Records: []events.SQSMessage{{
		MessageId: "msg-" + m.MessageSid, ReceiptHandle: "rh-" + m.MessageSid, Body: string(body),
		EventSource: "aws:sqs", Attributes: map[string]string{
			"MessageGroupId": inboundqueue.GroupID(m.ClientID, m.From), "MessageDeduplicationId": m.MessageSid,
			"ApproximateReceiveCount": "1",
		},
	}}}
}

// work runs one SQS event through the worker's Lambda entry point; any failure stops the
// benchmark.
func (f *fixture) work(tb testing.TB, ev events.SQSEvent) {
	tb.Helper()
	resp, err := f.rt.Worker.HandleSQSEvent(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		tb.Fatalf("worker: %+v %v", resp, err)
	}
}

// measure runs op b.N times (inputs prepared beforehand) and reports time, CPU,
// allocations, AWS calls and DynamoDB units per operation.
func measure(b *testing.B, f *fixture, op func(i int)) {
	f.calls.Reset()
	f.units.reset()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	f.units.arm(b)
	for i := range b.N {
		op(i)
	}
	f.units.disarm()
	b.StopTimer()
	report(b, f.calls.Snapshot(), f.units, cpuTime()-cpu)
	reportDaily(b, f)
}

// reportDaily adds how long the daily counters' traffic counts wait in memory (0: not at
// all, every batch writes them), for the report's cost model of the timed writes, which a
// benchmark of a few seconds cannot see.
func reportDaily(b *testing.B, f *fixture) {
	if f.rt.Daily != nil {
		b.ReportMetric(max(0, f.rt.Daily.MaxAge().Seconds()), "daily-max-age-s")
	}
}

// cpuTime is the CPU time this process has used. ns/op includes the round trips to the
// emulator (another process on loopback, far slower than DynamoDB or SQS are in AWS);
// cpu-ns/op is the CPU our code (with the SDK and its HTTP client) spent per operation.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds, per operation: the CPU time (less what measuring units cost), the AWS calls
// in all, by service and by API operation ("DynamoDB.GetItem/op"), the DynamoDB read and
// write request units and the SQS requests as billed, and the item sizes written.
// scripts/bench.sh's report reads these units by name.
func report(b *testing.B, counts map[string]int, u *ddbUnits, cpu time.Duration) {
	n := float64(b.N)
	if err := u.failure(); err != nil {
		b.Fatalf("measuring DynamoDB units: %v", err)
	}
	b.ReportMetric(float64((cpu-u.overhead).Nanoseconds())/n, "cpu-ns/op")
	total := map[string]int{}
	for op, c := range counts {
		service, _, _ := strings.Cut(op, ".")
		total[service] += c
		total[""] += c
		b.ReportMetric(float64(c)/n, strings.ReplaceAll(op, " ", "")+"/op")
	}
	b.ReportMetric(float64(total[""])/n, "aws-calls/op")
	b.ReportMetric(float64(total["DynamoDB"])/n, "dynamodb-calls/op")
	b.ReportMetric(float64(total["SQS"])/n, "sqs-calls/op")
	b.ReportMetric(float64(total["Secrets Manager"])/n, "secrets-calls/op")
	b.ReportMetric(u.wru/n, "ddb-wru/op")
	b.ReportMetric(u.indexWRU/n, "ddb-index-wru/op")
	// The daily counters' writes (metrics.Daily's flush at the end of a batch), part of the
	// DynamoDB calls and write units above, reported apart so the report prices them apart.
	b.ReportMetric(u.counterCalls/n, "counters-calls/op")
	b.ReportMetric(u.counterWRU/n, "ddb-counters-wru/op")
	b.ReportMetric(u.rru/n, "ddb-rru/op")
	b.ReportMetric(u.sqsRequests/n, "sqs-billed-requests/op")
	b.ReportMetric(float64(u.maxItem), "max-item-bytes")
	if size, ok := u.conversationBytes(); ok {
		b.ReportMetric(float64(size), "conv-item-bytes")
	}
}

// The path of a Lambda deployment end to end, with every AWS part in the emulator and Twilio
// on loopback: the webhook queues a signed delivery, the worker takes the batch from SQS and
// replies through twilio-go with the brand's credentials from Secrets Manager.
func TestWebhookToWorkerToTwilio(t *testing.T) {
	tw := twiliotest.NewServer(t)
	f := newFixtureWith(t, tw)
	ctx := domain.NewPlatformContext(context.Background())
	if r := f.hook.Handle(ctx, f.delivery("Olá")); r.Status != 200 {
		t.Fatalf("webhook answered %d %q", r.Status, r.Body)
	}
	out, err := f.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("inbound queue: %v messages, %v", len(out.Messages), err)
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: aws.ToString(out.Messages[0].MessageId), Body: aws.ToString(out.Messages[0].Body)}}}
	resp, err := f.rt.Worker.HandleSQSEvent(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("worker: %+v %v", resp, err)
	}
	sent := tw.Messages()
	if len(sent) != 1 {
		t.Fatalf("Twilio got %d messages, want the store list", len(sent))
	}
	m := sent[0]
	if m.From != demo.PizzariaNumber || m.To != f.customer || !strings.Contains(m.Body, "2. Paulista") {
		t.Fatalf("Twilio got %+v", m)
	}
}

// ddbUnits measures, while armed, what the calls would be billed in AWS: DynamoDB on-demand
// write request units (per item written, 1 per started KB of the larger of the item before
// and after the write; twice that in TransactWriteItems; plus the writes of the table's
// global secondary indexes, see indexUnits), read request units (1 per started
// 4 KB read strongly consistent, half that eventually consistent, twice in a transaction)
// and SQS requests (one per started 64 KB of payload). Item sizes follow DynamoDB's
// documented rules (ddbItemSize). The units are measured, not asked for, because the
// emulator cannot tell: moto 5.2.5 answers ReturnConsumedCapacity with fixed placeholders
// (1.0 for any PutItem, 0.5 for any UpdateItem, none for TransactWriteItems) whatever the
// item size. Every write operation is handled the same way, whatever the code calls
// (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems): the items written
// are read before and after the call with a client of its own, not counted, with the
// benchmark timer stopped.
type ddbUnits struct {
	peek *dynamodb.Client

	mu            sync.Mutex
	armed         bool
	pause, resume func()
	overhead      time.Duration // CPU spent measuring, left out of cpu-ns/op
	err           error
	wru, rru      float64
	indexWRU      float64 // the part of wru that the indexes' writes cost
	counterWRU    float64 // the part of wru that the daily counters' writes cost
	counterCalls  float64 // calls on the daily counters' table
	sqsRequests   float64
	maxItem       int
	lastSize      map[string]int        // table -> size of the item last written there
	tables        map[string]*tableKeys // table -> its key and its indexes' keys
}

// tableKeys is what DescribeTable says of a table: its key attributes and its global
// secondary indexes.
type tableKeys struct {
	keys    []string
	indexes []indexKeys
}

// indexKeys is one global secondary index: its key attributes and what it projects.
type indexKeys struct {
	keys       []string
	projection ddbtypes.ProjectionType
	include    []string
}

// countUnits installs the measurement on cfg: every client built from cfg afterwards is
// measured.
func countUnits(cfg *aws.Config) *ddbUnits {
	plain := cfg.Copy()
	plain.APIOptions = nil
	u := &ddbUnits{peek: dynamodb.NewFromConfig(plain), lastSize: map[string]int{}, tables: map[string]*tableKeys{}}
	cfg.APIOptions = append(cfg.APIOptions, func(stack *smithymiddleware.Stack) error {
		return stack.Initialize.Add(smithymiddleware.InitializeMiddlewareFunc("wabotBillingUnits", u.handle), smithymiddleware.After)
	})
	return u
}

func (u *ddbUnits) reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.wru, u.indexWRU, u.counterWRU, u.counterCalls, u.rru, u.sqsRequests, u.maxItem, u.overhead, u.err = 0, 0, 0, 0, 0, 0, 0, 0, nil
	clear(u.lastSize)
}

// arm measures the calls that follow, stopping b's timer while it reads items.
func (u *ddbUnits) arm(b *testing.B) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.armed, u.pause, u.resume = true, b.StopTimer, b.StartTimer
}

func (u *ddbUnits) disarm() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.armed, u.pause, u.resume = false, nil, nil
}

func (u *ddbUnits) failure() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// conversationBytes is the size of the conversation item after the last measured write to
// the conversation table.
func (u *ddbUnits) conversationBytes() (int, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for table, size := range u.lastSize {
		if strings.HasPrefix(table, resourcenames.ConversationStateTable+"-") {
			return size, true
		}
	}
	return 0, false
}

// paused runs measure with the benchmark timer stopped and its CPU time set aside.
func (u *ddbUnits) paused(measure func()) {
	u.pause()
	start := cpuTime()
	measure()
	u.overhead += cpuTime() - start
	u.resume()
}

// ddbWrite is an item a call writes.
type ddbWrite struct {
	table  string
	key    map[string]ddbtypes.AttributeValue
	factor float64 // 2 in a transaction
	before map[string]ddbtypes.AttributeValue
}

func (u *ddbUnits) handle(ctx context.Context, in smithymiddleware.InitializeInput, next smithymiddleware.InitializeHandler) (smithymiddleware.InitializeOutput, smithymiddleware.Metadata, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.armed {
		return next.HandleInitialize(ctx, in)
	}
	var writes []ddbWrite
	if isDynamoDBWrite(in.Parameters) {
		u.paused(func() {
			writes = u.writesOf(ctx, in.Parameters)
			for i := range writes {
				writes[i].before = u.item(ctx, writes[i].table, writes[i].key)
			}
		})
	}
	out, md, err := next.HandleInitialize(ctx, in)
	if len(writes) > 0 {
		u.paused(func() {
			for _, w := range writes {
				item := u.item(ctx, w.table, w.key)
				before, after := ddbItemSize(w.before), ddbItemSize(item)
				index := w.factor * u.indexUnits(ctx, w.table, w.before, item)
				wru := w.factor*units(max(before, after), 1024) + index
				u.wru += wru
				u.indexWRU += index
				if isCountersTable(w.table) {
					u.counterWRU += wru
				}
				u.lastSize[w.table] = after
				u.maxItem = max(u.maxItem, before, after)
			}
		})
	}
	if err == nil {
		u.reads(ctx, in.Parameters, out.Result)
	}
	u.sqsRequests += sqsBilled(in.Parameters, out.Result)
	if p, ok := in.Parameters.(*dynamodb.UpdateItemInput); ok && isCountersTable(aws.ToString(p.TableName)) {
		u.counterCalls++
	}
	return out, md, err
}

// isCountersTable: table is the daily counters' (under a test's suffix).
func isCountersTable(table string) bool {
	return strings.HasPrefix(table, resourcenames.DailyMetricsTable+"-")
}

func isDynamoDBWrite(params any) bool {
	switch params.(type) {
	case *dynamodb.PutItemInput, *dynamodb.UpdateItemInput, *dynamodb.DeleteItemInput,
		*dynamodb.BatchWriteItemInput, *dynamodb.TransactWriteItemsInput:
		return true
	}
	return false
}

// units is what size bytes cost at per bytes a unit: started units, at least one.
func units(size, per int) float64 { return float64(max(1, (size+per-1)/per)) }

// writesOf lists the items a write call touches.
func (u *ddbUnits) writesOf(ctx context.Context, params any) []ddbWrite {
	var ws []ddbWrite
	add := func(table *string, key, item map[string]ddbtypes.AttributeValue, factor float64) {
		if key == nil {
			key = u.keyOf(ctx, aws.ToString(table), item)
		}
		ws = append(ws, ddbWrite{table: aws.ToString(table), key: key, factor: factor})
	}
	switch p := params.(type) {
	case *dynamodb.PutItemInput:
		add(p.TableName, nil, p.Item, 1)
	case *dynamodb.UpdateItemInput:
		add(p.TableName, p.Key, nil, 1)
	case *dynamodb.DeleteItemInput:
		add(p.TableName, p.Key, nil, 1)
	case *dynamodb.BatchWriteItemInput:
		for table, reqs := range p.RequestItems {
			for _, r := range reqs {
				switch {
				case r.PutRequest != nil:
					add(aws.String(table), nil, r.PutRequest.Item, 1)
				case r.DeleteRequest != nil:
					add(aws.String(table), r.DeleteRequest.Key, nil, 1)
				}
			}
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, t := range p.TransactItems {
			switch {
			case t.Put != nil:
				add(t.Put.TableName, nil, t.Put.Item, 2)
			case t.Update != nil:
				add(t.Update.TableName, t.Update.Key, nil, 2)
			case t.Delete != nil:
				add(t.Delete.TableName, t.Delete.Key, nil, 2)
			case t.ConditionCheck != nil:
				add(t.ConditionCheck.TableName, t.ConditionCheck.Key, nil, 2)
			}
		}
	}
	return ws
}

// describe returns table's keys and indexes, asking DynamoDB once per table.
func (u *ddbUnits) describe(ctx context.Context, table string) *tableKeys {
	if t, ok := u.tables[table]; ok {
		return t
	}
	out, err := u.peek.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		u.err = cmp.Or(u.err, err)
		return &tableKeys{}
	}
	names := func(ks []ddbtypes.KeySchemaElement) []string {
		var n []string
		for _, k := range ks {
			n = append(n, aws.ToString(k.AttributeName))
		}
		return n
	}
	t := &tableKeys{keys: names(out.Table.KeySchema)}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		ix := indexKeys{keys: names(g.KeySchema), projection: ddbtypes.ProjectionTypeAll}
		if g.Projection != nil {
			ix.projection, ix.include = g.Projection.ProjectionType, g.Projection.NonKeyAttributes
		}
		t.indexes = append(t.indexes, ix)
	}
	u.tables[table] = t
	return t
}

// keyOf is the primary key of item in table.
func (u *ddbUnits) keyOf(ctx context.Context, table string, item map[string]ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
	key := map[string]ddbtypes.AttributeValue{}
	for _, n := range u.describe(ctx, table).keys {
		key[n] = item[n]
	}
	return key
}

// item is the item with key in table now; nil when absent.
func (u *ddbUnits) item(ctx context.Context, table string, key map[string]ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
	if key == nil {
		return nil
	}
	out, err := u.peek.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		u.err = cmp.Or(u.err, err)
		return nil
	}
	return out.Item
}

// indexUnits is what a write that turned before into after costs in table's global secondary
// indexes, as DynamoDB bills them: for each index, nothing when the item is in it neither
// before nor after, or when nothing the index holds changed; one write of the projected item
// when it enters, leaves, or changes a projected attribute; two (a delete and a put) when an
// index key changes. A write is 1 WRU per started KB of the projected item (the table's and
// the index's keys, and the projected attributes).
func (u *ddbUnits) indexUnits(ctx context.Context, table string, before, after map[string]ddbtypes.AttributeValue) float64 {
	t := u.describe(ctx, table)
	var wru float64
	for _, ix := range t.indexes {
		project := func(item map[string]ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
			for _, k := range ix.keys {
				if _, ok := item[k]; !ok {
					return nil // sparse: not in the index
				}
			}
			if ix.projection == ddbtypes.ProjectionTypeAll {
				return item
			}
			p := map[string]ddbtypes.AttributeValue{}
			for _, n := range slices.Concat(t.keys, ix.keys, ix.include) {
				if v, ok := item[n]; ok {
					p[n] = v
				}
			}
			return p
		}
		b, a := project(before), project(after)
		sameKey := func() bool {
			for _, k := range ix.keys {
				if !reflect.DeepEqual(b[k], a[k]) {
					return false
				}
			}
			return true
		}
		switch {
		case b == nil && a == nil:
		case b == nil:
			wru += units(ddbItemSize(a), 1024)
		case a == nil:
			wru += units(ddbItemSize(b), 1024)
		case !sameKey():
			wru += units(ddbItemSize(b), 1024) + units(ddbItemSize(a), 1024)
		case !reflect.DeepEqual(b, a):
			wru += units(max(ddbItemSize(b), ddbItemSize(a)), 1024)
		}
	}
	return wru
}

// reads adds the read units of a read call. DynamoDB bills a read on the size of the items
// read, not on what a projection returns, so projected reads are measured on the full items.
func (u *ddbUnits) reads(ctx context.Context, params, result any) {
	consistency := func(strong *bool) float64 {
		if aws.ToBool(strong) {
			return 1
		}
		return 0.5
	}
	switch p := params.(type) {
	case *dynamodb.GetItemInput:
		item := result.(*dynamodb.GetItemOutput).Item
		if p.ProjectionExpression != nil || p.AttributesToGet != nil {
			u.paused(func() { item = u.full(ctx, aws.ToString(p.TableName), p.Key) })
		}
		u.rru += consistency(p.ConsistentRead) * units(ddbItemSize(item), 4096)
	case *dynamodb.QueryInput:
		items := result.(*dynamodb.QueryOutput).Items
		if p.ProjectionExpression != nil || p.AttributesToGet != nil {
			u.paused(func() { items = u.unprojected(ctx, p) })
		}
		total := 0
		for _, it := range items {
			total += ddbItemSize(it)
		}
		u.rru += consistency(p.ConsistentRead) * units(total, 4096)
	case *dynamodb.BatchGetItemInput:
		for table, got := range result.(*dynamodb.BatchGetItemOutput).Responses {
			for _, it := range got {
				u.rru += consistency(p.RequestItems[table].ConsistentRead) * units(ddbItemSize(it), 4096)
			}
		}
	case *dynamodb.TransactGetItemsInput:
		for _, r := range result.(*dynamodb.TransactGetItemsOutput).Responses {
			u.rru += 2 * units(ddbItemSize(r.Item), 4096)
		}
	case *dynamodb.ScanInput:
		total := 0
		for _, it := range result.(*dynamodb.ScanOutput).Items {
			total += ddbItemSize(it)
		}
		u.rru += consistency(p.ConsistentRead) * units(total, 4096)
	}
}

// full is the whole item with key in table.
func (u *ddbUnits) full(ctx context.Context, table string, key map[string]ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
	out, err := u.peek.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		u.err = cmp.Or(u.err, err)
		return nil
	}
	return out.Item
}

var expressionName = regexp.MustCompile(`#[A-Za-z0-9_]+`)

// unprojected repeats the page q read, without its projection.
func (u *ddbUnits) unprojected(ctx context.Context, q *dynamodb.QueryInput) []map[string]ddbtypes.AttributeValue {
	again := *q
	again.ProjectionExpression, again.AttributesToGet, again.Select = nil, nil, ""
	used := map[string]bool{}
	for _, e := range []*string{q.KeyConditionExpression, q.FilterExpression} {
		for _, n := range expressionName.FindAllString(aws.ToString(e), -1) {
			used[n] = true
		}
	}
	again.ExpressionAttributeNames = nil
	for k, v := range q.ExpressionAttributeNames {
		if used[k] {
			if again.ExpressionAttributeNames == nil {
				again.ExpressionAttributeNames = map[string]string{}
			}
			again.ExpressionAttributeNames[k] = v
		}
	}
	out, err := u.peek.Query(ctx, &again)
	if err != nil {
		u.err = cmp.Or(u.err, err)
		return nil
	}
	return out.Items
}

// sqsBilled is the SQS requests a call is billed as: one per started 64 KB of the payload
// sent or received, at least one.
func sqsBilled(params, result any) float64 {
	const chunk = 64 * 1024
	switch p := params.(type) {
	case *sqs.SendMessageInput:
		return units(len(aws.ToString(p.MessageBody))+sqsAttributesSize(p.MessageAttributes), chunk)
	case *sqs.SendMessageBatchInput:
		n := 0
		for _, e := range p.Entries {
			n += len(aws.ToString(e.MessageBody)) + sqsAttributesSize(e.MessageAttributes)
		}
		return units(n, chunk)
	case *sqs.ReceiveMessageInput:
		n := 0
		if out, ok := result.(*sqs.ReceiveMessageOutput); ok && out != nil {
			for _, m := range out.Messages {
				n += len(aws.ToString(m.Body)) + sqsAttributesSize(m.MessageAttributes)
			}
		}
		return units(n, chunk)
	}
	switch params.(type) {
	case *sqs.DeleteMessageInput, *sqs.DeleteMessageBatchInput, *sqs.ChangeMessageVisibilityInput,
		*sqs.ChangeMessageVisibilityBatchInput, *sqs.GetQueueUrlInput, *sqs.GetQueueAttributesInput:
		return 1
	}
	return 0
}

func sqsAttributesSize(attrs map[string]sqstypes.MessageAttributeValue) int {
	n := 0
	for name, a := range attrs {
		n += len(name) + len(aws.ToString(a.DataType)) + len(aws.ToString(a.StringValue)) + len(a.BinaryValue)
	}
	return n
}

// ddbItemSize is an item's size as DynamoDB computes it for capacity units
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
// the UTF-8 length of each attribute name plus the size of its value.
func ddbItemSize(item map[string]ddbtypes.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + ddbValueSize(v)
	}
	return n
}

// ddbValueSize: a string's UTF-8 bytes; a binary's raw bytes; a number 1 byte per two
// significant digits plus 1; null and Boolean 1 byte; a set the sum of its elements; a list
// or map 3 bytes plus, per element, 1 byte, the element's size and (in a map) its name.
func ddbValueSize(v ddbtypes.AttributeValue) int {
	n := 0
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		n = len(v.Value)
	case *ddbtypes.AttributeValueMemberN:
		n = ddbNumberSize(v.Value)
	case *ddbtypes.AttributeValueMemberB:
		n = len(v.Value)
	case *ddbtypes.AttributeValueMemberBOOL, *ddbtypes.AttributeValueMemberNULL:
		n = 1
	case *ddbtypes.AttributeValueMemberSS:
		for _, s := range v.Value {
			n += len(s)
		}
	case *ddbtypes.AttributeValueMemberNS:
		for _, s := range v.Value {
			n += ddbNumberSize(s)
		}
	case *ddbtypes.AttributeValueMemberBS:
		for _, s := range v.Value {
			n += len(s)
		}
	case *ddbtypes.AttributeValueMemberL:
		n = 3
		for _, e := range v.Value {
			n += 1 + ddbValueSize(e)
		}
	case *ddbtypes.AttributeValueMemberM:
		n = 3
		for name, e := range v.Value {
			n += 1 + len(name) + ddbValueSize(e)
		}
	}
	return n
}

// ddbNumberSize: leading and trailing zeroes trimmed, 1 byte per two significant digits,
// plus 1 byte.
func ddbNumberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	digits := strings.Trim(strings.ReplaceAll(s, ".", ""), "0")
	return (len(digits)+1)/2 + 1
}

func TestDynamoDBItemSize(t *testing.T) {
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	num := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberN{Value: v} }
	for _, tc := range []struct {
		name string
		item map[string]ddbtypes.AttributeValue
		want int
	}{
		{"string", map[string]ddbtypes.AttributeValue{"id": s("abc")}, 2 + 3},
		{"utf-8 string", map[string]ddbtypes.AttributeValue{"nome": s("São")}, 4 + 4},
		{"number", map[string]ddbtypes.AttributeValue{"n": num("12345")}, 1 + 3 + 1},
		{"number zeroes trimmed", map[string]ddbtypes.AttributeValue{"n": num("-0.001200")}, 1 + 1 + 1},
		{"bool and null", map[string]ddbtypes.AttributeValue{"b": &ddbtypes.AttributeValueMemberBOOL{Value: true}, "z": &ddbtypes.AttributeValueMemberNULL{Value: true}}, 2 + 2},
		{"empty map", map[string]ddbtypes.AttributeValue{"m": &ddbtypes.AttributeValueMemberM{}}, 1 + 3},
		{"map", map[string]ddbtypes.AttributeValue{"m": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"a": s("xy")}}}, 1 + 3 + 1 + 1 + 2},
		{"list", map[string]ddbtypes.AttributeValue{"l": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{s("ab"), num("7")}}}, 1 + 3 + (1 + 2) + (1 + 2)},
		{"string set", map[string]ddbtypes.AttributeValue{"ss": &ddbtypes.AttributeValueMemberSS{Value: []string{"a", "bc"}}}, 2 + 3},
	} {
		if got := ddbItemSize(tc.item); got != tc.want {
			t.Errorf("%s: size %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := units(1024, 1024); got != 1 {
		t.Errorf("1 KB is %v write units, want 1", got)
	}
	if got := units(1025, 1024); got != 2 {
		t.Errorf("1 KB + 1 byte is %v write units, want 2", got)
	}
	if got := units(0, 1024); got != 1 {
		t.Errorf("an absent item costs %v write units, want 1", got)
	}
}

// The index writes of a table write are billed as DynamoDB documents them: per index, nothing
// when nothing it holds changed, one write when the item enters, leaves or changes a projected
// attribute, two when an index key changes, each by the size of the projected item.
func TestIndexUnits(t *testing.T) {
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	n := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberN{Value: v} }
	u := &ddbUnits{tables: map[string]*tableKeys{"T": {keys: []string{"pk"}, indexes: []indexKeys{
		{keys: []string{"storeShard", "ts"}, projection: ddbtypes.ProjectionTypeInclude, include: []string{"state"}},
		{keys: []string{"sessionKey"}, projection: ddbtypes.ProjectionTypeKeysOnly},
	}}}}
	base := map[string]ddbtypes.AttributeValue{"pk": s("a#1"), "storeShard": s("a#x#1"), "ts": n("1"), "sessionKey": s("a#s"), "state": s("CART"), "history": s("...")}
	with := func(k string, v ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
		m := maps.Clone(base)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	big := strings.Repeat("x", 1500)
	tests := []struct {
		name          string
		before, after map[string]ddbtypes.AttributeValue
		want          float64
	}{
		{"an attribute no index holds", base, with("history", s("more")), 0},
		{"a projected attribute", base, with("state", s("CHECKOUT")), 1},
		{"the sort key of one index", base, with("ts", n("2")), 2},
		{"both indexes' keys", base, with("ts", n("2")), 4},
		{"a new item enters both", nil, base, 2},
		{"a deleted item leaves both", base, nil, 2},
		{"left out of a sparse index", base, with("storeShard", nil), 1},
		{"a large projected item", with("state", s(big)), with("state", s(big+"!")), 2},
	}
	tests[3].after["sessionKey"] = s("a#t")
	for _, tt := range tests {
		if got := u.indexUnits(context.Background(), "T", tt.before, tt.after); got != tt.want {
			t.Errorf("%s: %v index WRU, want %v", tt.name, got, tt.want)
		}
	}
}
