package conversation_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/posqueue"
)

// metered replaces e's service with one over the same parts that counts into a Memory.
func (e *env) metered() *metrics.Memory {
	e.t.Helper()
	pub, err := posqueue.New(func(context.Context, string) (posqueue.SendAPI, error) { return e.sqs, nil }, e.clock.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	rec := &metrics.Memory{}
	svc, err := conversation.New(conversation.Deps{
		Clients: e.repos, Stores: e.repos, Mappings: e.repos, Conversations: e.convs, Idempotency: e.repos,
		Menus: e.repos, Orders: e.repos, Publisher: pub, Messenger: e.out, Now: e.clock.Now,
		NewSessionID: func() string { return fmt.Sprintf("session-%d", e.sessions.Add(1)) },
		Logger:       slog.New(slog.NewJSONHandler(e.logs, nil)),
		Metrics:      rec,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
	return rec
}

// Replies count MessagesOut by brand, and by store once the customer has one; an order
// handed to the POS counts Orders for its store; a failed send counts TwilioSendFailures
// for the customer's store.
func TestMetricsOfATurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.metered()
	e.clock.Set(friday(21, 0))
	pizzaria := metrics.Dims{ClientID: demo.PizzariaID}
	paulista := metrics.Dims{ClientID: demo.PizzariaID, StoreID: "paulista"}

	phone := customer(901)
	replies := len(e.say(demo.PizzariaID, phone, "oi")) // the store list: no store yet
	if got := rec.Sum(metrics.MessagesOut, pizzaria); got != 1 || replies != 1 {
		t.Errorf("MessagesOut{pizzaria} = %v after the store list (%d replies), want 1; points %+v", got, replies, rec.Points())
	}
	replies += len(e.say(demo.PizzariaID, phone, "2"))
	if got := rec.Sum(metrics.MessagesOut, paulista); got != 1 {
		t.Errorf("MessagesOut{pizzaria, paulista} = %v after the choice, want 1; points %+v", got, rec.Points())
	}
	for _, body := range []string{"quero duas calabresas medias e uma coca", "pode fechar o pedido?", "entrega",
		"Rua Augusta, 500 ap 12 - Consolação", "cartao de credito", "sim"} {
		replies += len(e.say(demo.PizzariaID, phone, body))
	}
	if o := e.order(demo.PizzariaID, lastOrder(e, demo.PizzariaID, phone)); o.Status != domain.OrderSentToPOS {
		t.Fatalf("order %s is %s, want it sent to the POS", o.OrderID, o.Status)
	}
	if got := rec.Total(metrics.Orders); got != 1 || rec.Sum(metrics.Orders, paulista) != 1 {
		t.Errorf("Orders = %v, want 1 for paulista; points %+v", got, rec.Points())
	}
	if got := rec.Total(metrics.MessagesOut); got != float64(replies) {
		t.Errorf("MessagesOut total %v, want one per message sent (%d)", got, replies)
	}

	e.out.failNext(1)
	if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), e.msg(demo.PizzariaID, phone, "oi")); err == nil {
		t.Fatal("a failed send did not fail the turn")
	}
	if got := rec.Sum(metrics.TwilioSendFailures, paulista); got != 1 {
		t.Errorf("TwilioSendFailures{pizzaria, paulista} = %v, want 1; points %+v", got, rec.Points())
	}
	if got := rec.Total(metrics.TwilioThrottled); got != 0 {
		t.Errorf("TwilioThrottled = %v for a failure that is no rate limit", got)
	}
}
