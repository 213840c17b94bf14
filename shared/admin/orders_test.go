package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/posqueue"
	"github.com/wabot-platform/wabot/shared/posqueue/postest"
)

// cancelPath is the cancel route of one of demo-burger's orders.
func cancelPath(orderID string) string {
	return "/admin/v1/brands/demo-burger/orders/" + orderID + "/cancel"
}

// uniqueOrderID is an order id no other test uses.
func uniqueOrderID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

// sentOrder stores an order of demo-burger's customer that was confirmed and handed to the
// store's POS (card, paid at the door).
func (f *fixture) sentOrder(t *testing.T, orderID string) {
	t.Helper()
	ctx := domain.NewContextWithTenant(t.Context(), demo.BurgerID)
	now := time.Now().UTC().Add(-10 * time.Minute)
	o := &domain.Order{ClientID: demo.BurgerID, OrderID: orderID, StoreID: "vila-madalena", CustomerPhone: burgerCustomer, SessionID: "s1",
		Lines: []domain.OrderLine{{ItemID: "x-burger", Name: "X-Burger", Quantity: 1, UnitPriceCents: 2990}}, SubtotalCents: 2990, TotalCents: 2990,
		Fulfillment: domain.FulfillmentPickup, PaymentMethod: domain.PaymentCredit, Status: domain.OrderSentToPOS,
		StatusHistory: []domain.StatusChange{{Status: domain.OrderCreated, At: now}, {Status: domain.OrderConfirmed, At: now.Add(time.Minute)},
			{Status: domain.OrderSentToPOS, At: now.Add(2 * time.Minute)}},
		CreatedAt: now}
	if err := f.repos.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
}

// posMessages drains the store's POS queue and returns the bodies of its messages.
func (f *fixture) posMessages(t *testing.T, storeID string) []string {
	t.Helper()
	var bodies []string
	for range 3 {
		out, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.pos[storeID]),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			_, _ = f.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(f.pos[storeID]), ReceiptHandle: m.ReceiptHandle})
		}
		if len(out.Messages) == 0 && len(bodies) > 0 {
			break
		}
	}
	return bodies
}

// The cancel route's refusals come from the API itself, before the engine is asked: a
// reason is required (1 to 200 characters), the order must exist, viewers write nothing.
func TestCancelOrderRefusals(t *testing.T) {
	f := newFixture(t)
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	id := uniqueOrderID("refuse")
	f.order(t, demo.BurgerID, "vila-madalena", burgerCustomer, id)
	tok := f.brandAdmin(t, demo.BurgerID)
	for name, body := range map[string]any{
		"no reason":    map[string]any{},
		"empty reason": map[string]any{"reason": ""},
		"blank reason": map[string]any{"reason": "   \n "},
		"too long":     map[string]any{"reason": strings.Repeat("é", 201)},
	} {
		res := f.do(t, "POST", cancelPath(id), tok, body)
		if res.status != 422 {
			t.Errorf("%s: %d, want 422: %s", name, res.status, res.body)
			continue
		}
		if fields := fieldsOf(res.problem(t)); !slices.Contains(fields, "reason") {
			t.Errorf("%s: fields %v, want reason", name, fields)
		}
	}
	if res := f.do(t, "POST", cancelPath(id), tok, map[string]any{"reason": "ok", "refund": false}); res.status != 400 {
		t.Errorf("an unknown member: %d, want 400: %s", res.status, res.body)
	}
	if res := f.do(t, "POST", cancelPath("no-such-order"), tok, map[string]any{"reason": "Cliente desistiu"}); res.status != 404 {
		t.Errorf("an unknown order: %d, want 404: %s", res.status, res.body)
	}
	if res := f.do(t, "POST", cancelPath(id), f.viewer(t, demo.BurgerID), map[string]any{"reason": "Cliente desistiu"}); res.status != 403 {
		t.Errorf("a viewer: %d, want 403: %s", res.status, res.body)
	}
	// Another brand's admin does not learn that the order exists.
	if res := f.do(t, "POST", cancelPath(id), f.brandAdmin(t, demo.PizzariaID), map[string]any{"reason": "Cliente desistiu"}); res.status != 404 {
		t.Errorf("pizzaria's admin: %d, want 404: %s", res.status, res.body)
	}
	// Nothing changed, nothing was audited.
	var o domain.Order
	f.do(t, "GET", "/admin/v1/brands/demo-burger/orders/"+id, tok, nil).json(t, &o)
	if o.Status != domain.OrderCreated {
		t.Errorf("a refused cancellation changed the order: %s", o.Status)
	}
	var list admin.AuditList
	f.do(t, "GET", "/admin/v1/brands/demo-burger/audit", tok, nil).json(t, &list)
	for _, r := range list.Records {
		if r.Action == "order.cancel" {
			t.Errorf("a refused cancellation was audited: %+v", r)
		}
	}
}

// The cancel route's contract with the engine (Operator.CancelOrder): an order not yet
// cancelled is cancelled with the reason, the customer is told, the change is audited; a
// second cancellation answers the order unchanged; an order that never reached the POS sends
// it nothing.
func TestCancelOrder(t *testing.T) {
	f := newFixture(t)
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	id := uniqueOrderID("unsent")
	f.order(t, demo.BurgerID, "vila-madalena", burgerCustomer, id)
	tok := f.brandAdmin(t, demo.BurgerID)
	told := len(f.outbox.List(burgerCustomer))

	res := f.do(t, "POST", cancelPath(id), tok, map[string]any{"reason": "  Cliente pediu por telefone  "})
	if res.status != 200 {
		t.Fatalf("cancel: %d %s", res.status, res.body)
	}
	var o domain.Order
	res.json(t, &o)
	if o.OrderID != id || o.Status != domain.OrderCancelled {
		t.Fatalf("answered %+v, want order %s CANCELLED", o, id)
	}
	last := o.StatusHistory[len(o.StatusHistory)-1]
	// The engine may frame the reason ("cancelled by an operator: ..."); it keeps it whole.
	if last.Status != domain.OrderCancelled || !strings.Contains(last.Reason, "Cliente pediu por telefone") || strings.Contains(last.Reason, "  ") {
		t.Errorf("last history entry %+v, want CANCELLED with the trimmed reason", last)
	}
	var stored domain.Order
	f.do(t, "GET", "/admin/v1/brands/demo-burger/orders/"+id, tok, nil).json(t, &stored)
	if stored.Status != domain.OrderCancelled || stored.Version != o.Version {
		t.Errorf("stored %s v%d, answered v%d", stored.Status, stored.Version, o.Version)
	}
	if n := len(f.outbox.List(burgerCustomer)); n <= told {
		t.Errorf("the customer was not told: %d messages before, %d after", told, n)
	}
	// It never reached the POS: nothing goes there.
	if bodies := f.posMessages(t, "vila-madalena"); len(bodies) != 0 {
		t.Errorf("the cancellation of an order the POS never had sent %d messages: %q", len(bodies), bodies)
	}

	// Again: 200 with the order as it is.
	res = f.do(t, "POST", cancelPath(id), tok, map[string]any{"reason": "de novo"})
	var again domain.Order
	res.json(t, &again)
	if res.status != 200 || again.Status != domain.OrderCancelled || again.Version != o.Version || len(again.StatusHistory) != len(o.StatusHistory) {
		t.Errorf("cancelling again: %d v%d (want v%d), history %d entries (want %d)", res.status, again.Version, o.Version,
			len(again.StatusHistory), len(o.StatusHistory))
	}

	// The audit says who cancelled what, with the status before and after, no number.
	var list admin.AuditList
	f.do(t, "GET", "/admin/v1/brands/demo-burger/audit", tok, nil).json(t, &list)
	var rec *domain.AuditRecord
	for i, r := range list.Records {
		if r.Action == "order.cancel" && strings.HasSuffix(r.Target, "/orders/"+id) && strings.Contains(string(r.After), "Cliente pediu por telefone") {
			rec = &list.Records[i]
		}
	}
	if rec == nil {
		t.Fatalf("no order.cancel record of %s in %d records", id, len(list.Records))
	}
	var before, after map[string]any
	_ = json.Unmarshal(rec.Before, &before)
	_ = json.Unmarshal(rec.After, &after)
	if before["status"] != string(domain.OrderCreated) || after["status"] != string(domain.OrderCancelled) {
		t.Errorf("audit before %s after %s, want CREATED then CANCELLED", rec.Before, rec.After)
	}
	if raw := string(rec.Before) + string(rec.After) + rec.Target; strings.Contains(raw, "977770002") {
		t.Errorf("the audit holds the customer's number: %s", raw)
	}
}

// An order the store's POS received is cancelled there too: order.cancelled, valid under
// the published contract, deduplicated by orderId:order.cancelled.
func TestCancelOrderTellsThePOS(t *testing.T) {
	f := newFixture(t)
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	id := uniqueOrderID("sent")
	f.sentOrder(t, id)
	f.posMessages(t, "vila-madalena") // whatever an earlier step left
	res := f.do(t, "POST", cancelPath(id), f.brandAdmin(t, demo.BurgerID), map[string]any{"reason": "Loja sem gás"})
	if res.status != 200 {
		t.Fatalf("cancel: %d %s", res.status, res.body)
	}
	bodies := f.posMessages(t, "vila-madalena")
	if len(bodies) != 1 {
		t.Fatalf("%d messages on the POS queue, want the cancellation: %q", len(bodies), bodies)
	}
	if err := postest.Validate(t, []byte(bodies[0])); err != nil {
		t.Errorf("the cancellation breaks the contract: %v\n%s", err, bodies[0])
	}
	var m posqueue.Message
	if err := json.Unmarshal([]byte(bodies[0]), &m); err != nil {
		t.Fatal(err)
	}
	if m.EventType != domain.EventOrderCancelled || m.EventID != posqueue.EventID(id, domain.EventOrderCancelled) || m.Order.OrderID != id ||
		m.Cancellation == nil || !strings.Contains(m.Cancellation.Reason, "Loja sem gás") || m.Cancellation.Refunded != nil {
		t.Errorf("message %+v, want order.cancelled of %s with the reason and no refund (paid at the door)", m, id)
	}
}

// A test order (the test chat's) is cancelled like any other, and never reaches a POS.
func TestCancelTestOrder(t *testing.T) {
	f := newFixture(t)
	id := uniqueOrderID("test")
	ctx := domain.NewContextWithTenant(t.Context(), demo.BurgerID)
	now := time.Now().UTC()
	o := &domain.Order{ClientID: demo.BurgerID, OrderID: id, StoreID: "vila-madalena", CustomerPhone: domain.SandboxNumber("sub-brand-admin-demo-burger"),
		SessionID: "s1", Test: true,
		Lines: []domain.OrderLine{{ItemID: "x-burger", Name: "X-Burger", Quantity: 1, UnitPriceCents: 2990}}, SubtotalCents: 2990, TotalCents: 2990,
		Fulfillment: domain.FulfillmentPickup, PaymentMethod: domain.PaymentCredit, Status: domain.OrderCreated,
		StatusHistory: []domain.StatusChange{{Status: domain.OrderCreated, At: now}}, CreatedAt: now}
	if err := f.repos.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	f.posMessages(t, "vila-madalena")
	res := f.do(t, "POST", cancelPath(id), f.brandAdmin(t, demo.BurgerID), map[string]any{"reason": "teste"})
	var got domain.Order
	res.json(t, &got)
	if res.status != 200 || got.Status != domain.OrderCancelled || !got.Test {
		t.Fatalf("cancel a test order: %d %s", res.status, res.body)
	}
	if bodies := f.posMessages(t, "vila-madalena"); len(bodies) != 0 {
		t.Errorf("a test order's cancellation reached the POS: %q", bodies)
	}
}
