package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/localasaas"
	"github.com/wabot-platform/wabot/shared/domain"
)

// chat is one customer talking to the burger brand over signed Twilio webhooks.
type chat struct {
	t        *testing.T
	base     string
	customer string
	seen     int
}

// send delivers body and returns the n replies it gets.
func (c *chat) send(body string, n int) []string {
	c.t.Helper()
	say(c.t, c.base, c.customer, demo.BurgerNumber, body)
	out := waitOutbox(c.t, c.base, c.customer, c.seen+n)
	var got []string
	for _, e := range out[c.seen:] {
		got = append(got, e.Body)
	}
	c.seen = len(out)
	return got
}

// pixOrder takes a new customer to a PIX order's code, the CPF asked for and given as people
// write it, and returns the chat, the order and the code.
func pixOrder(t *testing.T, base string) (*chat, *domain.Order, string) {
	t.Helper()
	c := &chat{t: t, base: base, customer: newCustomer()}
	c.send("hey, 2 cheeseburgers please", 1)
	c.send("thats all", 1)
	c.send("pickup", 1)
	c.send("pix", 1)
	placed := c.send("yes", 2)
	if !strings.Contains(placed[0], "registered") || !strings.Contains(placed[1], "CPF") {
		t.Fatalf("after the confirmation: %q, want the order and the CPF question", placed)
	}
	pay := c.send("ok my cpf is 529.982.247-25", 2)
	r, err := repos(t).GetConversation(domain.NewPlatformContext(t.Context()), demo.BurgerID, c.customer)
	if err != nil {
		t.Fatal(err)
	}
	o, err := repos(t).GetOrder(domain.NewPlatformContext(t.Context()), demo.BurgerID, r.Context["lastOrder"])
	if err != nil {
		t.Fatal(err)
	}
	total := fmt.Sprintf("R$ %d,%02d", o.TotalCents/100, o.TotalCents%100)
	if !strings.Contains(pay[0], "Pix Copia e Cola") || !strings.Contains(pay[0], total) || !strings.Contains(pay[0], "/_local/asaas/i/pay_") {
		t.Errorf("how to pay: %q, want the amount %s and the payment page", pay[0], total)
	}
	if !strings.HasPrefix(pay[1], "000201") || !strings.Contains(pay[1], "6304") {
		t.Errorf("the code message is %q, want the PIX copy-and-paste code alone", pay[1])
	}
	if o.Status != domain.OrderAwaitingPayment || !strings.HasPrefix(o.PaymentID, "pay_") {
		t.Fatalf("order %s payment %q, want AWAITING_PAYMENT with its charge", o.Status, o.PaymentID)
	}
	return c, o, pay[1]
}

// chargesAt lists the local payment provider's charges of an order, as Asaas's API does.
func chargesAt(t *testing.T, base, orderID string) []localasaas.Payment {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+localasaas.MountPath+"/v3/payments?externalReference="+url.QueryEscape(orderID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("access_token", demo.Tenants()[1].Asaas.APIKey)
	req.Header.Set("User-Agent", "wabot-e2e")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list localasaas.List[localasaas.Payment]
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&list) != nil {
		t.Fatalf("payments of %s: %d", orderID, resp.StatusCode)
	}
	return list.Data
}

// control is what `make pay` (and OVERDUE=1) calls.
func control(t *testing.T, base, action, orderID string) (int, localasaas.Outcome) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"payment": orderID, "clientId": demo.BurgerID})
	resp, err := http.Post(base+localasaas.MountPath+"/_control/"+action, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out localasaas.Outcome
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// End to end on the local stack, over signed WhatsApp webhooks: a PIX order is charged once at
// the local payment provider (through the Asaas client), the customer gets the code, the
// charge is paid and the provider calls the payment webhook, the customer is told, and the
// store's queue gets the order exactly once, however often the event comes.
func TestPIXOrderEndToEnd(t *testing.T) {
	base := stack(t)
	if demo.Tenants()[1].Client.ClientID != demo.BurgerID {
		t.Fatal("the demo tenants changed order")
	}
	c, o, code := pixOrder(t, base)
	if pays := chargesAt(t, base, o.OrderID); len(pays) != 1 || pays[0].ID != o.PaymentID || pays[0].Status != "PENDING" {
		t.Fatalf("provider holds %+v, want the one pending charge", pays)
	}
	if got := customerPOS(t, demo.BurgerID, o.StoreID, c.customer); len(got) != 0 {
		t.Fatalf("the kitchen got %d messages before the payment", len(got))
	}
	// Asked again, the customer gets the same code; still one charge.
	if again := c.send("didnt get the pix code, can you send it again?", 2); again[1] != code {
		t.Errorf("code sent again %q, want %q", again[1], code)
	}

	status, out := control(t, base, "pay", o.OrderID)
	if status != 200 || len(out.Deliveries) == 0 || !out.Deliveries[len(out.Deliveries)-1].Delivered {
		t.Fatalf("pay: %d %+v, want the webhook delivered", status, out)
	}
	notice := waitOutbox(t, base, c.customer, c.seen+1)[c.seen]
	c.seen++
	if !strings.Contains(notice.Body, "Payment received") || !strings.Contains(notice.Body, o.OrderID) {
		t.Errorf("notice %q, want the payment received", notice.Body)
	}
	// The same event again (Asaas delivers at least once), and a second pay: nothing more.
	redeliver(t, base, out)
	if status, _ := control(t, base, "pay", o.OrderID); status != http.StatusConflict {
		t.Errorf("paying a paid charge answered %d, want 409", status)
	}
	waitOrder(t, o.OrderID, domain.OrderSentToPOS)
	time.Sleep(500 * time.Millisecond)
	pos := customerPOS(t, demo.BurgerID, o.StoreID, c.customer)
	if len(pos) != 1 || pos[0].Order.OrderID != o.OrderID || pos[0].EventType != domain.EventOrderConfirmed || pos[0].Order.Amounts.TotalCents != o.TotalCents {
		t.Fatalf("the kitchen got %+v, want the order once", pos)
	}
	if extra := outboxOf(t, base, c.customer); len(extra) != c.seen {
		t.Errorf("customer got %d messages, want %d (told once)", len(extra), c.seen)
	}
	if pays := chargesAt(t, base, o.OrderID); len(pays) != 1 || pays[0].Status != "RECEIVED" {
		t.Errorf("provider holds %+v, want one received charge", pays)
	}
}

// An overdue charge cancels the order, the charge is removed so it cannot be paid late, the
// customer is offered to pay again, and nothing reaches the queue.
func TestPIXOverdueCancelsTheOrder(t *testing.T) {
	base := stack(t)
	c, o, _ := pixOrder(t, base)
	status, out := control(t, base, "overdue", o.OrderID)
	if status != 200 || len(out.Deliveries) == 0 || !out.Deliveries[len(out.Deliveries)-1].Delivered {
		t.Fatalf("overdue: %d %+v", status, out)
	}
	notice := waitOutbox(t, base, c.customer, c.seen+1)[c.seen]
	if !strings.Contains(notice.Body, "expired") || !strings.Contains(notice.Body, o.OrderID) {
		t.Errorf("notice %q, want the expiry and the offer to pay again", notice.Body)
	}
	waitOrder(t, o.OrderID, domain.OrderCancelled)
	if pays := chargesAt(t, base, o.OrderID); len(pays) != 0 {
		t.Errorf("provider lists %+v, want the overdue charge removed (deleted charges are not listed)", pays)
	}
	time.Sleep(500 * time.Millisecond)
	if got := customerPOS(t, demo.BurgerID, o.StoreID, c.customer); len(got) != 0 {
		t.Fatalf("the kitchen got %d messages for a cancelled order", len(got))
	}
}

// redeliver posts the last event of out to the payment webhook again, as Asaas would after a
// lost answer: it must be acknowledged and change nothing. The worker completes the event's
// claim after it has processed the event (the customer may already have the notice), so a
// redelivery just before that is answered 503 ("in flight"), which Asaas retries later; so
// does this, for a few seconds.
func redeliver(t *testing.T, base string, out localasaas.Outcome) {
	t.Helper()
	last := out.Deliveries[len(out.Deliveries)-1]
	ev := map[string]any{"id": last.EventID, "event": last.Event, "payment": out.Payment}
	body, _ := json.Marshal(ev)
	post := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/asaas/"+demo.BurgerID, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("asaas-access-token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	status := post(demo.Tenants()[1].Asaas.WebhookToken)
	for deadline := time.Now().Add(5 * time.Second); status == http.StatusServiceUnavailable && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		status = post(demo.Tenants()[1].Asaas.WebhookToken)
	}
	if status != 200 {
		t.Errorf("redelivered event answered %d, want 200", status)
	}
	if status := post("wrong-token-wrong-token-wrong-token!"); status != 401 {
		t.Errorf("a wrong token answered %d, want 401", status)
	}
}

// waitOrder waits until the order has status.
func waitOrder(t *testing.T, orderID string, status domain.OrderStatus) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		o, err := repos(t).GetOrder(domain.NewPlatformContext(t.Context()), demo.BurgerID, orderID)
		if err == nil && o.Status == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s: %+v %v, want %s", orderID, o, err, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
