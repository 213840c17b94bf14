package admin_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/bedrock"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/wire"
)

// A test chat runs the real engine for a sandbox customer: an order placed there is marked as
// a test, never reaches the store's point of sale, and nothing is sent through Twilio.
func TestSandboxOrderNeverReachesThePOS(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	path := "/admin/v1/brands/demo-burger/sandbox/messages"
	var last conversation.SandboxResult
	for _, msg := range []string{
		"hey there",
		"2 cheeseburgers with bacon and a lemonade pls",
		"thats all, checkout",
		"pickup",
		"credit card",
		"yes",
	} {
		res := f.do(t, "POST", path, tok, map[string]any{"storeId": "vila-madalena", "text": msg})
		if res.status != 200 {
			t.Fatalf("%q: %d %s", msg, res.status, res.body)
		}
		last = conversation.SandboxResult{}
		res.json(t, &last)
		if len(last.Replies) == 0 {
			t.Fatalf("%q: no reply", msg)
		}
	}
	if last.Order == nil {
		t.Fatalf("no order placed; last replies %q", last.Replies)
	}
	o := last.Order
	if !o.Test || o.TotalCents != 2*(3500+600)+1000 || !domain.IsSandboxNumber(o.CustomerPhone) {
		t.Errorf("order %+v", o)
	}
	if o.Status == domain.OrderSentToPOS {
		t.Errorf("a test order was sent to the POS: %+v", o.StatusHistory)
	}
	// The store's queue is empty: receive with a wait, so a late publish would be seen.
	out, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.pos["vila-madalena"]),
		MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Errorf("%d messages reached the POS queue", len(out.Messages))
	}
	// Nothing went to a customer: the outbox (Twilio's stand-in) has no message for anyone.
	if n := f.outbox.Len(); n != 0 {
		t.Errorf("%d messages sent through the messenger", n)
	}
	// The stored order says test; the brand's real order list still shows it, marked.
	var got domain.Order
	f.do(t, "GET", "/admin/v1/brands/demo-burger/orders/"+o.OrderID, tok, nil).json(t, &got)
	if !got.Test {
		t.Errorf("stored order %+v", got)
	}
	// The store's order list keeps test orders apart unless asked for.
	var list admin.OrderList
	f.do(t, "GET", "/admin/v1/brands/demo-burger/stores/vila-madalena/orders", tok, nil).json(t, &list)
	for _, x := range list.Orders {
		if x.OrderID == o.OrderID {
			t.Errorf("the test order is in the store's order list")
		}
	}
	list = admin.OrderList{}
	f.do(t, "GET", "/admin/v1/brands/demo-burger/stores/vila-madalena/orders?tests=true", tok, nil).json(t, &list)
	if !slices.ContainsFunc(list.Orders, func(x domain.Order) bool { return x.OrderID == o.OrderID && x.Test }) {
		t.Errorf("tests=true does not list the test order")
	}
	// The operator reads their test conversation back (the test chat's page on load), and
	// only their own: another operator's is not theirs.
	sandbox := func(token string) *domain.Conversation {
		t.Helper()
		res := f.do(t, "GET", "/admin/v1/brands/demo-burger/sandbox", token, nil)
		if res.status != 200 {
			t.Fatalf("GET sandbox: %d %s", res.status, res.body)
		}
		var v admin.SandboxView
		res.json(t, &v)
		return v.Conversation
	}
	conv := sandbox(tok)
	if conv == nil {
		t.Fatal("GET sandbox: no conversation after the chat")
	}
	if conv.CurrentState != last.StateAfter || !domain.IsSandboxNumber(conv.PhoneNumber) || len(conv.MessageHistory) == 0 {
		t.Errorf("GET sandbox: state %q (last turn %q), phone %s, %d messages", conv.CurrentState, last.StateAfter, conv.PhoneNumber, len(conv.MessageHistory))
	}
	if other := sandbox(f.platform(t)); other != nil && other.PhoneNumber == conv.PhoneNumber {
		t.Errorf("another operator reads this operator's test conversation")
	}
	// Reset starts over: the next message is a first one.
	if res := f.do(t, "DELETE", "/admin/v1/brands/demo-burger/sandbox", tok, nil); res.status != 204 {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	if after := sandbox(tok); after != nil {
		t.Errorf("GET sandbox after reset: %+v", after)
	}
	res := f.do(t, "POST", path, tok, map[string]any{"storeId": "vila-madalena", "text": "hi"})
	var again conversation.SandboxResult
	res.json(t, &again)
	if again.StateBefore != "" || !strings.Contains(strings.Join(again.Replies, "\n"), "Welcome") {
		t.Errorf("after reset: before %q, replies %q", again.StateBefore, again.Replies)
	}
}

// The operator's actions reach the customer's conversation: hand off (the bot goes quiet),
// a person's message (through the messenger), resume.
func TestOperatorActions(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	conv := "/admin/v1/brands/demo-burger/customers/%2B5511977770002/conversation"
	var v admin.ConversationView
	res := f.do(t, "POST", conv+"/handoff", tok, nil)
	res.json(t, &v)
	if res.status != 200 || v.Conversation.CurrentState != domain.StateHandoff {
		t.Fatalf("handoff: %d %s", res.status, res.body)
	}
	res = f.do(t, "POST", conv+"/messages", tok, map[string]any{"body": "Oi, aqui é a Ana da loja!"})
	if res.status != 200 {
		t.Fatalf("operator message: %d %s", res.status, res.body)
	}
	if got := f.outbox.List(burgerCustomer); len(got) != 1 || got[0].Body != "Oi, aqui é a Ana da loja!" {
		t.Errorf("the customer got %q", got)
	}
	res = f.do(t, "POST", conv+"/resume", tok, nil)
	v = admin.ConversationView{}
	res.json(t, &v)
	if res.status != 200 || v.Conversation.CurrentState == domain.StateHandoff {
		t.Fatalf("resume: %d %s", res.status, res.body)
	}
	if res := f.do(t, "DELETE", conv, tok, nil); res.status != 204 {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	if res := f.do(t, "GET", conv, tok, nil); res.status != 404 {
		t.Errorf("after reset: %d", res.status)
	}
}

// The test chat with a model (the admin function's Bedrock adapter, here against a scripted
// Converse server): a free-text question is the model's, and the answer says what it cost
// ("model"); a greeting is the rules' (no "model"). The brand's metrics show the model's
// calls and tokens, and none of the chat's traffic.
func TestSandboxReportsTheModel(t *testing.T) {
	const answer = "Yes, we deliver there! Want to see the menu?"
	srv := localmodel.NewServer(localmodel.NewScript().
		OnUser("pinheiros", localmodel.Call("store_info", map[string]any{"topic": "delivery_area"})).
		OnTool("store_info", localmodel.Say(answer)))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f := newFixtureOpts(t, nil, func(o *wire.Options) {
		o.Model = bedrock.New(bedrock.ClientsFrom(awsclients.NewStatic(emulatortest.Config(t)), hs.URL))
	})
	profile := "arn:aws:bedrock:sa-east-1:111111111111:application-inference-profile/demoburger01"
	if _, err := f.repos.UpdateClient(domain.NewPlatformContext(context.Background()), demo.BurgerID, func(c *domain.Client) error {
		c.InferenceProfileARN = profile // what the brand's registration writes in AWS
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tok := f.brandAdmin(t, demo.BurgerID)
	path := "/admin/v1/brands/demo-burger/sandbox/messages"
	send := func(text string) map[string]json.RawMessage {
		t.Helper()
		res := f.do(t, "POST", path, tok, map[string]any{"storeId": "vila-madalena", "text": text})
		if res.status != 200 {
			t.Fatalf("%q: %d %s", text, res.status, res.body)
		}
		var m map[string]json.RawMessage
		res.json(t, &m)
		return m
	}

	if m := send("hi"); m["model"] != nil {
		t.Errorf("a greeting reports a model: %s", m["model"])
	}
	m := send("do you deliver to pinheiros?")
	var replies []string
	_ = json.Unmarshal(m["replies"], &replies)
	if len(replies) != 1 || replies[0] != answer {
		t.Errorf("replies %q, want the model's", replies)
	}
	// The exact shape the admin UI reads.
	var model map[string]any
	if err := json.Unmarshal(m["model"], &model); err != nil {
		t.Fatalf("model %s: %v", m["model"], err)
	}
	keys := slices.Sorted(maps.Keys(model))
	if want := []string{"cacheReadTokens", "cacheWriteTokens", "cached", "calls", "fallback", "inputTokens", "outputTokens", "tools"}; !slices.Equal(keys, want) {
		t.Errorf("model keys %v, want %v", keys, want)
	}
	var mo conversation.SandboxModel
	_ = json.Unmarshal(m["model"], &mo)
	if mo.Calls != 2 || !slices.Equal(mo.Tools, []string{"store_info"}) || mo.InputTokens <= 0 || mo.OutputTokens <= 0 || mo.Fallback || mo.Cached {
		t.Errorf("model %s", m["model"])
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].ModelID != profile {
		t.Fatalf("%d model calls (want 2), to %q (want the brand's profile)", len(reqs), reqs[0].ModelID)
	}

	// The brand's counters (written at the end of each request): the model's usage only.
	var view admin.MetricsView
	if res := f.do(t, "GET", "/admin/v1/brands/demo-burger/metrics", tok, nil); res.status != 200 {
		t.Fatalf("metrics: %d %s", res.status, res.body)
	} else {
		res.json(t, &view)
	}
	want := domain.Counts{ModelCalls: 2, ModelInputTokens: mo.InputTokens, ModelOutputTokens: mo.OutputTokens,
		ModelCacheReadTokens: mo.CacheReadTokens, ModelCacheWriteTokens: mo.CacheWriteTokens}
	if view.Totals != want {
		t.Errorf("the brand's metrics %+v, want the test chat's model usage only %+v", view.Totals, want)
	}
}
