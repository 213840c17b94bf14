package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/posqueue"
)

// pos takes every message on a store's POS queue (they are received, not deleted: each test
// reads its queue once, at its end).
func (e *env) pos(storeID string) []posqueue.Message {
	e.t.Helper()
	var out []posqueue.Message
	for {
		r, err := e.sqs.ReceiveMessage(domain.NewPlatformContext(context.Background()), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(e.queues[storeID]), MaxNumberOfMessages: 10, VisibilityTimeout: 60,
		})
		if err != nil {
			e.t.Fatal(err)
		}
		if len(r.Messages) == 0 {
			return out
		}
		for _, m := range r.Messages {
			var pm posqueue.Message
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &pm); err != nil {
				e.t.Fatalf("POS message is not the contract: %v", err)
			}
			out = append(out, pm)
		}
	}
}

// order returns the order with id.
func (e *env) order(clientID, id string) *domain.Order {
	e.t.Helper()
	o, err := e.repos.GetOrder(domain.NewPlatformContext(context.Background()), clientID, id)
	if err != nil {
		e.t.Fatalf("GetOrder(%s): %v", id, err)
	}
	return o
}

func lastOrder(e *env, clientID, phone string) string {
	e.t.Helper()
	id := e.conv(clientID, phone).Context["lastOrder"]
	if id == "" {
		e.t.Fatal("no order placed")
	}
	return id
}

func cartOf(c *domain.Conversation) map[string]int64 {
	out := map[string]int64{}
	for _, l := range c.Cart {
		k := l.ItemID
		if l.SizeID != "" {
			k += "/" + l.SizeID
		}
		for _, o := range l.Options {
			k += "+" + o.OptionID
		}
		out[k] = int64(l.Quantity)*100000 + l.UnitPriceCents // quantity and price in one comparable value
	}
	return out
}

// The free-text order: one message, the right cart, no model.
func TestFreeTextOrderBuildsCart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(400)
	e.say(demo.BurgerID, phone, "hi")
	reply := one(t, e.say(demo.BurgerID, phone, "2 cheese burgers with bacon and a coke"))
	contains(t, reply, "2x Cheese Burger (Bacon) — R$ 82,00", "1x Coke — R$ 8,00", "Subtotal: R$ 90,00")
	c := e.conv(demo.BurgerID, phone)
	want := map[string]int64{"cheese+bacon": 2*100000 + 4100, "coke": 1*100000 + 800}
	if got := cartOf(c); !equalMaps(got, want) {
		t.Errorf("cart %v, want %v", got, want)
	}
	wantState(t, c, domain.StateCart, "vila-madalena")
}

func equalMaps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Browse by numbers, sizes asked for, an option by name, a removal, and the cart's totals,
// in Portuguese the way people write.
func TestPizzaBrowseAddRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(friday(20, 0))
	phone := customer(401)
	e.known(phone, "centro")

	menu := one(t, e.say(demo.PizzariaID, phone, "quero ver o cardapio"))
	wantList(t, menu, "1. Pizzas", "2. Bebidas")
	pizzas := one(t, e.say(demo.PizzariaID, phone, "1"))
	contains(t, pizzas, "Calabresa — Média R$ 42,00 · Grande R$ 52,00", "Quatro Queijos — Média R$ 46,00 · Grande R$ 56,00", "Borda recheada +R$ 8,00")

	size := one(t, e.say(demo.PizzariaID, phone, "2"))
	contains(t, size, "Qual tamanho de Margherita?", "1. Média — R$ 40,00", "2. Grande — R$ 50,00")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "grande")), "1x Margherita (Grande) — R$ 50,00")

	added := one(t, e.say(demo.PizzariaID, phone, "e uma calabreza grande com borda e 2 guaranás"))
	contains(t, added, "1x Calabresa (Grande, Borda recheada) — R$ 60,00", "2x Guaraná 2 L — R$ 24,00", "Subtotal: R$ 134,00")

	removed := one(t, e.say(demo.PizzariaID, phone, "pode tirar os guaranas"))
	contains(t, removed, "Removido: 2x Guaraná 2 L", "Subtotal: R$ 110,00")
	c := e.conv(demo.PizzariaID, phone)
	want := map[string]int64{"margherita/grande": 100000 + 5000, "calabresa/grande+borda": 100000 + 6000}
	if got := cartOf(c); !equalMaps(got, want) {
		t.Errorf("cart %v, want %v", got, want)
	}
	contains(t, one(t, e.say(demo.PizzariaID, phone, "can I see my cart? / meu carrinho")), "Seu carrinho", "Subtotal: R$ 110,00")
}

// Checkout with delivery and card at the door: the summary's amounts, one order, one POS
// message with the right totals; a second "sim" orders nothing more.
func TestCheckoutDeliveryCardOneOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(friday(21, 0))
	phone := customer(402)
	e.known(phone, "paulista")
	e.say(demo.PizzariaID, phone, "quero duas calabresas medias e uma coca")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "pode fechar o pedido?")), "Como você quer receber", "1. Entrega (taxa R$ 7,99", "2. Retirar na loja")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "entrega")), "endereço de entrega")
	pay := one(t, e.say(demo.PizzariaID, phone, "Rua Augusta, 500 ap 12 - Consolação"))
	contains(t, pay, "Como você vai pagar?", "1. PIX", "2. Cartão de crédito")
	summary := one(t, e.say(demo.PizzariaID, phone, "cartao de credito"))
	contains(t, summary, "2x Calabresa (Média) — R$ 84,00", "1x Coca-Cola 2 L — R$ 14,00", "Subtotal: R$ 98,00",
		"Taxa de entrega: R$ 7,99", "*Total: R$ 105,99*", "Entrega em: Rua Augusta, 500 ap 12 - Consolação", "Responda *SIM*")
	placed := one(t, e.say(demo.PizzariaID, phone, "sim"))
	contains(t, placed, "confirmado e enviado para a cozinha", "R$ 105,99")
	id := lastOrder(e, demo.PizzariaID, phone)
	if !strings.Contains(placed, "#"+id) {
		t.Errorf("reply %q does not name order %s", placed, id)
	}
	contains(t, one(t, e.say(demo.PizzariaID, phone, "sim")), "já foi confirmado")

	o := e.order(demo.PizzariaID, id)
	if o.Status != domain.OrderSentToPOS || o.TotalCents != 10599 || o.DeliveryFeeCents != 799 || o.Fulfillment != domain.FulfillmentDelivery ||
		o.PaymentMethod != domain.PaymentCredit || o.DeliveryAddress != "Rua Augusta, 500 ap 12 - Consolação" {
		t.Errorf("order %+v", o)
	}
	var statuses []domain.OrderStatus
	for _, h := range o.StatusHistory {
		statuses = append(statuses, h.Status)
	}
	if strings.Join(toStrings(statuses), ",") != "CREATED,CONFIRMED,SENT_TO_POS" {
		t.Errorf("status history %v", statuses)
	}
	msgs := e.pos("paulista")
	if len(msgs) != 1 {
		t.Fatalf("POS got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Order.OrderID != id || m.Order.Amounts.TotalCents != 10599 || m.Order.Payment.Status != posqueue.PaymentOnDelivery || m.StoreID != "paulista" {
		t.Errorf("POS message %+v", m)
	}
	if n := len(e.pos("centro")); n != 0 {
		t.Errorf("another store's POS got %d messages", n)
	}
	wantState(t, e.conv(demo.PizzariaID, phone), domain.StateOrderPlaced, "paulista")
}

func toStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// A confirmation whose conversation write is lost (the worker retries the message) and a
// redelivered confirmation produce one order and one POS message.
func TestConfirmationRetriedOneOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(403)
	for _, body := range []string{"hi", "1 classic burger and 1 fries", "checkout", "pickup", "debit"} {
		e.say(demo.BurgerID, phone, body)
	}
	yes := e.msg(demo.BurgerID, phone, "yes please")
	e.convs.n.Store(1)
	if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), yes); !errors.Is(err, errLost) {
		t.Fatalf("Handle = %v, want the lost write", err)
	}
	none(t, e.bodies(phone, demo.BurgerNumber))
	placed := one(t, e.handle(yes)) // the worker's retry
	contains(t, placed, "is confirmed", "R$ 47,00")
	again := one(t, e.handle(yes)) // a redelivery after success
	if again != placed {
		t.Errorf("redelivery sent %q, want the recorded %q", again, placed)
	}
	msgs := e.pos("vila-madalena")
	if len(msgs) != 1 {
		t.Fatalf("POS got %d messages, want exactly 1", len(msgs))
	}
	if msgs[0].Order.Fulfillment.Type != "PICKUP" || msgs[0].Order.Amounts.TotalCents != 4700 || msgs[0].Order.Amounts.DeliveryFeeCents != 0 {
		t.Errorf("POS message %+v", msgs[0].Order)
	}
	if st := e.svc.Stats(); st.OrdersPlaced != 1 || st.OrdersPublished != 1 {
		t.Errorf("stats %+v, want 1 order placed and published", st)
	}
}

// A closed store browses but refuses checkout, saying when it opens in its time zone.
func TestClosedStoreRefusesCheckout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(friday(15, 30)) // the pizzeria opens at 18:00
	phone := customer(404)
	e.known(phone, "centro")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "uma margherita grande")), "1x Margherita (Grande)")
	closed := one(t, e.say(demo.PizzariaID, phone, "finalizar"))
	contains(t, closed, "A loja Centro está fechada agora e abre hoje às 18:00")
	if c := e.conv(demo.PizzariaID, phone); c.CurrentState == domain.StateCheckout || len(c.Cart) != 1 {
		t.Errorf("state %s cart %d: the cart must stay, checkout must not start", c.CurrentState, len(c.Cart))
	}
	// Late on a Thursday night it opens on Friday evening.
	e.clock.Set(friday(1, 0).AddDate(0, 0, -1)) // Thursday 01:00: Wednesday closed at 23:30
	contains(t, one(t, e.say(demo.PizzariaID, phone, "finalizar")), "abre hoje às 18:00")
}

// Delivery below the store's minimum is refused with the missing amount; pickup is offered.
func TestMinimumOrderForDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(405)
	e.say(demo.BurgerID, phone, "hello")
	e.say(demo.BurgerID, phone, "a lemonade")
	e.say(demo.BurgerID, phone, "checkout")
	refused := one(t, e.say(demo.BurgerID, phone, "delivery"))
	contains(t, refused, "The minimum order for delivery is R$ 25,00: you need R$ 15,00 more", "choose pickup")
	if c := e.conv(demo.BurgerID, phone); c.Context["fulfillment"] != "" {
		t.Errorf("fulfillment %q recorded below the minimum", c.Context["fulfillment"])
	}
}

// An item the store does not sell cannot be added: Quatro Queijos is off at Paulista.
func TestUnavailableItemCannotBeAdded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(friday(20, 0))
	phone := customer(406)
	e.known(phone, "paulista")
	reply := one(t, e.say(demo.PizzariaID, phone, "quero uma quatro queijos grande"))
	contains(t, reply, "Quatro Queijos não está disponível na loja Paulista")
	if c := e.conv(demo.PizzariaID, phone); len(c.Cart) != 0 {
		t.Errorf("cart %+v, want empty", c.Cart)
	}
	wantList(t, one(t, e.say(demo.PizzariaID, phone, "cardapio")), "1. Pizzas", "2. Bebidas")
	list := one(t, e.say(demo.PizzariaID, phone, "1"))
	if strings.Contains(list, "Quatro Queijos") {
		t.Errorf("Paulista's pizza list shows Quatro Queijos: %s", list)
	}
	// At Centro it is sold.
	other := customer(407)
	e.known(other, "centro")
	contains(t, one(t, e.say(demo.PizzariaID, other, "quero uma quatro queijos grande")), "1x Quatro Queijos (Grande) — R$ 56,00")
}

// HANDOFF silences the bot for that conversation only, until an operator resumes it or the
// handoff times out.
func TestHandoffSilencesOnlyThatConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := customer(408), customer(409)
	e.say(demo.BurgerID, a, "hi")
	e.say(demo.BurgerID, b, "hi")
	contains(t, one(t, e.say(demo.BurgerID, a, "can I talk to a human please")), "Someone from our Vila Madalena store")
	wantState(t, e.conv(demo.BurgerID, a), domain.StateHandoff, "vila-madalena")
	none(t, e.say(demo.BurgerID, a, "hello?? anyone"))
	none(t, e.say(demo.BurgerID, a, "menu"))
	contains(t, one(t, e.say(demo.BurgerID, b, "menu")), "1. Burgers")

	if _, err := e.svc.Resume(domain.NewPlatformContext(context.Background()), demo.BurgerID, a); err != nil {
		t.Fatal(err)
	}
	contains(t, one(t, e.say(demo.BurgerID, a, "menu")), "1. Burgers")

	// Left in HANDOFF past the timeout, the bot answers again.
	e.say(demo.BurgerID, a, "atendente")
	none(t, e.say(demo.BurgerID, a, "oi"))
	e.clock.Advance(2*time.Hour + time.Minute)
	contains(t, one(t, e.say(demo.BurgerID, a, "menu")), "The automatic assistant is back", "1. Burgers")
	if _, err := e.svc.Resume(domain.NewPlatformContext(context.Background()), demo.BurgerID, a); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("Resume outside HANDOFF = %v, want EINVALID", err)
	}
}

// Several messages of one customer that arrive together make one turn with one answer.
func TestBurstOneAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(410)
	e.say(demo.BurgerID, phone, "hi")
	msgs := []domain.InboundMessage{
		e.msg(demo.BurgerID, phone, "I want a classic burger"),
		e.msg(demo.BurgerID, phone, "with bacon"),
		e.msg(demo.BurgerID, phone, "and fries"),
	}
	if err := e.svc.HandleBurst(domain.NewPlatformContext(context.Background()), msgs); err != nil {
		t.Fatal(err)
	}
	reply := one(t, e.bodies(phone, demo.BurgerNumber))
	contains(t, reply, "1x Fries")
	c := e.conv(demo.BurgerID, phone)
	if n := len(c.Cart); n < 2 {
		t.Errorf("cart %+v, want the burger and the fries", c.Cart)
	}
	if got := entries(c); strings.Join(got[len(got)-4:], "|") != "in:I want a classic burger|in:with bacon|in:and fries|out" {
		t.Errorf("history %q, want the three messages then one reply", got)
	}
	// Redelivered together, the burst is recognised and its answer sent again.
	if err := e.svc.HandleBurst(domain.NewPlatformContext(context.Background()), msgs); err != nil {
		t.Fatal(err)
	}
	if again := one(t, e.bodies(phone, demo.BurgerNumber)); again != reply {
		t.Errorf("redelivered burst answered %q", again)
	}
}

// PIX waits for its payment: nothing reaches the kitchen until it is confirmed, once.
func TestPIXAwaitsPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(411)
	for _, body := range []string{"hi", "2 veggie burgers", "checkout", "pickup", "pix"} {
		e.say(demo.BurgerID, phone, body)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "yes")), "is registered", "PIX payment", "R$ 68,00")
	id := lastOrder(e, demo.BurgerID, phone)
	if o := e.order(demo.BurgerID, id); o.Status != domain.OrderAwaitingPayment {
		t.Fatalf("status %s, want AWAITING_PAYMENT", o.Status)
	}
	wantState(t, e.conv(demo.BurgerID, phone), domain.StateAwaitingPayment, "vila-madalena")
	contains(t, one(t, e.say(demo.BurgerID, phone, "is it paid?")), "waiting for its PIX payment")

	for range 2 {
		o, err := e.svc.ConfirmPayment(domain.NewPlatformContext(context.Background()), demo.BurgerID, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != domain.OrderSentToPOS {
			t.Errorf("status %s after payment, want SENT_TO_POS", o.Status)
		}
	}
	contains(t, one(t, e.bodies(phone, demo.BurgerNumber)), "Payment received", id)
	msgs := e.pos("vila-madalena")
	if len(msgs) != 1 || msgs[0].Order.Payment.Status != posqueue.PaymentPaid || msgs[0].Order.Amounts.TotalCents != 6800 {
		t.Fatalf("POS messages %+v, want one paid order of R$ 68,00", msgs)
	}
	wantState(t, e.conv(demo.BurgerID, phone), domain.StateOrderPlaced, "vila-madalena")
}

// Customers who do not follow the script get help, never silence, and never the same dead
// end twice.
func TestNotUnderstoodGetsHelpThenMenu(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(412)
	e.say(demo.BurgerID, phone, "hi")
	first := one(t, e.say(demo.BurgerID, phone, "asdfgh qwerty"))
	contains(t, first, "Sorry, I didn't understand", "*menu*", "*human*")
	second := one(t, e.say(demo.BurgerID, phone, "zzzz"))
	if second == first {
		t.Error("the same help twice")
	}
	contains(t, second, "1. Burgers", "*human*")
	contains(t, one(t, e.say(demo.BurgerID, phone, "do you have lasagna?")), "lasagna")
}

// A first message that is already an order is greeted and taken in the same reply; so is a
// returning customer's first message of the day.
func TestFirstMessageIsTheOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(413)
	reply := one(t, e.say(demo.BurgerID, phone, "hi!! 2 cheeseburgers w bacon and a coke pls"))
	contains(t, reply, burgerWelome, "You're talking to our Vila Madalena store", "2x Cheese Burger (Bacon) — R$ 82,00", "1x Coke — R$ 8,00")
	wantState(t, e.conv(demo.BurgerID, phone), domain.StateCart, "vila-madalena")

	e.clock.Advance(25 * time.Hour) // the conversation expired; the mapping stays
	reply = one(t, e.say(demo.BurgerID, phone, "good evening, can I see the menu?"))
	contains(t, reply, burgerWelome, "1. Burgers", "2. Sides")
	if c := e.conv(demo.BurgerID, phone); len(c.Cart) != 0 {
		t.Errorf("yesterday's cart came back: %+v", c.Cart)
	}
	// A greeting alone is only greeted.
	other := customer(414)
	contains(t, one(t, e.say(demo.BurgerID, other, "hello")), burgerWelome)
	wantState(t, e.conv(demo.BurgerID, other), domain.StateGreeting, "vila-madalena")
}

// People name a category instead of an item ("quero uma pizza", "qro uma pizza"): they get
// that category's items to choose from.
func TestCategoryByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(friday(20, 0))
	phone := customer(415)
	e.known(phone, "centro")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "qro uma pizza")), "*Pizzas*", "1. Calabresa — Média R$ 42,00")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "o que tem de bebida?")), "*Bebidas*", "Coca-Cola 2 L — R$ 14,00")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "2")), "1x Guaraná 2 L — R$ 12,00")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "quanto ta?")), "Subtotal: R$ 12,00")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "quero uma lasanha")), "não temos \"lasanha\"")
}

// Twilio is down when the PIX payment is confirmed: the order still goes to the kitchen once,
// the confirmation fails so the payment provider retries it, and the retry tells the customer,
// once.
func TestPaymentNoticeRetriedUntilTold(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(413)
	for _, body := range []string{"hi", "2 veggie burgers", "checkout", "pickup", "pix", "yes"} {
		e.say(demo.BurgerID, phone, body)
	}
	id := lastOrder(e, demo.BurgerID, phone)
	e.out.failNext(1)
	if _, err := e.svc.ConfirmPayment(ctx, demo.BurgerID, id); err == nil || domain.IsPermanent(err) {
		t.Fatalf("ConfirmPayment with Twilio down = %v, want a transient error", err)
	}
	if o := e.order(demo.BurgerID, id); o.Status != domain.OrderSentToPOS || !o.CustomerToldPaidAt.IsZero() {
		t.Fatalf("order %s, told at %v: want SENT_TO_POS and not told", o.Status, o.CustomerToldPaidAt)
	}
	for range 2 {
		if _, err := e.svc.ConfirmPayment(ctx, demo.BurgerID, id); err != nil {
			t.Fatal(err)
		}
	}
	contains(t, one(t, e.bodies(phone, demo.BurgerNumber)), "Payment received", id)
	if o := e.order(demo.BurgerID, id); o.CustomerToldPaidAt.IsZero() {
		t.Error("telling the customer was not recorded")
	}
	if msgs := e.pos("vila-madalena"); len(msgs) != 1 {
		t.Fatalf("%d POS messages, want the order once", len(msgs))
	}
}

// The payment provider retries a confirmation while the first is still running: the
// customer is told once.
func TestConcurrentPaymentConfirmationsTellOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(414)
	for _, body := range []string{"hi", "2 veggie burgers", "checkout", "pickup", "pix", "yes"} {
		e.say(demo.BurgerID, phone, body)
	}
	id := lastOrder(e, demo.BurgerID, phone)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = e.svc.ConfirmPayment(ctx, demo.BurgerID, id) // losers may be told to retry
		}()
	}
	wg.Wait()
	if _, err := e.svc.ConfirmPayment(ctx, demo.BurgerID, id); err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, b := range e.bodies(phone, demo.BurgerNumber) {
		if strings.Contains(b, "Payment received") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("the customer was told %d times, want once", told)
	}
	if msgs := e.pos("vila-madalena"); len(msgs) != 1 {
		t.Fatalf("%d POS messages, want the order once", len(msgs))
	}
}
