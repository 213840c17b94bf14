package conversation_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/posqueue"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// deps are the Deps of e's service, with the real eraser (package privacy) over e's tables.
func (e *env) deps() conversation.Deps {
	e.t.Helper()
	pub, err := posqueue.New(func(context.Context, string) (posqueue.SendAPI, error) { return e.sqs, nil }, e.clock.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	eraser, err := privacy.New(privacy.Deps{Mappings: e.repos, Conversations: e.repos, Orders: e.repos, Claims: e.repos,
		Keys: privacy.LocalPseudonymKey, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	return conversation.Deps{
		Clients: e.repos, Stores: e.repos, Mappings: e.repos, Conversations: e.convs, Idempotency: e.repos,
		Menus: e.repos, Orders: e.repos, Publisher: pub, Messenger: e.out, Now: e.clock.Now,
		NewSessionID: func() string { return fmt.Sprintf("session-%d", e.sessions.Add(1)) },
		Logger:       slog.New(slog.NewJSONHandler(e.logs, nil)),
		Eraser:       eraser,
	}
}

// withEraser replaces e's service with one that erases (and counts into the returned Memory).
func (e *env) withEraser() *metrics.Memory {
	e.t.Helper()
	d := e.deps()
	rec := &metrics.Memory{}
	d.Metrics = rec
	svc, err := conversation.New(d)
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
	return rec
}

var platform = domain.NewPlatformContext(context.Background())

// A brand's text overrides reach its customers, in every kind of reply; other brands and the
// texts it did not override keep the defaults; an override with the wrong verbs, stored
// around the admin API, is ignored.
func TestBrandTextOverrides(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	texts := map[string]map[domain.Language]string{
		"choose_store": {domain.PtBR: "🍕 %s aqui! Qual loja?\n%s"},
		"store_intro":  {domain.PtBR: "Loja %s, %s. Bora pedir?"},
		"handoff":      {domain.PtBR: "Já chamei alguém da %s."},
		"cart_head":    {domain.PtBR: "Seu pedido até agora:"},
		"menu_intro":   {domain.PtBR: "Cardápio %s %s"}, // wrong verbs: ignored
	}
	if err := conversation.ValidateTexts(texts); err == nil {
		t.Fatal("ValidateTexts accepted menu_intro with two arguments")
	}
	if _, err := e.repos.UpdateClient(platform, demo.PizzariaID, func(c *domain.Client) error { c.Texts = texts; return nil }); err != nil {
		t.Fatal(err)
	}
	phone := customer(801)
	reply := one(t, e.say(demo.PizzariaID, phone, "oi"))
	if !strings.HasPrefix(reply, "🍕 Pizzaria Demo aqui! Qual loja?\n1. Centro") {
		t.Errorf("store list %q, want the brand's text", reply)
	}
	contains(t, one(t, e.say(demo.PizzariaID, phone, "1")), pizzaWelcome, "Loja Centro, Rua XV de Novembro, 100 - Centro - São Paulo - SP. Bora pedir?")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "cardapio")), "📋 Cardápio da loja Centro")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "uma coca")), "Seu pedido até agora:\n1x Coca-Cola 2 L")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "quero falar com um atendente")), "Já chamei alguém da Centro.")
	contains(t, one(t, e.say(demo.BurgerID, customer(802), "hi")), "You're talking to our Vila Madalena store")
}

// "Apague meus dados": asked, confirmed, erased; the reply still goes, nothing is written
// back, orders stay pseudonymised, and a redelivery of the confirmation creates nothing.
func TestEraseInChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withEraser()
	phone := customer(810)
	for _, body := range []string{"hi", "2 veggie burgers", "checkout", "pickup", "credit"} {
		e.say(demo.BurgerID, phone, body)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "yes")), "confirmed")
	orderID := lastOrder(e, demo.BurgerID, phone)

	ask := one(t, e.say(demo.BurgerID, phone, "oi, quero que voces apaguem meus dados por favor"))
	contains(t, ask, "You asked Burger Demo to erase your data", "Reply *YES* to erase")
	if c := e.conv(demo.BurgerID, phone); c.Context["eraseAsked"] == "" {
		t.Fatalf("the question is not remembered: %+v", c.Context)
	}
	yes := e.msg(demo.BurgerID, phone, "sim pode apagar")
	contains(t, one(t, e.handle(yes)), "Your data at Burger Demo has been erased", "pseudonymised")
	e.noConv(demo.BurgerID, phone)
	e.noMapping(demo.BurgerID, phone)
	if o := e.order(demo.BurgerID, orderID); o.CustomerPhone == phone || o.CustomerName != "" || o.TotalCents != 6800 {
		t.Errorf("order after the erasure: phone %s, name %q, total %d", domain.Mask(o.CustomerPhone), o.CustomerName, o.TotalCents)
	}
	if st := e.svc.Stats(); st.Erasures != 1 {
		t.Errorf("Erasures = %d", st.Erasures)
	}

	// The confirmation comes again (the worker retried it): the reply again, nothing created.
	contains(t, one(t, e.handle(yes)), "has been erased")
	e.noConv(demo.BurgerID, phone)
	e.noMapping(demo.BurgerID, phone)
	// Once the worker completed it, a further redelivery sends nothing.
	if err := e.repos.Complete(platform, demo.BurgerID, []string{domain.InboundClaimKey(yes.MessageSid)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	none(t, e.handle(yes))
	e.noConv(demo.BurgerID, phone)

	// A new message is a fresh start.
	contains(t, one(t, e.say(demo.BurgerID, phone, "hi")), "Welcome to Burger Demo")
	if m := e.mapping(demo.BurgerID, phone); m.StoreID != "vila-madalena" || m.Version != 1 {
		t.Errorf("fresh mapping %+v", m)
	}
}

// The reply of the erasure fails to go: the retried message erases nothing more, writes
// nothing, and sends the reply.
func TestEraseReplyRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withEraser()
	phone := customer(811)
	e.known(phone, "centro")
	contains(t, one(t, e.say(demo.PizzariaID, phone, "pode excluir meu cadastro?")), "apagar seus dados", "Responda *SIM*")
	yes := e.msg(demo.PizzariaID, phone, "sim")
	e.out.failNext(1)
	if err := e.svc.Handle(platform, yes); err == nil {
		t.Fatal("Handle succeeded although the reply was not sent")
	}
	none(t, e.bodies(phone, demo.PizzariaNumber))
	e.noConv(demo.PizzariaID, phone)
	e.noMapping(demo.PizzariaID, phone)
	contains(t, one(t, e.handle(yes)), "Pronto! Seus dados em Pizzaria Demo foram apagados")
	e.noConv(demo.PizzariaID, phone)
	e.noMapping(demo.PizzariaID, phone)
}

// A no keeps everything where it was (the order summary still waits for its yes); another
// subject drops the question and is answered as usual.
func TestEraseDeclinedOrIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withEraser()
	phone := customer(812)
	for _, body := range []string{"hi", "a cheese burger", "checkout", "pickup", "debit"} {
		e.say(demo.BurgerID, phone, body)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "actually, delete my data")), "erase your data")
	contains(t, one(t, e.say(demo.BurgerID, phone, "nao, deixa")), "nothing was erased")
	contains(t, one(t, e.say(demo.BurgerID, phone, "yes")), "is confirmed")
	e.mapping(demo.BurgerID, phone)

	contains(t, one(t, e.say(demo.BurgerID, phone, "erase my info")), "erase your data")
	contains(t, one(t, e.say(demo.BurgerID, phone, "2 cokes")), "2x Coke")
	if c := e.conv(demo.BurgerID, phone); c.Context["eraseAsked"] != "" {
		t.Error("the question survived another subject")
	}
	// The question is forgotten after a while: a late "sim" is not a confirmation.
	contains(t, one(t, e.say(demo.BurgerID, phone, "apagar meus dados")), "erase your data")
	e.clock.Advance(time.Hour)
	if r := one(t, e.say(demo.BurgerID, phone, "yes")); strings.Contains(r, "erased") {
		t.Errorf("a late yes erased: %q", r)
	}
	e.mapping(demo.BurgerID, phone)
	// "apagar o carrinho" is about the cart.
	contains(t, one(t, e.say(demo.BurgerID, phone, "apagar carrinho")), "your cart is empty")
}

// Without an eraser the customer is told it cannot be done here, and nothing is asked.
func TestEraseWithoutEraser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(813)
	e.say(demo.BurgerID, phone, "hi")
	contains(t, one(t, e.say(demo.BurgerID, phone, "delete my data")), "can't erase your data in this chat", "Burger Demo")
	if r := one(t, e.say(demo.BurgerID, phone, "yes")); strings.Contains(r, "erased") {
		t.Errorf("yes = %q", r)
	}
	e.mapping(demo.BurgerID, phone)
}

// An operator hands a conversation to a person, writes to the customer, and gives it back.
func TestOperatorActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.withEraser()
	phone := customer(820)
	e.say(demo.BurgerID, phone, "hi")
	e.say(demo.BurgerID, phone, "a classic burger")
	dims := metrics.Dims{ClientID: demo.BurgerID, StoreID: "vila-madalena"}

	c, err := e.svc.Handoff(platform, demo.BurgerID, phone)
	if err != nil || c.CurrentState != domain.StateHandoff {
		t.Fatalf("Handoff = %+v, %v", c, err)
	}
	if _, err := e.svc.Handoff(platform, demo.BurgerID, phone); err != nil {
		t.Fatal(err)
	}
	if got := rec.Sum(resourcenames.MetricHandoffs, dims); got != 1 || e.svc.Stats().Handoffs != 1 {
		t.Errorf("Handoffs = %v (stats %d), want 1 for two calls", got, e.svc.Stats().Handoffs)
	}
	none(t, e.say(demo.BurgerID, phone, "hello? anyone there"))

	c, err = e.svc.OperatorMessage(platform, demo.BurgerID, phone, "  Oi! Aqui é a Ana, da loja. Já vejo seu pedido.  ")
	if err != nil {
		t.Fatal(err)
	}
	if got := one(t, e.bodies(phone, demo.BurgerNumber)); got != "Oi! Aqui é a Ana, da loja. Já vejo seu pedido." {
		t.Errorf("sent %q", got)
	}
	last := c.MessageHistory[len(c.MessageHistory)-1]
	if last.Direction != domain.Outbound || last.MessageSid != conversation.OperatorMessageSid || !strings.HasPrefix(last.Body, "Oi! Aqui é a Ana") {
		t.Errorf("history entry %+v", last)
	}
	// The operator keeps the bot quiet past the customer's own handoff timeout.
	e.clock.Advance(conversation.HandoffTimeout - time.Minute)
	if _, err := e.svc.OperatorMessage(platform, demo.BurgerID, phone, "Saindo já!"); err != nil {
		t.Fatal(err)
	}
	e.out.take(phone)
	e.clock.Advance(2 * time.Minute)
	none(t, e.say(demo.BurgerID, phone, "obrigado"))

	c, err = e.svc.Resume(platform, demo.BurgerID, phone)
	if err != nil || c.CurrentState != domain.StateCart {
		t.Fatalf("Resume = %+v, %v", c, err)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "cart")), "The automatic assistant is back", "1x Classic Burger")
	if r := one(t, e.say(demo.BurgerID, phone, "cart")); strings.Contains(r, "is back") {
		t.Errorf("the bot said it is back twice: %q", r)
	}

	for _, body := range []string{"", "   ", strings.Repeat("x", 1601)} {
		if _, err := e.svc.OperatorMessage(platform, demo.BurgerID, phone, body); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("OperatorMessage(%d characters) = %v, want EINVALID", len(body), err)
		}
	}
	other := domain.NewContextWithTenant(context.Background(), demo.PizzariaID)
	for name, call := range map[string]func(context.Context, string) (*domain.Conversation, error){
		"reset": func(ctx context.Context, p string) (*domain.Conversation, error) {
			return e.svc.ResetConversation(ctx, demo.BurgerID, p)
		},
		"handoff": func(ctx context.Context, p string) (*domain.Conversation, error) {
			return e.svc.Handoff(ctx, demo.BurgerID, p)
		},
		"resume": func(ctx context.Context, p string) (*domain.Conversation, error) {
			return e.svc.Resume(ctx, demo.BurgerID, p)
		},
		"message": func(ctx context.Context, p string) (*domain.Conversation, error) {
			return e.svc.OperatorMessage(ctx, demo.BurgerID, p, "oi")
		},
	} {
		if _, err := call(other, phone); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("%s with another tenant: %v, want EFORBIDDEN", name, err)
		}
		if _, err := call(platform, customer(829)); !domain.IsNotFound(err) {
			t.Errorf("%s without a conversation: %v, want ENOTFOUND", name, err)
		}
	}

	// Reset: the conversation goes, the mapping stays; the next message greets again.
	old, err := e.svc.ResetConversation(platform, demo.BurgerID, phone)
	if err != nil || old.CurrentState != domain.StateCart {
		t.Fatalf("ResetConversation = %+v, %v", old, err)
	}
	e.noConv(demo.BurgerID, phone)
	if m := e.mapping(demo.BurgerID, phone); m.StoreID != "vila-madalena" {
		t.Errorf("mapping after reset %+v", m)
	}
	if _, err := e.svc.ResetConversation(platform, demo.BurgerID, phone); !domain.IsNotFound(err) {
		t.Errorf("second reset: %v, want ENOTFOUND", err)
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "hi")), burgerWelome)
}

// An operator's message follows Notify's rules: outside WhatsApp's 24-hour window it is
// refused with ErrTemplateRequired, and nothing is recorded.
func TestOperatorMessageOutsideTheWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(821)
	e.say(demo.BurgerID, phone, "hi")
	// The customer's last message is 25 hours old, the conversation still live (a message
	// processed late leaves it MinConversationLife).
	before, err := e.repos.UpdateConversation(platform, demo.BurgerID, phone, func(c *domain.Conversation) error {
		c.LastMessageTimestamp = e.clock.Now().Add(-25 * time.Hour).UnixMilli()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.OperatorMessage(platform, demo.BurgerID, phone, "Oi, ainda está aí?")
	if !errors.Is(err, conversation.ErrTemplateRequired) {
		t.Fatalf("OperatorMessage = %v, want ErrTemplateRequired", err)
	}
	none(t, e.bodies(phone, demo.BurgerNumber))
	if c := e.conv(demo.BurgerID, phone); c.Version != before.Version {
		t.Error("a refused message was recorded")
	}
	// Opted out: ErrOptedOut.
	e.say(demo.BurgerID, phone, "STOP")
	if _, err := e.svc.OperatorMessage(platform, demo.BurgerID, phone, "Oi"); !errors.Is(err, conversation.ErrOptedOut) {
		t.Errorf("OperatorMessage to an opted-out customer = %v, want ErrOptedOut", err)
	}
}

// The sandbox runs the real engine for an operator's test customer: replies captured, never
// sent; a test order stored CONFIRMED and never published; no metrics.
func TestSandbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(friday(21, 0))
	d := e.deps()
	rec := &metrics.Memory{}
	d.Metrics = rec
	sb, err := conversation.NewSandbox(d)
	if err != nil {
		t.Fatal(err)
	}
	send := func(storeID, text string) conversation.SandboxResult {
		t.Helper()
		r, err := sb.Send(platform, demo.PizzariaID, storeID, "user-ana", text)
		if err != nil {
			t.Fatalf("Send(%q): %v", text, err)
		}
		return r
	}
	r := send("paulista", "oi")
	if len(r.Replies) != 1 || !strings.Contains(r.Replies[0], "loja Paulista") || r.StateBefore != "" || r.StateAfter != domain.StateGreeting ||
		r.Conversation == nil || r.Conversation.PhoneNumber != domain.SandboxNumber("user-ana") {
		t.Fatalf("first message: %+v", r)
	}
	for _, text := range []string{"quero duas calabresas medias e uma coca", "pode fechar o pedido?", "retirar na loja"} {
		send("", text)
	}
	r = send("", "cartao de credito")
	if r.StateBefore != domain.StateCheckout || !strings.Contains(r.Replies[0], "Responda *SIM*") {
		t.Fatalf("summary: %+v", r)
	}
	r = send("", "sim")
	if r.Order == nil || !r.Order.Test || r.Order.Status != domain.OrderConfirmed || r.Order.TotalCents != 9800 || r.StateAfter != domain.StateOrderPlaced {
		t.Fatalf("order: %+v", r.Order)
	}
	stored := e.order(demo.PizzariaID, r.Order.OrderID)
	if !stored.Test || stored.Status != domain.OrderConfirmed || stored.StatusHistory[len(stored.StatusHistory)-1].Reason != "test order: not sent to the point of sale" {
		t.Errorf("stored order %+v", stored)
	}
	if n := len(e.pos("paulista")); n != 0 {
		t.Errorf("the POS got %d messages from the sandbox", n)
	}
	if n := len(e.out.bodiesAll()); n != 0 {
		t.Errorf("%d messages left through the real messenger", n)
	}
	if p := rec.Points(); len(p) != 0 {
		t.Errorf("the sandbox counted %+v", p)
	}

	// Another operator has a conversation of their own; pinning a store of another brand, or
	// one that does not exist, is ENOTFOUND.
	other, err := sb.Send(platform, demo.PizzariaID, "", "user-bruno", "oi")
	if err != nil || len(other.Replies) != 1 || len(strings.Split(other.Replies[0], "\n")) < 3 || other.StateAfter != domain.StateStoreSelection {
		t.Errorf("another operator: %+v, %v", other, err)
	}
	if _, err := sb.Send(platform, demo.PizzariaID, "vila-madalena", "user-ana", "oi"); !domain.IsNotFound(err) {
		t.Errorf("a store of another brand: %v, want ENOTFOUND", err)
	}
	if _, err := sb.Send(domain.NewContextWithTenant(context.Background(), demo.BurgerID), demo.PizzariaID, "", "user-ana", "oi"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("another tenant: %v, want EFORBIDDEN", err)
	}
	for _, bad := range [][2]string{{"", "oi"}, {"user-ana", " "}, {"user-ana", strings.Repeat("a", conversation.MaxSandboxText+1)}} {
		if _, err := sb.Send(platform, demo.PizzariaID, "", bad[0], bad[1]); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("Send(%q, %.10q) = %v, want EINVALID", bad[0], bad[1], err)
		}
	}

	// Reset forgets the sandbox customer: the next message starts from the store list.
	if err := sb.Reset(platform, demo.PizzariaID, "user-ana"); err != nil {
		t.Fatal(err)
	}
	e.noConv(demo.PizzariaID, domain.SandboxNumber("user-ana"))
	e.noMapping(demo.PizzariaID, domain.SandboxNumber("user-ana"))
	if r := send("", "oi"); r.StateBefore != "" || r.StateAfter != domain.StateStoreSelection {
		t.Errorf("after reset: %+v", r)
	}
}

// Concurrent messages of one operator are run one at a time, each with its own replies.
func TestSandboxConcurrentSends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.deps()
	d.Eraser = nil
	sb, err := conversation.NewSandbox(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Send(platform, demo.BurgerID, "", "user-carla", "hi"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]conversation.SandboxResult, 6)
	errs := make([]error, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = sb.Send(platform, demo.BurgerID, "", "user-carla", "a coke")
		}()
	}
	wg.Wait()
	lines := map[string]bool{}
	for i, r := range results {
		if errs[i] != nil || len(r.Replies) != 1 {
			t.Fatalf("send %d: %+v, %v", i, r, errs[i])
		}
		lines[r.Replies[0]] = true
	}
	if len(lines) != len(results) {
		t.Errorf("%d distinct replies for %d sends (each should see the cart one coke bigger)", len(lines), len(results))
	}
	c := e.conv(demo.BurgerID, domain.SandboxNumber("user-carla"))
	if len(c.Cart) != 1 || c.Cart[0].Quantity != len(results) {
		t.Errorf("cart %+v, want %d cokes", c.Cart, len(results))
	}
	// Without an eraser, Reset deletes the conversation and clears the mapping.
	if err := sb.Reset(platform, demo.BurgerID, "user-carla"); err != nil {
		t.Fatal(err)
	}
	e.noConv(demo.BurgerID, domain.SandboxNumber("user-carla"))
	if m := e.mapping(demo.BurgerID, domain.SandboxNumber("user-carla")); m.StoreID != "" {
		t.Errorf("mapping after reset %+v", m)
	}
}

// The daily counters: messages processed once per turn (not again on a redelivery), a
// conversation started, a customer's handoff, an order's revenue.
func TestDailyCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.withEraser()
	phone := customer(830)
	store := metrics.Dims{ClientID: demo.BurgerID, StoreID: "vila-madalena"}

	first := e.msg(demo.BurgerID, phone, "hi")
	e.handle(first)
	e.handle(first) // redelivered
	if got := rec.Sum(resourcenames.MetricMessagesProcessed, store); got != 1 {
		t.Errorf("MessagesProcessed = %v after a message and its redelivery, want 1; %+v", got, rec.Points())
	}
	if got := rec.Sum(resourcenames.MetricConversations, store); got != 1 {
		t.Errorf("Conversations = %v, want 1", got)
	}
	burst := []domain.InboundMessage{e.msg(demo.BurgerID, phone, "2 veggie burgers"), e.msg(demo.BurgerID, phone, "checkout"), e.msg(demo.BurgerID, phone, "pickup")}
	if err := e.svc.HandleBurst(platform, burst); err != nil {
		t.Fatal(err)
	}
	e.say(demo.BurgerID, phone, "credit")
	e.say(demo.BurgerID, phone, "yes")
	if got := rec.Sum(resourcenames.MetricMessagesProcessed, store); got != 6 {
		t.Errorf("MessagesProcessed = %v, want 6", got)
	}
	if rec.Sum(metrics.Orders, store) != 1 || rec.Sum(resourcenames.MetricRevenueCents, store) != 6800 {
		t.Errorf("Orders %v, RevenueCents %v; want 1 and 6800", rec.Sum(metrics.Orders, store), rec.Sum(resourcenames.MetricRevenueCents, store))
	}
	e.say(demo.BurgerID, phone, "I want to talk to a human")
	if got := rec.Sum(resourcenames.MetricHandoffs, store); got != 1 {
		t.Errorf("Handoffs = %v, want 1", got)
	}
	if got := rec.Sum(resourcenames.MetricConversations, store); got != 1 {
		t.Errorf("Conversations = %v after more turns, want still 1", got)
	}
	// A new customer of a brand with several stores: the conversation starts before a store.
	e.say(demo.PizzariaID, customer(831), "oi")
	if got := rec.Sum(resourcenames.MetricConversations, metrics.Dims{ClientID: demo.PizzariaID}); got != 1 {
		t.Errorf("Conversations{pizzaria} = %v, want 1", got)
	}
}
