package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// These tests drive the local stack over HTTP as Twilio would: form-encoded deliveries signed
// with the brand's auth token over PUBLIC_BASE_URL + /webhooks/twilio, replies read back from
// the local outbox. One runner serves them all (each test uses customers of its own); they
// run one after another because the runner's worker drains one shared inbound inboundqueue.

var (
	runnerOnce sync.Once
	runnerBase string
	runnerErr  error
	stopRunner func()
	// awsCalls records the runner's AWS calls once it is up (see TestTenantDataOnlyWithTenantSessions).
	awsCalls *awsRecorder
	sidSeq   atomic.Int64
	phoneSeq atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stopRunner != nil {
		stopRunner()
	}
	os.Exit(code)
}

// stack returns the base URL of the shared local runner, starting it on first use.
func stack(t *testing.T) string {
	t.Helper()
	runnerOnce.Do(func() {
		endpoint, tmpl := os.Getenv(emulatortest.EndpointEnv), os.Getenv(emulatortest.TemplateEnv)
		if endpoint == "" || tmpl == "" {
			runnerErr = fmt.Errorf("%s and %s must be set: run through `make test`", emulatortest.EndpointEnv, emulatortest.TemplateEnv)
			return
		}
		port := freePort(t)
		// The runner reaches the emulator through a recorder of every AWS call it makes.
		rec, proxy := newAWSRecorder(t, endpoint)
		awsCalls = rec
		// The runner's clock starts on a Friday evening, when the demo pizzeria is open.
		env := map[string]string{"WABOT_AWS_ENDPOINT": proxy.URL, "WABOT_TEMPLATE": tmpl, "PORT": strconv.Itoa(port),
			"WABOT_NOW": nextFridayEvening().Format(time.RFC3339), "WABOT_BEDROCK_ENDPOINT": startModel()}
		ctx, cancel := context.WithCancel(domain.NewPlatformContext(context.Background()))
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, slog.New(slog.NewJSONHandler(io.Discard, nil)), func(k string) string { return env[k] })
		}()
		stopRunner = func() { cancel(); <-done; proxy.Close(); modelHTTP.Close() }
		runnerBase = "http://127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if resp, err := http.Get(runnerBase + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					// From here on every call is the runtime's (seeding is done).
					rec.on.Store(true)
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		runnerErr = fmt.Errorf("the local runner did not become healthy")
	})
	if runnerErr != nil {
		t.Fatal(runnerErr)
	}
	return runnerBase
}

// nextFridayEvening is 21:00 in São Paulo on the Friday after the next: later than the real
// now, so messages stamped with the real clock are in the runner's past.
func nextFridayEvening() time.Time {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		panic(err)
	}
	t := time.Now().In(sp)
	for t.Weekday() != time.Friday {
		t = t.AddDate(0, 0, 1)
	}
	return time.Date(t.Year(), t.Month(), t.Day()+7, 21, 0, 0, 0, sp)
}

// newCustomer returns a WhatsApp number no other test uses.
func newCustomer() string {
	return fmt.Sprintf("whatsapp:+55119%03d%05d", os.Getpid()%1000, phoneSeq.Add(1))
}

func newSid() string { return fmt.Sprintf("SM%016x%016x", time.Now().UnixNano(), sidSeq.Add(1)) }

type delivery struct {
	params    map[string]string
	signedURL string // default: the runner's PUBLIC_BASE_URL + path
	token     string // default: the brand's token
	signature *string
}

func tokenOf(brandNumber string) string {
	for _, tn := range demo.Tenants() {
		if tn.Client.TwilioPhoneNumber == brandNumber {
			return tn.Twilio.AuthToken
		}
	}
	return "unknown-brand-token"
}

// twilioParams is what Twilio posts for an incoming WhatsApp text message.
func twilioParams(from, to, body string) map[string]string {
	sid := newSid()
	return map[string]string{
		"SmsMessageSid": sid, "MessageSid": sid, "SmsSid": sid, "AccountSid": "AC00000000000000000000000000000001",
		"From": from, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1", "ProfileName": "Cliente Teste",
		"WaId": strings.TrimPrefix(from, "whatsapp:+"), "SmsStatus": "received", "MessageType": "text", "ApiVersion": "2010-04-01",
	}
}

func deliver(t *testing.T, base string, d delivery) int {
	t.Helper()
	form := url.Values{}
	for k, v := range d.params {
		form.Set(k, v)
	}
	signed := d.signedURL
	if signed == "" {
		signed = base + resourcenames.WebhookPath
	}
	token := d.token
	if token == "" {
		token = tokenOf(d.params["To"])
	}
	req, err := http.NewRequest(http.MethodPost, base+resourcenames.WebhookPath, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	switch {
	case d.signature != nil && *d.signature != "":
		req.Header.Set("X-Twilio-Signature", *d.signature)
	case d.signature == nil:
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(token, signed, d.params))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && !strings.Contains(string(body), "<Response") {
		t.Errorf("200 without TwiML: %q", body)
	}
	return resp.StatusCode
}

// say delivers a signed message and fails unless it is accepted.
func say(t *testing.T, base, from, to, body string) map[string]string {
	t.Helper()
	p := twilioParams(from, to, body)
	if code := deliver(t, base, delivery{params: p}); code != 200 {
		t.Fatalf("delivery of %q answered %d", body, code)
	}
	return p
}

type outboxEntry struct {
	To, From, Body string
	At             time.Time
}

func outboxOf(t *testing.T, base, to string) []outboxEntry {
	t.Helper()
	resp, err := http.Get(base + "/dev/outbox?to=" + url.QueryEscape(to))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("outbox answered %d", resp.StatusCode)
	}
	var out []outboxEntry
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitOutbox waits until to has at least n replies and returns them.
func waitOutbox(t *testing.T, base, to string, n int) []outboxEntry {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := outboxOf(t, base, to)
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s got %d replies, want %d: %+v", domain.Mask(to), len(out), n, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func repos(t *testing.T) *dynamo.Repositories {
	t.Helper()
	r, err := dynamo.New(resourcenames.TablesFor(resourcenames.EnvDev), dynamo.FromTenantClients(awsclients.NewStatic(emulatortest.Config(t))))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignatures(t *testing.T) {
	base := stack(t)
	empty := ""
	cases := []struct {
		name string
		d    func() delivery
		want int
	}{
		{"valid", func() delivery { return delivery{params: twilioParams(newCustomer(), demo.BurgerNumber, "hi")} }, 200},
		{"tampered body", func() delivery {
			p := twilioParams(newCustomer(), demo.BurgerNumber, "hi")
			sig := twiliotest.Sign(demo.BurgerToken, base+resourcenames.WebhookPath, p)
			p["Body"] = "hi, and refund me"
			return delivery{params: p, signature: &sig}
		}, 403},
		{"missing signature", func() delivery {
			return delivery{params: twilioParams(newCustomer(), demo.BurgerNumber, "hi"), signature: &empty}
		}, 403},
		{"wrong URL", func() delivery {
			return delivery{params: twilioParams(newCustomer(), demo.BurgerNumber, "hi"), signedURL: "https://wabot.example.com" + resourcenames.WebhookPath}
		}, 403},
		{"another brand's token", func() delivery {
			return delivery{params: twilioParams(newCustomer(), demo.BurgerNumber, "hi"), token: demo.PizzariaToken}
		}, 403},
		{"unknown To", func() delivery {
			return delivery{params: twilioParams(newCustomer(), "whatsapp:+5511990009999", "hi"), token: demo.BurgerToken}
		}, 403}, // like a bad signature: nobody can probe which numbers are brands
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d()
			if got := deliver(t, base, d); got != tc.want {
				t.Fatalf("answered %d, want %d", got, tc.want)
			}
			if tc.want != 200 {
				// Nothing was queued: a later valid message from the same customer is the
				// first one the brand answers.
				say(t, base, d.params["From"], demo.BurgerNumber, "hello")
				if out := waitOutbox(t, base, d.params["From"], 1); len(out) != 1 {
					t.Fatalf("refused delivery was processed: %+v", out)
				}
			}
		})
	}
}

func TestMalformedDelivery(t *testing.T) {
	base := stack(t)
	resp, err := http.Post(base+resourcenames.WebhookPath, "application/x-www-form-urlencoded", strings.NewReader("From=%zz"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("unsigned malformed body: %d, want 403 (signature first)", resp.StatusCode)
	}
	p := twilioParams(newCustomer(), demo.BurgerNumber, "hi")
	delete(p, "MessageSid")
	if got := deliver(t, base, delivery{params: p}); got != 400 {
		t.Errorf("missing MessageSid: %d, want 400", got)
	}
}

func TestReplayedMessageSidProcessedOnce(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	p := twilioParams(from, demo.BurgerNumber, "hi")
	if got := deliver(t, base, delivery{params: p}); got != 200 {
		t.Fatalf("first delivery answered %d, want 200", got)
	}
	// Twilio's retries: 503 while the first delivery's claim is pending (queued, not yet in
	// the conversation), 200 once the worker completed it; never queued again.
	waitClaimsDone(t, demo.BurgerID, []string{p["MessageSid"]})
	for i := range 2 {
		if got := deliver(t, base, delivery{params: p}); got != 200 {
			t.Fatalf("retry %d after processing answered %d, want 200", i+1, got)
		}
	}
	// A later message is a barrier: the customer's messages are processed in order.
	say(t, base, from, demo.BurgerNumber, "are you there?")
	waitOutbox(t, base, from, 2)
	time.Sleep(300 * time.Millisecond)
	if out := outboxOf(t, base, from); len(out) != 2 {
		t.Fatalf("replies %d, want 2 (one per distinct message): %+v", len(out), out)
	}
}

func TestNewCustomerChoosesStore(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	say(t, base, from, demo.PizzariaNumber, "Olá")
	list := waitOutbox(t, base, from, 1)[0]
	if list.From != demo.PizzariaNumber || !strings.Contains(list.Body, "1. Centro") || !strings.Contains(list.Body, "2. Paulista") {
		t.Fatalf("store list: %+v", list)
	}
	say(t, base, from, demo.PizzariaNumber, "2")
	greeting := waitOutbox(t, base, from, 2)[1].Body
	if !strings.Contains(greeting, "Paulista") || !strings.Contains(greeting, "Pizzaria Demo") {
		t.Fatalf("greeting %q must name the brand and the Paulista store", greeting)
	}
	m, err := repos(t).GetMapping(domain.NewPlatformContext(context.Background()), demo.PizzariaID, from)
	if err != nil || m.StoreID != "paulista" {
		t.Fatalf("mapping %+v %v, want store paulista", m, err)
	}
}

func TestInvalidChoiceAskedAgainThenChangeStore(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	say(t, base, from, demo.PizzariaNumber, "boa noite")
	say(t, base, from, demo.PizzariaNumber, "7")
	again := waitOutbox(t, base, from, 2)[1].Body
	if !strings.Contains(again, "1. Centro") {
		t.Fatalf("an invalid choice must show the list again: %q", again)
	}
	say(t, base, from, demo.PizzariaNumber, "paulista")
	if g := waitOutbox(t, base, from, 3)[2].Body; !strings.Contains(g, "Paulista") {
		t.Fatalf("choice by name: %q", g)
	}
	ctx := domain.NewPlatformContext(context.Background())
	r := repos(t)
	before, err := r.GetConversation(ctx, demo.PizzariaID, from)
	if err != nil {
		t.Fatal(err)
	}
	say(t, base, from, demo.PizzariaNumber, "Trocar de loja")
	if l := waitOutbox(t, base, from, 4)[3].Body; !strings.Contains(l, "2. Paulista") {
		t.Fatalf("change of store must list the stores: %q", l)
	}
	say(t, base, from, demo.PizzariaNumber, "1")
	if g := waitOutbox(t, base, from, 5)[4].Body; !strings.Contains(g, "Centro") {
		t.Fatalf("greeting after the change: %q", g)
	}
	m, err := r.GetMapping(ctx, demo.PizzariaID, from)
	if err != nil || m.StoreID != "centro" {
		t.Fatalf("mapping after the change: %+v %v", m, err)
	}
	after, err := r.GetConversation(ctx, demo.PizzariaID, from)
	if err != nil {
		t.Fatal(err)
	}
	if after.SessionID == before.SessionID || after.StoreID != "centro" || after.CurrentState != domain.StateGreeting {
		t.Fatalf("conversation not restarted: before %s/%s, after %s/%s/%s", before.SessionID, before.StoreID, after.SessionID, after.StoreID, after.CurrentState)
	}
}

func TestOneCustomerTwoBrands(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	say(t, base, from, demo.PizzariaNumber, "oi")
	say(t, base, from, demo.BurgerNumber, "hi")
	out := waitOutbox(t, base, from, 2)
	byBrand := map[string]string{}
	for _, e := range out {
		byBrand[e.From] = e.Body
	}
	if !strings.Contains(byBrand[demo.PizzariaNumber], "2. Paulista") {
		t.Errorf("pizzaria must ask for a store in Portuguese: %q", byBrand[demo.PizzariaNumber])
	}
	if b := byBrand[demo.BurgerNumber]; !strings.Contains(b, "Vila Madalena") || !strings.Contains(b, "Welcome") {
		t.Errorf("burger (one store) must greet in English naming the store: %q", b)
	}
	say(t, base, from, demo.PizzariaNumber, "1")
	waitOutbox(t, base, from, 3)
	r := repos(t)
	ctx := domain.NewPlatformContext(context.Background())
	pm, err1 := r.GetMapping(ctx, demo.PizzariaID, from)
	bm, err2 := r.GetMapping(ctx, demo.BurgerID, from)
	if err1 != nil || err2 != nil || pm.StoreID != "centro" || bm.StoreID != "vila-madalena" {
		t.Fatalf("mappings pizzaria %+v (%v), burger %+v (%v)", pm, err1, bm, err2)
	}
	pc, err1 := r.GetConversation(ctx, demo.PizzariaID, from)
	bc, err2 := r.GetConversation(ctx, demo.BurgerID, from)
	if err1 != nil || err2 != nil || pc.Language != domain.PtBR || bc.Language != domain.EnUS || pc.SessionID == bc.SessionID {
		t.Fatalf("conversations not kept apart: %+v / %+v", pc, bc)
	}
}

func TestTenMessagesAtOnceInOrder(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	var sids []string
	for i := 1; i <= 10; i++ {
		p := say(t, base, from, demo.BurgerNumber, fmt.Sprintf("message %d", i))
		sids = append(sids, p["MessageSid"])
	}
	// Messages that wait in the queue together are one burst with one answer: every message
	// is recorded, in order, and answered by at most one reply each.
	got := waitRecorded(t, demo.BurgerID, from, sids)
	if strings.Join(got, ",") != strings.Join(sids[len(sids)-len(got):], ",") {
		t.Fatalf("inbound history %v, want the newest messages in sending order %v", got, sids)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(outboxOf(t, base, from)); n < 1 || n > 10 {
		t.Fatalf("%d replies to 10 messages", n)
	}
}

// waitRecorded waits until every sid was processed (its claim completed by the worker) and
// returns the inbound sids in the customer's history, in history order: the history is
// bounded by size (domain.MaxHistoryBytes), so it holds the newest of them.
func waitRecorded(t *testing.T, clientID, from string, sids []string) []string {
	t.Helper()
	waitClaimsDone(t, clientID, sids)
	c, err := repos(t).GetConversation(domain.NewPlatformContext(context.Background()), clientID, from)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range c.MessageHistory {
		if h.Direction == domain.Inbound {
			got = append(got, h.MessageSid)
		}
	}
	if len(got) == 0 {
		t.Fatalf("no inbound message in the history")
	}
	return got
}

// waitClaimsDone waits until the worker has completed the MessageSid claim of every sid:
// the message is in the conversation (or was parked for good).
func waitClaimsDone(t *testing.T, clientID string, sids []string) {
	t.Helper()
	db := dynamodb.NewFromConfig(emulatortest.Config(t))
	table := resourcenames.TablesFor(resourcenames.EnvDev).Idempotency
	deadline := time.Now().Add(20 * time.Second)
	for _, sid := range sids {
		for {
			out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
				Key: map[string]ddbtypes.AttributeValue{
					resourcenames.AttrPK: &ddbtypes.AttributeValueMemberS{Value: resourcenames.TenantKey(clientID, domain.InboundClaimKey(sid))},
				}})
			if err == nil {
				if st, ok := out.Item["claimState"].(*ddbtypes.AttributeValueMemberS); ok && st.Value == "DONE" {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %s was not processed in time (claim %v, %v)", sid, out, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Ten deliveries racing in at the same moment: each accepted once, none lost, one reply each.
func TestTenMessagesConcurrentlyNothingLost(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	say(t, base, from, demo.BurgerNumber, "hi")
	waitOutbox(t, base, from, 1)
	var wg sync.WaitGroup
	sids := make(chan string, 10)
	for i := 1; i <= 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := twilioParams(from, demo.BurgerNumber, fmt.Sprintf("burst %d", i))
			if code := deliver(t, base, delivery{params: p}); code != 200 {
				t.Errorf("burst %d answered %d", i, code)
			}
			sids <- p["MessageSid"]
		}()
	}
	wg.Wait()
	close(sids)
	var all []string
	for sid := range sids {
		all = append(all, sid)
	}
	seen := map[string]int{}
	recorded := waitRecorded(t, demo.BurgerID, from, all) // every one processed
	for _, sid := range recorded {
		seen[sid]++
	}
	for sid, n := range seen {
		if n != 1 && slices.Contains(all, sid) {
			t.Errorf("message %s recorded %d times, want once", sid, n)
		}
	}
	if n := len(outboxOf(t, base, from)); n < 2 {
		t.Errorf("%d replies: the burst was not answered", n)
	}
}

func TestOptOutAndBackIn(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	say(t, base, from, demo.BurgerNumber, "hi")
	waitOutbox(t, base, from, 1)
	say(t, base, from, demo.BurgerNumber, "Stop")
	confirm := waitOutbox(t, base, from, 2)[1].Body
	say(t, base, from, demo.BurgerNumber, "hello?")
	say(t, base, from, demo.BurgerNumber, "START")
	waitOutbox(t, base, from, 3)
	time.Sleep(300 * time.Millisecond)
	out := outboxOf(t, base, from)
	if len(out) != 3 {
		t.Fatalf("replies %d, want 3 (greeting, opt-out confirmation, opt-in confirmation; nothing while out): %+v", len(out), out)
	}
	if confirm == out[2].Body {
		t.Errorf("opt-in confirmation equals the opt-out one: %q", confirm)
	}
	m, err := repos(t).GetMapping(domain.NewPlatformContext(context.Background()), demo.BurgerID, from)
	if err != nil || m.OptedOut {
		t.Fatalf("after START: %+v %v", m, err)
	}
	say(t, base, from, demo.BurgerNumber, "hi again")
	waitOutbox(t, base, from, 4)
}

// A message that reaches the worker more than 24 hours after it arrived (say, redriven from
// the dead-letter queue a day later) gets no free-text reply: WhatsApp would refuse it
// outside the customer-service window, and replies have no approved template. It is
// refused, counted, and the message is not retried forever.
func TestOutOfWindowReplyRefused(t *testing.T) {
	base := stack(t)
	from := newCustomer()
	say(t, base, from, demo.BurgerNumber, "hi")
	waitOutbox(t, base, from, 1)
	before := stats(t, base).TemplateMissing

	cfg := emulatortest.Config(t)
	client := sqs.NewFromConfig(cfg)
	urlOut, err := client.GetQueueUrl(domain.NewPlatformContext(context.Background()), &sqs.GetQueueUrlInput{QueueName: aws.String(resourcenames.InboundQueue(resourcenames.EnvDev))})
	if err != nil {
		t.Fatal(err)
	}
	in, err := inboundqueue.NewInbound(aws.ToString(urlOut.QueueUrl), func(context.Context, string) (inboundqueue.SendAPI, error) { return client, nil })
	if err != nil {
		t.Fatal(err)
	}
	late := domain.InboundMessage{ClientID: demo.BurgerID, MessageSid: newSid(), From: from, To: demo.BurgerNumber,
		Body: "sent yesterday", ReceivedAt: time.Now().Add(-25 * time.Hour)}
	if err := in.Enqueue(domain.NewPlatformContext(context.Background()), late); err != nil {
		t.Fatal(err)
	}
	// Alone in its turn (a burst with a fresh message would be answered: the window is open).
	deadline := time.Now().Add(20 * time.Second)
	for stats(t, base).TemplateMissing == before {
		if time.Now().After(deadline) {
			t.Fatal("the late message was not processed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	say(t, base, from, demo.BurgerNumber, "and today")
	waitOutbox(t, base, from, 2)
	time.Sleep(300 * time.Millisecond)
	if out := outboxOf(t, base, from); len(out) != 2 {
		t.Fatalf("replies %d, want 2 (none to the late message): %+v", len(out), out)
	}
	if got := stats(t, base).TemplateMissing; got != before+1 {
		t.Fatalf("TemplateMissing %d, want %d", got, before+1)
	}
}

type runnerStats struct{ TemplateMissing int64 }

func stats(t *testing.T, base string) runnerStats {
	t.Helper()
	resp, err := http.Get(base + "/dev/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s runnerStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// configTTL is the local runner's default cache of brand and store configuration.
const configTTL = time.Second

// A customer mapped to a store that operators deactivate is asked to choose an active one;
// a brand that is deactivated stops answering: its number is refused at the webhook like a bad signature (403).
func TestInactiveStoreAndInactiveBrand(t *testing.T) {
	base := stack(t)
	ctx := domain.NewPlatformContext(context.Background())
	r := repos(t)
	from := newCustomer()
	say(t, base, from, demo.PizzariaNumber, "oi")
	say(t, base, from, demo.PizzariaNumber, "1") // Centro
	waitOutbox(t, base, from, 2)

	setStore := func(active bool) {
		t.Helper()
		if _, err := r.UpdateStore(ctx, demo.PizzariaID, "centro", func(s *domain.Store) error { s.IsActive = active; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	setStore(false)
	t.Cleanup(func() { setStore(true); time.Sleep(configTTL + 200*time.Millisecond) })
	time.Sleep(configTTL + 200*time.Millisecond)
	say(t, base, from, demo.PizzariaNumber, "quero pedir")
	ask := waitOutbox(t, base, from, 3)[2].Body
	if !strings.Contains(ask, "Centro") || !strings.Contains(ask, "1. Paulista") || strings.Contains(ask, "2.") {
		t.Fatalf("the customer of an inactive store must be offered the active ones only: %q", ask)
	}
	say(t, base, from, demo.PizzariaNumber, "1")
	if g := waitOutbox(t, base, from, 4)[3].Body; !strings.Contains(g, "Paulista") {
		t.Fatalf("greeting after choosing an active store: %q", g)
	}
	if m, err := r.GetMapping(ctx, demo.PizzariaID, from); err != nil || m.StoreID != "paulista" {
		t.Fatalf("mapping %+v %v", m, err)
	}

	setBrand := func(active bool) {
		t.Helper()
		if _, err := r.UpdateClient(ctx, demo.BurgerID, func(c *domain.Client) error { c.IsActive = active; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	setBrand(false)
	t.Cleanup(func() { setBrand(true); time.Sleep(configTTL + 200*time.Millisecond) })
	time.Sleep(configTTL + 200*time.Millisecond)
	if code := deliver(t, base, delivery{params: twilioParams(newCustomer(), demo.BurgerNumber, "hi")}); code != 403 {
		t.Fatalf("a message to an inactive brand answered %d, want 403 (the same as a bad signature)", code)
	}
}
