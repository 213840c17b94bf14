package admin_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
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
	// Reset starts over: the next message is a first one.
	if res := f.do(t, "DELETE", "/admin/v1/brands/demo-burger/sandbox", tok, nil); res.status != 204 {
		t.Fatalf("reset: %d %s", res.status, res.body)
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
