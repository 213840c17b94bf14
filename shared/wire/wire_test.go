package wire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/dev/localoutbox"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
	"github.com/wabot-platform/wabot/shared/wire"
)

const publicBase = "https://hooks.wabot.test"

// fixture is the platform as a Lambda wires it, against the emulator: the dev template's
// tables, the inbound queue and the brands' secrets (under names of this test's own), the
// demo brands seeded, and an AWS call counter on every SDK client.
type fixture struct {
	rt       *wire.Runtime
	hook     *twiliohook.Handler
	calls    *awsclients.CallCounter
	customer string
	token    string // the pizzaria's auth token, which signs deliveries
	queueURL string
	sqs      *sqs.Client
	seq      atomic.Int64
	// posQueues are the stores' POS queues by storeId.
	posQueues map[string]string
	phones    atomic.Int64
}

// burger sends body from phone to Burger Demo, whose store is open around the clock.
func (f *fixture) burger(tb testing.TB, phone, body string) {
	tb.Helper()
	m := domain.InboundMessage{Version: 1, ClientID: demo.BurgerID, MessageSid: f.sid(), From: phone,
		To: demo.BurgerNumber, Body: body, ProfileName: "Ana", ReceivedAt: time.Now().UTC()}
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
	tb.Cleanup(func() { _, _ = q.DeleteQueue(domain.NewPlatformContext(context.Background()), &sqs.DeleteQueueInput{QueueUrl: created.QueueUrl}) })
	// The brands' secrets, named for this test's environment, as the template declares them.
	tmpl := &emulator.Template{Resources: map[string]emulator.Resource{}}
	for _, tn := range demo.Tenants() {
		tmpl.Resources["S"+tn.Client.ClientID] = emulator.Resource{Type: "AWS::SecretsManager::Secret",
			Properties: map[string]any{"Name": resourcenames.TwilioSecret(env, tn.Client.ClientID)}}
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
			tb.Cleanup(func() { _, _ = q.DeleteQueue(domain.NewPlatformContext(context.Background()), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}) })
		}
	}
	calls := awsclients.CountCalls(&cfg)
	box, err := localoutbox.New(localoutbox.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		tb.Fatal(err)
	}
	opts := wire.Options{Messenger: box, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tw != nil {
		opts.Messenger, opts.TwilioHTTPClient = nil, tw.Client()
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
	f := &fixture{rt: rt, hook: hook, calls: calls, customer: fmt.Sprintf("whatsapp:+5511955%06d", time.Now().UnixNano()%1000000),
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
		To: demo.PizzariaNumber, Body: body, ProfileName: "Maria", ReceivedAt: time.Now().UTC()}
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
	measure(b, f.calls, func(i int) {
		if r := f.hook.Handle(ctx, reqs[i]); r.Status != 200 {
			b.Fatalf("answered %d", r.Status)
		}
	})
}

func BenchmarkWorkerTurnKnownCustomer(b *testing.B) {
	f := newFixture(b)
	ctx := domain.NewPlatformContext(context.Background())
	f.known(b)
	msgs := make([]domain.InboundMessage, b.N)
	for i := range msgs {
		msgs[i] = f.message("Vocês entregam no Jardins?")
	}
	measure(b, f.calls, func(i int) {
		if err := f.rt.Conversation.Handle(ctx, msgs[i]); err != nil {
			b.Fatal(err)
		}
	})
}

// A customer who knows the menu adds and removes items: each operation is one cart turn
// (the menu cache warm).
func BenchmarkWorkerTurnMenuAndCart(b *testing.B) {
	f := newFixture(b)
	phone := f.newPhone()
	f.burger(b, phone, "hi")
	f.burger(b, phone, "menu")
	says := []string{"2 cheese burgers with bacon and a coke", "remove the coke", "1 fries", "take out the fries", "can I see my cart"}
	measure(b, f.calls, func(i int) { f.burger(b, phone, says[i%len(says)]) })
}

// The confirming turn of a checkout: the order created, published to the store's POS queue
// and marked sent, the conversation written, the reply sent. Each operation has a customer
// of its own, brought to the confirmation outside the measurement.
func BenchmarkWorkerTurnCheckout(b *testing.B) {
	f := newFixture(b)
	phones := make([]string, b.N)
	var cpu time.Duration
	var calls, ddb, sqsCalls int
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		phones[i] = f.newPhone()
		for _, body := range []string{"hi", "1 classic burger with bacon and 1 fries", "checkout", "pickup", "credit card"} {
			f.burger(b, phones[i], body)
		}
		f.calls.Reset()
		start := cpuTime()
		b.StartTimer()
		f.burger(b, phones[i], "yes")
		b.StopTimer()
		cpu += cpuTime() - start
		calls += f.calls.Total("")
		ddb += f.calls.Total("DynamoDB")
		sqsCalls += f.calls.Total("SQS")
		if got := f.drain(b, "vila-madalena"); got != 1 {
			b.Fatalf("the POS queue got %d messages for one order", got)
		}
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(calls)/float64(b.N), "aws-calls/op")
	b.ReportMetric(float64(ddb)/float64(b.N), "dynamodb-calls/op")
	b.ReportMetric(float64(sqsCalls)/float64(b.N), "sqs-calls/op")
}

// measure runs op b.N times (inputs prepared beforehand) and reports time, CPU,
// allocations and AWS calls per operation.
func measure(b *testing.B, calls *awsclients.CallCounter, op func(i int)) {
	calls.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		op(i)
	}
	b.StopTimer()
	report(b, calls, cpuTime()-cpu)
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

// report adds the CPU time and the AWS calls per operation, in all and by service.
func report(b *testing.B, c *awsclients.CallCounter, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(c.Total(""))/float64(b.N), "aws-calls/op")
	b.ReportMetric(float64(c.Total("DynamoDB"))/float64(b.N), "dynamodb-calls/op")
	b.ReportMetric(float64(c.Total("SQS"))/float64(b.N), "sqs-calls/op")
	b.ReportMetric(float64(c.Total("Secrets Manager"))/float64(b.N), "secrets-calls/op")
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
