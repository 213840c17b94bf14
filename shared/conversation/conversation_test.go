package conversation_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/posqueue"
)

// The lines of the pizzaria's numbered store list, exactly as customers see them.
const (
	lineCentro   = "1. Centro — Rua XV de Novembro, 100 - Centro - São Paulo - SP"
	linePaulista = "2. Paulista — Avenida Paulista, 1500 - Bela Vista - São Paulo - SP"
	pizzaWelcome = "Olá! Bem-vindo à Pizzaria Demo 🍕. Quer ver o cardápio?"
	burgerWelome = "Hi! Welcome to Burger Demo 🍔. Want to see the menu?"
)

// recorder is a Messenger that keeps what it was asked to send; it can be told to fail.
type recorder struct {
	mu   sync.Mutex
	sent []domain.OutboundMessage
	fail int // the next fail sends return an error
	pass int // ... after this many more succeed
}

func (r *recorder) Send(_ context.Context, m domain.OutboundMessage) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pass > 0 {
		r.pass--
	} else if r.fail > 0 {
		r.fail--
		return "", errors.New("messenger unavailable")
	}
	r.sent = append(r.sent, m)
	return fmt.Sprintf("SMout%04d", len(r.sent)), nil
}

func (r *recorder) failNext(n int) { r.mu.Lock(); r.fail = n; r.mu.Unlock() }

// failAfter lets ok sends through, then fails n.
func (r *recorder) failAfter(ok, n int) { r.mu.Lock(); r.pass, r.fail = ok, n; r.mu.Unlock() }

// take removes and returns the messages sent to phone, in order.
func (r *recorder) take(phone string) []domain.OutboundMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	var mine, rest []domain.OutboundMessage
	for _, m := range r.sent {
		if m.To == phone {
			mine = append(mine, m)
		} else {
			rest = append(rest, m)
		}
	}
	r.sent = rest
	return mine
}

// counting wraps the DynamoDB client and counts every SDK call by operation.
type counting struct {
	dynamo.API
	mu  sync.Mutex
	ops map[string]int
}

func (c *counting) count(op string) {
	c.mu.Lock()
	c.ops[op]++
	c.mu.Unlock()
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.API.GetItem(ctx, in, o...)
}

func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.count("PutItem")
	return c.API.PutItem(ctx, in, o...)
}

func (c *counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.count("UpdateItem")
	return c.API.UpdateItem(ctx, in, o...)
}

func (c *counting) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	c.count("BatchWriteItem")
	return c.API.BatchWriteItem(ctx, in, o...)
}

func (c *counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.count("DeleteItem")
	return c.API.DeleteItem(ctx, in, o...)
}

func (c *counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.count("Query")
	return c.API.Query(ctx, in, o...)
}

// reset returns the calls counted so far and starts again from zero.
func (c *counting) reset() (total int, ops map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops = c.ops
	c.ops = map[string]int{}
	for _, n := range ops {
		total += n
	}
	return total, ops
}

// flaky loses the next n conversation writes the service makes, after the service's update
// function succeeded: a write that fails after the mapping was written.
type flaky struct {
	domain.ConversationRepository
	n atomic.Int32
}

var errLost = errors.New("conversation write lost")

func (f *flaky) lose() bool {
	for {
		n := f.n.Load()
		if n <= 0 {
			return false
		}
		if f.n.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (f *flaky) UpdateConversation(ctx context.Context, clientID, phone string, fn func(*domain.Conversation) error) (*domain.Conversation, error) {
	return f.ConversationRepository.UpdateConversation(ctx, clientID, phone, func(c *domain.Conversation) error {
		if err := fn(c); err != nil {
			return err
		}
		if f.lose() {
			return errLost
		}
		return nil
	})
}

func (f *flaky) CreateConversation(ctx context.Context, c *domain.Conversation) error {
	if f.lose() {
		return errLost
	}
	return f.ConversationRepository.CreateConversation(ctx, c)
}

// SaveConversation is the engine's write: lost after everything before it succeeded.
func (f *flaky) SaveConversation(ctx context.Context, prev, c *domain.Conversation) error {
	if f.lose() {
		return errLost
	}
	return f.ConversationRepository.SaveConversation(ctx, prev, c)
}

// clock is the tests' clock: it starts now, moves only when told, and can be set to a
// moment (an evening when the pizzeria is open, an afternoon when it is closed).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t.UTC(); c.mu.Unlock() }

// saoPaulo is the demo stores' time zone.
var saoPaulo, _ = time.LoadLocation("America/Sao_Paulo")

// friday returns the next Friday at hh:mm in São Paulo after the real now: the pizzeria is
// open from 18:00 to 01:00 on Fridays.
func friday(hh, mm int) time.Time {
	t := time.Now().In(saoPaulo)
	for t.Weekday() != time.Friday {
		t = t.AddDate(0, 0, 1)
	}
	return time.Date(t.Year(), t.Month(), t.Day()+7, hh, mm, 0, 0, saoPaulo)
}

// env is the service over fresh emulator tables seeded with the demo brands.
type env struct {
	t        *testing.T
	repos    *dynamo.Repositories
	convs    *flaky
	svc      *conversation.Service
	out      *recorder
	clock    *clock
	sqs      *sqs.Client
	queues   map[string]string // storeId -> the store's POS queue URL
	calls    *counting
	sid      atomic.Int64
	sessions atomic.Int64
	logs     *domaintest.LogBuffer
}

func newEnv(t *testing.T, opts ...func(*conversation.Deps)) *env {
	t.Helper()
	e := &env{t: t, out: &recorder{}, clock: newClock(), logs: &domaintest.LogBuffer{}, queues: map[string]string{}}
	tables := emulatortest.Tables(t)
	base := dynamo.FromTenantClients(awsclients.NewStatic(emulatortest.Config(t)))
	var once sync.Once
	src := func(ctx context.Context, tenant string) (dynamo.API, error) {
		api, err := base(ctx, tenant)
		if err != nil {
			return nil, err
		}
		once.Do(func() { e.calls = &counting{API: api, ops: map[string]int{}} })
		return e.calls, nil
	}
	repos, err := dynamo.New(tables, src, dynamo.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.repos = repos
	ctx := domain.NewPlatformContext(context.Background())
	e.sqs = sqs.NewFromConfig(emulatortest.Config(t))
	suffix := emulatortest.UniqueSuffix(t)
	for _, tn := range demo.Tenants() {
		c := tn.Client
		if err := repos.CreateClient(ctx, &c); err != nil {
			t.Fatal(err)
		}
		for _, s := range tn.Stores {
			// Each store's POS queue, as the TenantStore construct provisions it.
			q, err := e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{
				QueueName:  aws.String(fmt.Sprintf("pos-%s-%s.fifo", suffix, s.StoreID)),
				Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false"},
			})
			if err != nil {
				t.Fatal(err)
			}
			e.queues[s.StoreID] = aws.ToString(q.QueueUrl)
			s.SQSQueueURL = aws.ToString(q.QueueUrl)
			if err := repos.CreateStore(ctx, &s); err != nil {
				t.Fatal(err)
			}
		}
		m := tn.Menu
		if err := repos.PutMenu(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, u := range e.queues {
			_, _ = e.sqs.DeleteQueue(domain.NewPlatformContext(context.Background()), &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
		}
	})
	pub, err := posqueue.New(func(context.Context, string) (posqueue.SendAPI, error) { return e.sqs, nil }, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.convs = &flaky{ConversationRepository: repos}
	deps := conversation.Deps{
		Clients: repos, Stores: repos, Mappings: repos, Conversations: e.convs, Idempotency: repos,
		Menus: repos, Orders: repos, Publisher: pub,
		Messenger:    e.out,
		Now:          e.clock.Now,
		NewSessionID: func() string { return fmt.Sprintf("session-%d", e.sessions.Add(1)) },
		Logger:       slog.New(slog.NewJSONHandler(e.logs, nil)),
	}
	for _, o := range opts {
		o(&deps)
	}
	svc, err := conversation.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// customer returns a distinct customer number per n, so subtests can share an env.
func customer(n int) string { return fmt.Sprintf("whatsapp:+55119876%05d", n) }

func brandNumber(clientID string) string {
	if clientID == demo.BurgerID {
		return demo.BurgerNumber
	}
	return demo.PizzariaNumber
}

// msg builds the next inbound message of phone to the brand.
func (e *env) msg(clientID, phone, body string) domain.InboundMessage {
	return domain.InboundMessage{
		Version: domain.InboundMessageVersion, ClientID: clientID,
		MessageSid: fmt.Sprintf("SMin%06d", e.sid.Add(1)),
		From:       phone, To: brandNumber(clientID), Body: body, ProfileName: "Maria",
		ReceivedAt: e.clock.Now(),
	}
}

// handle processes m and returns the bodies sent to its sender.
func (e *env) handle(m domain.InboundMessage) []string {
	e.t.Helper()
	if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), m); err != nil {
		e.t.Fatalf("Handle(%q): %v", m.Body, err)
	}
	return e.bodies(m.From, brandNumber(m.ClientID))
}

// say sends body from phone to the brand and returns the replies.
func (e *env) say(clientID, phone, body string) []string {
	e.t.Helper()
	return e.handle(e.msg(clientID, phone, body))
}

// bodies takes the messages sent to phone and checks they came from the brand's number.
func (e *env) bodies(phone, from string) []string {
	e.t.Helper()
	var out []string
	for _, m := range e.out.take(phone) {
		if m.From != from {
			e.t.Errorf("reply from %s, want the brand's number %s", m.From, from)
		}
		out = append(out, m.Body)
	}
	return out
}

func (e *env) conv(clientID, phone string) *domain.Conversation {
	e.t.Helper()
	c, err := e.repos.GetConversation(domain.NewPlatformContext(context.Background()), clientID, phone)
	if err != nil {
		e.t.Fatalf("GetConversation: %v", err)
	}
	return c
}

func (e *env) noConv(clientID, phone string) {
	e.t.Helper()
	if c, err := e.repos.GetConversation(domain.NewPlatformContext(context.Background()), clientID, phone); !domain.IsNotFound(err) {
		e.t.Fatalf("GetConversation = %+v, %v; want none", c, err)
	}
}

func (e *env) mapping(clientID, phone string) *domain.PhoneMapping {
	e.t.Helper()
	m, err := e.repos.GetMapping(domain.NewPlatformContext(context.Background()), clientID, phone)
	if err != nil {
		e.t.Fatalf("GetMapping: %v", err)
	}
	return m
}

func (e *env) noMapping(clientID, phone string) {
	e.t.Helper()
	if m, err := e.repos.GetMapping(domain.NewPlatformContext(context.Background()), clientID, phone); !domain.IsNotFound(err) {
		e.t.Fatalf("GetMapping = %+v, %v; want none", m, err)
	}
}

// expireConfig moves the clock past the config cache, so data changed under the service is
// seen on the next message.
func (e *env) expireConfig() { e.clock.Advance(conversation.DefaultConfigTTL + time.Second) }

// one fails unless exactly one reply was sent, and returns it.
func one(t *testing.T, replies []string) string {
	t.Helper()
	if len(replies) != 1 {
		t.Fatalf("got %d replies %q, want exactly one", len(replies), replies)
	}
	return replies[0]
}

func none(t *testing.T, replies []string) {
	t.Helper()
	if len(replies) != 0 {
		t.Fatalf("got replies %q, want none", replies)
	}
}

func contains(t *testing.T, reply string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(reply, p) {
			t.Errorf("reply %q does not contain %q", reply, p)
		}
	}
}

// listLines returns the numbered lines of a reply.
func listLines(reply string) []string {
	var lines []string
	for _, l := range strings.Split(reply, "\n") {
		if len(l) > 2 && l[0] >= '1' && l[0] <= '9' && l[1] == '.' {
			lines = append(lines, l)
		}
	}
	return lines
}

func wantList(t *testing.T, reply string, want ...string) {
	t.Helper()
	if got := listLines(reply); !reflect.DeepEqual(got, want) {
		t.Errorf("store list = %q, want %q\nreply: %s", got, want, reply)
	}
}

// entries summarises a history as "in:body" / "out" lines, sids checked separately.
func entries(c *domain.Conversation) []string {
	var out []string
	for _, h := range c.MessageHistory {
		if h.Direction == domain.Inbound {
			out = append(out, "in:"+h.Body)
		} else {
			out = append(out, "out")
		}
	}
	return out
}

func wantState(t *testing.T, c *domain.Conversation, state domain.State, storeID string) {
	t.Helper()
	if c.CurrentState != state || c.StoreID != storeID {
		t.Fatalf("conversation state %s store %q, want %s store %q", c.CurrentState, c.StoreID, state, storeID)
	}
}

// known makes phone a customer of the pizzaria's store (centro or paulista) with a live
// conversation in GREETING, and discards the replies.
func (e *env) known(phone, storeID string) {
	e.t.Helper()
	e.say(demo.PizzariaID, phone, "oi")
	choice := map[string]string{"centro": "1", "paulista": "2"}[storeID]
	e.say(demo.PizzariaID, phone, choice)
	if m := e.mapping(demo.PizzariaID, phone); m.StoreID != storeID {
		e.t.Fatalf("setup: mapped to %q, want %q", m.StoreID, storeID)
	}
}

func TestNewCustomerChoosesStoreByNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(1)
	start := e.clock.Now()

	list := one(t, e.say(demo.PizzariaID, phone, "Oi, boa noite!"))
	contains(t, list, "Olá! Seja bem-vindo(a) ao atendimento de Pizzaria Demo.", "De qual loja você gostaria de pedir?")
	wantList(t, list, lineCentro, linePaulista)
	c := e.conv(demo.PizzariaID, phone)
	wantState(t, c, domain.StateStoreSelection, "")
	if got := c.Context["offeredStores"]; got != "centro,paulista" {
		t.Errorf("offeredStores = %q, want centro,paulista", got)
	}
	firstSession := c.SessionID
	e.noMapping(demo.PizzariaID, phone) // no mapping before a store is chosen

	e.clock.Advance(time.Minute)
	m := e.msg(demo.PizzariaID, phone, " 2. ")
	m.ProfileName = "Maria Souza"
	greet := one(t, e.handle(m))
	want := pizzaWelcome + "\n\nVocê está falando com a loja Paulista (Avenida Paulista, 1500 - Bela Vista - São Paulo - SP)."
	if greet != want {
		t.Errorf("greeting = %q, want %q", greet, want)
	}

	mp := e.mapping(demo.PizzariaID, phone)
	if mp.StoreID != "paulista" || mp.OptedOut || mp.CustomerName != "Maria Souza" {
		t.Errorf("mapping = %+v, want store paulista, customer Maria Souza", mp)
	}
	c = e.conv(demo.PizzariaID, phone)
	wantState(t, c, domain.StateGreeting, "paulista")
	if c.SessionID == firstSession || c.SessionID == "" {
		t.Errorf("sessionId %q after the choice, want a new one (was %q)", c.SessionID, firstSession)
	}
	if len(c.Cart) != 0 || len(c.Context) != 0 {
		t.Errorf("cart %v context %v after restart, want both empty", c.Cart, c.Context)
	}
	if got, want := entries(c), []string{"in:Oi, boa noite!", "out", "in: 2. ", "out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %q, want %q", got, want)
	}
	if c.MessageHistory[1].Body != list || c.MessageHistory[3].Body != greet {
		t.Errorf("history does not hold the replies sent")
	}
	if c.MessageHistory[2].MessageSid != m.MessageSid || c.MessageHistory[3].MessageSid != "" {
		t.Errorf("history sids = %q, %q; want the inbound sid on the inbound entry only", c.MessageHistory[2].MessageSid, c.MessageHistory[3].MessageSid)
	}
	now := start.Add(time.Minute)
	if c.CustomerName != "Maria Souza" || c.Language != domain.PtBR {
		t.Errorf("customerName %q language %q", c.CustomerName, c.Language)
	}
	if !c.LastInteraction.Equal(now) || !c.LastMessageAt().Equal(now) || c.TTL != now.Add(24*time.Hour).Unix() {
		t.Errorf("lastInteraction %v lastMessageTimestamp %v ttl %d; want %v, %v, %d",
			c.LastInteraction, c.LastMessageTimestamp, c.TTL, now, now, now.Add(24*time.Hour).Unix())
	}
}

func TestChoiceByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, tc := range []struct{ say, store string }{
		{"paulista", "paulista"},
		{"PAULISTA", "paulista"},
		{"Paulísta!", "paulista"},
		{"Centro", "centro"},
		{"  céntro ", "centro"},
		{"loja Centro", "centro"},
		{"2)", "paulista"},
	} {
		t.Run(tc.say, func(t *testing.T) {
			t.Parallel()
			phone := customer(100 + i)
			e.say(demo.PizzariaID, phone, "olá")
			greet := one(t, e.say(demo.PizzariaID, phone, tc.say))
			name := map[string]string{"centro": "Centro", "paulista": "Paulista"}[tc.store]
			contains(t, greet, pizzaWelcome, "Você está falando com a loja "+name+" (")
			if m := e.mapping(demo.PizzariaID, phone); m.StoreID != tc.store {
				t.Errorf("mapped to %q, want %q", m.StoreID, tc.store)
			}
			wantState(t, e.conv(demo.PizzariaID, phone), domain.StateGreeting, tc.store)
		})
	}
}

func TestInvalidChoiceIsAskedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(2)
	e.say(demo.PizzariaID, phone, "oi")
	for _, bad := range []string{"5", "0", "quero uma pizza", "1 2"} {
		again := one(t, e.say(demo.PizzariaID, phone, bad))
		contains(t, again, "Desculpe, não entendi qual loja você escolheu.")
		wantList(t, again, lineCentro, linePaulista)
		wantState(t, e.conv(demo.PizzariaID, phone), domain.StateStoreSelection, "")
		e.noMapping(demo.PizzariaID, phone)
	}
	contains(t, one(t, e.say(demo.PizzariaID, phone, "1")), "Você está falando com a loja Centro")
	if m := e.mapping(demo.PizzariaID, phone); m.StoreID != "centro" {
		t.Errorf("mapped to %q, want centro", m.StoreID)
	}
}

// One customer writing to both demo brands has a mapping and a conversation with each, in
// each brand's language, and neither touches the other.
func TestTwoBrandsKeptApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(3)

	list := one(t, e.say(demo.PizzariaID, phone, "oi"))
	contains(t, list, "De qual loja")
	wantList(t, list, lineCentro, linePaulista)

	greet := one(t, e.say(demo.BurgerID, phone, "hi"))
	want := burgerWelome + "\n\nYou're talking to our Vila Madalena store (Rua Aspicuelta, 300 - Vila Madalena - São Paulo - SP)."
	if greet != want {
		t.Errorf("burger greeting = %q, want %q", greet, want)
	}

	if m := e.mapping(demo.BurgerID, phone); m.StoreID != "vila-madalena" {
		t.Errorf("burger mapping store %q, want vila-madalena", m.StoreID)
	}
	e.noMapping(demo.PizzariaID, phone)
	pc, bc := e.conv(demo.PizzariaID, phone), e.conv(demo.BurgerID, phone)
	wantState(t, pc, domain.StateStoreSelection, "")
	wantState(t, bc, domain.StateGreeting, "vila-madalena")
	if pc.Language != domain.PtBR || bc.Language != domain.EnUS {
		t.Errorf("languages %s / %s, want pt-BR / en-US", pc.Language, bc.Language)
	}
	if pc.SessionID == bc.SessionID {
		t.Error("the two brands share a session")
	}
	if got := entries(pc); !reflect.DeepEqual(got, []string{"in:oi", "out"}) {
		t.Errorf("pizzaria history %q", got)
	}
	if got := entries(bc); !reflect.DeepEqual(got, []string{"in:hi", "out"}) {
		t.Errorf("burger history %q", got)
	}

	// The pizzaria choice does not move the burger mapping.
	e.say(demo.PizzariaID, phone, "paulista")
	if m := e.mapping(demo.BurgerID, phone); m.StoreID != "vila-madalena" {
		t.Errorf("burger mapping store %q after a pizzaria choice", m.StoreID)
	}
	reply := one(t, e.say(demo.BurgerID, phone, "a cheeseburger please"))
	contains(t, reply, "1x Cheese Burger — R$ 35,00")
	if c := e.conv(demo.PizzariaID, phone); len(c.Cart) != 0 {
		t.Errorf("the burger order reached the pizzaria's cart: %+v", c.Cart)
	}
}

func TestKnownCustomerInConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(4)
	e.known(phone, "centro")
	before, conv := e.mapping(demo.PizzariaID, phone), e.conv(demo.PizzariaID, phone)

	reply := one(t, e.say(demo.PizzariaID, phone, "quero uma pizza de calabresa"))
	want := "Qual tamanho de Calabresa?\n1. Média — R$ 42,00\n2. Grande — R$ 52,00"
	if reply != want {
		t.Errorf("reply = %q, want %q", reply, want)
	}
	after := e.mapping(demo.PizzariaID, phone)
	if after.Version != before.Version {
		t.Errorf("mapping version %d -> %d: an ordinary message must not write the mapping", before.Version, after.Version)
	}
	c := e.conv(demo.PizzariaID, phone)
	wantState(t, c, domain.StateItemSelection, "centro")
	if c.SessionID != conv.SessionID || c.Version != conv.Version+1 {
		t.Errorf("session %q version %d, want %q and %d", c.SessionID, c.Version, conv.SessionID, conv.Version+1)
	}

	// A new profile name is remembered on both.
	m := e.msg(demo.PizzariaID, phone, "oi")
	m.ProfileName = "Maria S."
	e.handle(m)
	if got := e.mapping(demo.PizzariaID, phone).CustomerName; got != "Maria S." {
		t.Errorf("mapping customerName %q, want Maria S.", got)
	}
	if got := e.conv(demo.PizzariaID, phone).CustomerName; got != "Maria S." {
		t.Errorf("conversation customerName %q, want Maria S.", got)
	}
}

// A known customer whose conversation expired is greeted again, in a new conversation, with
// the mapping untouched.
func TestKnownCustomerAfterExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(5)
	e.known(phone, "paulista")
	old, before := e.conv(demo.PizzariaID, phone), e.mapping(demo.PizzariaID, phone)

	e.clock.Advance(25 * time.Hour)
	greet := one(t, e.say(demo.PizzariaID, phone, "boa noite"))
	contains(t, greet, pizzaWelcome, "Você está falando com a loja Paulista (")
	c := e.conv(demo.PizzariaID, phone)
	wantState(t, c, domain.StateGreeting, "paulista")
	if c.SessionID == old.SessionID || c.Version != 1 {
		t.Errorf("session %q version %d, want a new conversation", c.SessionID, c.Version)
	}
	if got := entries(c); !reflect.DeepEqual(got, []string{"in:boa noite", "out"}) {
		t.Errorf("history %q, want only the new exchange", got)
	}
	if after := e.mapping(demo.PizzariaID, phone); after.Version != before.Version {
		t.Errorf("mapping written on a returning customer's message")
	}
}

func TestChangeStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(6)
	e.known(phone, "centro")
	session := e.conv(demo.PizzariaID, phone).SessionID

	for _, cmd := range []string{"Trocar de loja!", "mudar de loja", "TROCAR LOJA", "outra loja.", "change store"} {
		list := one(t, e.say(demo.PizzariaID, phone, cmd))
		contains(t, list, "Claro! De qual loja você gostaria de pedir?")
		wantList(t, list, lineCentro, linePaulista)
		wantState(t, e.conv(demo.PizzariaID, phone), domain.StateStoreSelection, "centro")
		if m := e.mapping(demo.PizzariaID, phone); m.StoreID != "centro" {
			t.Errorf("mapping changed to %q before a choice", m.StoreID)
		}
	}
	greet := one(t, e.say(demo.PizzariaID, phone, "Paulista"))
	contains(t, greet, pizzaWelcome, "Você está falando com a loja Paulista (")
	if m := e.mapping(demo.PizzariaID, phone); m.StoreID != "paulista" {
		t.Errorf("mapping store %q, want paulista", m.StoreID)
	}
	c := e.conv(demo.PizzariaID, phone)
	wantState(t, c, domain.StateGreeting, "paulista")
	if c.SessionID == session {
		t.Error("the conversation did not restart (same sessionId)")
	}

	// In English, with the brand's one store.
	bphone := customer(7)
	e.say(demo.BurgerID, bphone, "hello")
	list := one(t, e.say(demo.BurgerID, bphone, "Switch store"))
	contains(t, list, "Sure! Which store would you like to order from?")
	wantList(t, list, "1. Vila Madalena — Rua Aspicuelta, 300 - Vila Madalena - São Paulo - SP")
	contains(t, one(t, e.say(demo.BurgerID, bphone, "1")), "You're talking to our Vila Madalena store (")
}

func TestMappingToUnavailableStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())

	t.Run("inactive", func(t *testing.T) {
		phone := customer(8)
		e.known(phone, "centro")
		if _, err := e.repos.UpdateStore(ctx, demo.PizzariaID, "centro", func(s *domain.Store) error {
			s.IsActive = false
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		e.expireConfig()
		reply := one(t, e.say(demo.PizzariaID, phone, "oi"))
		contains(t, reply, "Desculpe, a loja Centro não está disponível no momento.")
		wantList(t, reply, "1. Paulista — Avenida Paulista, 1500 - Bela Vista - São Paulo - SP")
		c := e.conv(demo.PizzariaID, phone)
		if c.CurrentState != domain.StateStoreSelection || c.Context["offeredStores"] != "paulista" {
			t.Errorf("state %s offered %q, want STORE_SELECTION offering paulista", c.CurrentState, c.Context["offeredStores"])
		}
		// "2" meant Paulista in the old list; only the list shown counts now.
		contains(t, one(t, e.say(demo.PizzariaID, phone, "2")), "Desculpe, não entendi")
		contains(t, one(t, e.say(demo.PizzariaID, phone, "1")), "Você está falando com a loja Paulista")
		if m := e.mapping(demo.PizzariaID, phone); m.StoreID != "paulista" {
			t.Errorf("mapping store %q, want paulista", m.StoreID)
		}
		// Centro may no longer be chosen by name either.
		one(t, e.say(demo.PizzariaID, phone, "trocar de loja"))
		contains(t, one(t, e.say(demo.PizzariaID, phone, "centro")), "Desculpe, não entendi")
	})

	t.Run("deleted", func(t *testing.T) {
		phone := customer(9)
		if err := e.repos.CreateMapping(ctx, &domain.PhoneMapping{ClientID: demo.BurgerID, PhoneNumber: phone, StoreID: "closed-for-good"}); err != nil {
			t.Fatal(err)
		}
		reply := one(t, e.say(demo.BurgerID, phone, "hi"))
		contains(t, reply, "Sorry, the store you had chosen is no longer available.")
		wantList(t, reply, "1. Vila Madalena — Rua Aspicuelta, 300 - Vila Madalena - São Paulo - SP")
		wantState(t, e.conv(demo.BurgerID, phone), domain.StateStoreSelection, "")
		contains(t, one(t, e.say(demo.BurgerID, phone, "vila madalena")), "You're talking to our Vila Madalena store")
		if m := e.mapping(demo.BurgerID, phone); m.StoreID != "vila-madalena" {
			t.Errorf("mapping store %q, want vila-madalena", m.StoreID)
		}
	})
}

func TestNoActiveStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.repos.UpdateStore(domain.NewPlatformContext(context.Background()), demo.BurgerID, "vila-madalena", func(s *domain.Store) error {
		s.IsActive = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	phone := customer(10)
	reply := one(t, e.say(demo.BurgerID, phone, "hi"))
	if want := "Hi! Thank you for contacting Burger Demo. No store is taking orders at the moment. Please try again later."; reply != want {
		t.Errorf("reply = %q, want %q", reply, want)
	}
	e.noMapping(demo.BurgerID, phone)
	e.noConv(demo.BurgerID, phone)
}

func TestInactiveClientGetsOneNotice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.repos.UpdateClient(domain.NewPlatformContext(context.Background()), demo.PizzariaID, func(c *domain.Client) error {
		c.IsActive = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a, b := customer(11), customer(12)
	notice := one(t, e.say(demo.PizzariaID, a, "oi"))
	if want := "Olá! Obrigado pelo contato. No momento o atendimento de Pizzaria Demo pelo WhatsApp não está disponível. Pedimos desculpas pelo transtorno."; notice != want {
		t.Errorf("notice = %q, want %q", notice, want)
	}
	for _, body := range []string{"oi?", "alguém aí?", "1", "PARAR"} {
		none(t, e.say(demo.PizzariaID, a, body))
	}
	one(t, e.say(demo.PizzariaID, b, "oi")) // another customer gets their own notice
	none(t, e.say(demo.PizzariaID, b, "oi"))
	for _, p := range []string{a, b} {
		e.noMapping(demo.PizzariaID, p)
		e.noConv(demo.PizzariaID, p)
	}
	if got := e.svc.Stats().InactiveNotices; got != 2 {
		t.Errorf("InactiveNotices = %d, want 2", got)
	}
	// The other brand is unaffected.
	contains(t, one(t, e.say(demo.BurgerID, a, "hi")), burgerWelome)
}

// A failed send of the inactive notice releases its claim, so the retry sends it.
func TestInactiveNoticeRetriedAfterSendFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.repos.UpdateClient(domain.NewPlatformContext(context.Background()), demo.BurgerID, func(c *domain.Client) error {
		c.IsActive = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	phone := customer(13)
	m := e.msg(demo.BurgerID, phone, "hi")
	e.out.failNext(1)
	if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), m); err == nil {
		t.Fatal("Handle succeeded although the messenger failed")
	}
	contains(t, one(t, e.handle(m)), "Burger Demo is not taking messages on WhatsApp at the moment.")
	none(t, e.say(demo.BurgerID, phone, "hi"))
}

func TestOptOutAndBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(14)
	e.known(phone, "centro")

	confirm := one(t, e.say(demo.PizzariaID, phone, "  Parar!! "))
	if want := "Tudo bem! Você não receberá mais mensagens de Pizzaria Demo. Se mudar de ideia, é só enviar VOLTAR."; confirm != want {
		t.Errorf("confirmation = %q, want %q", confirm, want)
	}
	if m := e.mapping(demo.PizzariaID, phone); !m.OptedOut || m.StoreID != "centro" {
		t.Fatalf("mapping %+v, want opted out, still at centro", m)
	}
	for _, body := range []string{"oi", "trocar de loja", "2", "quero pizza"} {
		none(t, e.say(demo.PizzariaID, phone, body))
	}
	c := e.conv(demo.PizzariaID, phone)
	wantState(t, c, domain.StateGreeting, "centro")
	got := entries(c)
	if want := []string{"in:  Parar!! ", "out", "in:oi", "in:trocar de loja", "in:2", "in:quero pizza"}; !reflect.DeepEqual(got[len(got)-6:], want) {
		t.Errorf("history tail %q, want %q", got[len(got)-6:], want)
	}

	err := e.svc.Notify(ctx, demo.PizzariaID, phone, domain.OutboundMessage{Body: "Seu pedido saiu para entrega"})
	if !errors.Is(err, conversation.ErrOptedOut) {
		t.Errorf("Notify to an opted-out customer = %v, want ErrOptedOut", err)
	}
	err = e.svc.Notify(ctx, demo.PizzariaID, phone, domain.OutboundMessage{ContentSID: "HX123"})
	if !errors.Is(err, conversation.ErrOptedOut) {
		t.Errorf("Notify with a template to an opted-out customer = %v, want ErrOptedOut", err)
	}
	none(t, e.bodies(phone, demo.PizzariaNumber))
	st := e.svc.Stats()
	if st.OptedOutSuppressed != 2 || st.OptedOutIgnored != 4 {
		t.Errorf("OptedOutSuppressed %d OptedOutIgnored %d, want 2 and 4", st.OptedOutSuppressed, st.OptedOutIgnored)
	}

	back := one(t, e.say(demo.PizzariaID, phone, "VOLTAR!"))
	if want := "Que bom ter você de volta! Você voltará a receber mensagens de Pizzaria Demo. Envie qualquer mensagem para continuar."; back != want {
		t.Errorf("opt-in confirmation = %q, want %q", back, want)
	}
	if m := e.mapping(demo.PizzariaID, phone); m.OptedOut || m.StoreID != "centro" {
		t.Errorf("mapping %+v, want opted in at centro", m)
	}
	contains(t, one(t, e.say(demo.PizzariaID, phone, "oi")), "Você está falando com a loja Centro.")
	if err := e.svc.Notify(ctx, demo.PizzariaID, phone, domain.OutboundMessage{Body: "Seu pedido saiu para entrega"}); err != nil {
		t.Errorf("Notify after opting back in: %v", err)
	}
	one(t, e.bodies(phone, demo.PizzariaNumber))
}

// A customer who opts out before choosing a store gets a mapping without a store; START
// brings them back and identification starts on the next message.
func TestOptOutBeforeAnyStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(15)

	contains(t, one(t, e.say(demo.BurgerID, phone, "STOP")), "You won't receive any more messages from Burger Demo.", "START")
	m := e.mapping(demo.BurgerID, phone)
	if !m.OptedOut || m.StoreID != "" || m.CustomerName != "Maria" {
		t.Fatalf("mapping %+v, want opted out without a store", m)
	}
	e.noConv(demo.BurgerID, phone)
	none(t, e.say(demo.BurgerID, phone, "hi"))
	e.noConv(demo.BurgerID, phone)

	contains(t, one(t, e.say(demo.BurgerID, phone, "start")), "Welcome back! You'll receive messages from Burger Demo again.")
	e.noConv(demo.BurgerID, phone)
	contains(t, one(t, e.say(demo.BurgerID, phone, "hi")), burgerWelome, "You're talking to our Vila Madalena store (")
	if m := e.mapping(demo.BurgerID, phone); m.OptedOut || m.StoreID != "vila-madalena" {
		t.Errorf("mapping %+v, want opted in at vila-madalena", m)
	}
	// The opt-out of one brand says nothing about the other.
	e.say(demo.PizzariaID, phone, "sair")
	if m := e.mapping(demo.BurgerID, phone); m.OptedOut {
		t.Error("opting out of the pizzaria opted out of the burger")
	}
	contains(t, one(t, e.say(demo.BurgerID, phone, "hi")), "You're talking to our Vila Madalena store.")
}

func TestNotifyWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(16)
	e.say(demo.BurgerID, phone, "hi")
	free := domain.OutboundMessage{Body: "Your order is on its way", ClientID: "someone-else", From: "x", To: "y"}

	e.clock.Advance(23 * time.Hour)
	if err := e.svc.Notify(ctx, demo.BurgerID, phone, free); err != nil {
		t.Fatalf("Notify inside the window: %v", err)
	}
	sent := e.out.take(phone)
	if len(sent) != 1 || sent[0].Body != free.Body || sent[0].From != demo.BurgerNumber || sent[0].ClientID != demo.BurgerID {
		t.Fatalf("sent %+v, want the body from the brand's number", sent)
	}

	e.clock.Advance(time.Hour) // exactly 24 hours after the customer's message
	err := e.svc.Notify(ctx, demo.BurgerID, phone, free)
	if !errors.Is(err, conversation.ErrTemplateRequired) || domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("Notify outside the window = %v, want ErrTemplateRequired", err)
	}
	if got := e.svc.Stats().TemplateMissing; got != 1 {
		t.Errorf("TemplateMissing = %d, want 1", got)
	}
	none(t, e.bodies(phone, demo.BurgerNumber))

	tmpl := domain.OutboundMessage{ContentSID: "HX0123456789abcdef", ContentVariables: map[string]string{"1": "42"}}
	if err := e.svc.Notify(ctx, demo.BurgerID, phone, tmpl); err != nil {
		t.Fatalf("Notify with a template outside the window: %v", err)
	}
	sent = e.out.take(phone)
	if len(sent) != 1 || sent[0].ContentSID != tmpl.ContentSID || sent[0].ContentVariables["1"] != "42" || sent[0].From != demo.BurgerNumber {
		t.Fatalf("sent %+v, want the template", sent)
	}

	// A customer who never wrote is outside any window.
	if err := e.svc.Notify(ctx, demo.BurgerID, customer(17), free); !errors.Is(err, conversation.ErrTemplateRequired) {
		t.Errorf("Notify to a stranger = %v, want ErrTemplateRequired", err)
	}
	if st := e.svc.Stats(); st.TemplateMissing != 2 || st.NotificationsSent != 2 {
		t.Errorf("TemplateMissing %d NotificationsSent %d, want 2 and 2", st.TemplateMissing, st.NotificationsSent)
	}
	if got := e.logs.Events(conversation.EventTemplateMissing); got != 2 {
		t.Errorf("%d log lines with event %s, want 2", got, conversation.EventTemplateMissing)
	}
}

// A redelivered message is not processed again; the replies recorded for it are sent again
// (at least once), and nothing is written.
func TestRedelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(18)

	first := e.msg(demo.PizzariaID, phone, "oi")
	list := one(t, e.handle(first))
	before := e.conv(demo.PizzariaID, phone)

	again := one(t, e.handle(first))
	if again != list {
		t.Errorf("redelivery re-sent %q, want the recorded reply %q", again, list)
	}
	after := e.conv(demo.PizzariaID, phone)
	if after.Version != before.Version || len(after.MessageHistory) != 2 {
		t.Errorf("redelivery wrote the conversation: version %d -> %d, %d history entries", before.Version, after.Version, len(after.MessageHistory))
	}
	if st := e.svc.Stats(); st.Duplicates != 1 || st.RepliesResent != 1 || st.Turns != 1 {
		t.Errorf("stats %+v, want 1 turn, 1 duplicate, 1 resent", st)
	}

	// The choice's reply fails to go out: the message is retried, the turn is not run again
	// (same session, one mapping write), and the greeting is sent.
	choice := e.msg(demo.PizzariaID, phone, "2")
	e.out.failNext(1)
	if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), choice); err == nil {
		t.Fatal("Handle succeeded although the messenger failed")
	}
	none(t, e.bodies(phone, demo.PizzariaNumber))
	chosen, mp := e.conv(demo.PizzariaID, phone), e.mapping(demo.PizzariaID, phone)
	wantState(t, chosen, domain.StateGreeting, "paulista")

	contains(t, one(t, e.handle(choice)), pizzaWelcome, "loja Paulista")
	c := e.conv(demo.PizzariaID, phone)
	if c.SessionID != chosen.SessionID || c.Version != chosen.Version {
		t.Errorf("the retried choice ran again: session %q -> %q, version %d -> %d", chosen.SessionID, c.SessionID, chosen.Version, c.Version)
	}
	if m := e.mapping(demo.PizzariaID, phone); m.Version != mp.Version || m.Version != 1 {
		t.Errorf("mapping version %d (was %d), want 1", m.Version, mp.Version)
	}
	if got := entries(c); !reflect.DeepEqual(got, []string{"in:oi", "out", "in:2", "out"}) {
		t.Errorf("history %q", got)
	}

	// A third delivery of the first message still sends only its own reply.
	if again := one(t, e.handle(first)); again != list {
		t.Errorf("late redelivery sent %q", again)
	}
	wantState(t, e.conv(demo.PizzariaID, phone), domain.StateGreeting, "paulista")
}

// A turn whose conversation write is lost after its mapping write is completed, not
// doubled, when the message is retried: the mapping is written first and the step converges.
func TestRetryAfterLostConversationWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())

	t.Run("store choice", func(t *testing.T) {
		phone := customer(30)
		e.say(demo.PizzariaID, phone, "oi")
		selecting := e.conv(demo.PizzariaID, phone)
		choice := e.msg(demo.PizzariaID, phone, "paulista")
		e.convs.n.Store(1)
		if err := e.svc.Handle(ctx, choice); !errors.Is(err, errLost) {
			t.Fatalf("Handle = %v, want the lost write", err)
		}
		none(t, e.bodies(phone, demo.PizzariaNumber))
		if m := e.mapping(demo.PizzariaID, phone); m.StoreID != "paulista" {
			t.Fatalf("mapping store %q: the mapping is written before the conversation", m.StoreID)
		}
		if c := e.conv(demo.PizzariaID, phone); c.Version != selecting.Version {
			t.Fatalf("the conversation was written")
		}
		contains(t, one(t, e.handle(choice)), pizzaWelcome, "Você está falando com a loja Paulista (")
		c := e.conv(demo.PizzariaID, phone)
		wantState(t, c, domain.StateGreeting, "paulista")
		if got := entries(c); !reflect.DeepEqual(got, []string{"in:oi", "out", "in:paulista", "out"}) {
			t.Errorf("history %q", got)
		}
		if m := e.mapping(demo.PizzariaID, phone); m.Version != 1 {
			t.Errorf("mapping version %d, want 1 (written once)", m.Version)
		}
	})

	t.Run("opt-out of a new customer", func(t *testing.T) {
		phone := customer(31)
		m := e.msg(demo.BurgerID, phone, "hi")
		e.convs.n.Store(1) // the single-store greeting's CreateConversation
		if err := e.svc.Handle(ctx, m); !errors.Is(err, errLost) {
			t.Fatalf("Handle = %v, want the lost write", err)
		}
		e.noConv(demo.BurgerID, phone)
		contains(t, one(t, e.handle(m)), burgerWelome)
		wantState(t, e.conv(demo.BurgerID, phone), domain.StateGreeting, "vila-madalena")

		stop := e.msg(demo.BurgerID, phone, "STOP")
		e.convs.n.Store(1)
		if err := e.svc.Handle(ctx, stop); !errors.Is(err, errLost) {
			t.Fatalf("Handle = %v, want the lost write", err)
		}
		if !e.mapping(demo.BurgerID, phone).OptedOut {
			t.Fatal("the opt-out was not written first")
		}
		contains(t, one(t, e.handle(stop)), "You won't receive any more messages")
		if got := entries(e.conv(demo.BurgerID, phone)); !reflect.DeepEqual(got, []string{"in:hi", "out", "in:STOP", "out"}) {
			t.Errorf("history %q", got)
		}
	})
}

func TestHistoryInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(19)
	var want, sids []string
	for i := 1; i <= 10; i++ {
		e.clock.Advance(time.Second)
		m := e.msg(demo.BurgerID, phone, fmt.Sprintf("message %d", i))
		one(t, e.handle(m))
		want = append(want, "in:"+m.Body, "out")
		sids = append(sids, m.MessageSid)
	}
	// The history is bounded by size: what is kept is the newest part, whole turns, in order.
	c := e.conv(demo.BurgerID, phone)
	got := entries(c)
	if len(got) < 6 || len(got)%2 != 0 || !reflect.DeepEqual(got, want[len(want)-len(got):]) {
		t.Fatalf("history %q, want the end of %q", got, want)
	}
	sids = sids[len(sids)-len(got)/2:]
	var gotSids []string
	for i, h := range c.MessageHistory {
		if h.Direction == domain.Inbound {
			gotSids = append(gotSids, h.MessageSid)
		}
		if i > 0 && h.At.Before(c.MessageHistory[i-1].At) {
			t.Errorf("history entry %d is older than the one before it", i)
		}
	}
	if !reflect.DeepEqual(gotSids, sids) {
		t.Errorf("sids %q, want %q", gotSids, sids)
	}
	if !c.LastMessageAt().Equal(e.clock.Now()) {
		t.Errorf("lastMessageTimestamp %v, want %v", c.LastMessageTimestamp, e.clock.Now())
	}

	// The history stays bounded, keeping the newest entries.
	for i := 11; i <= 40; i++ {
		e.say(demo.BurgerID, phone, fmt.Sprintf("message %d", i))
	}
	c = e.conv(demo.BurgerID, phone)
	if n, b := len(c.MessageHistory), c.HistoryBytes(); n > domain.MaxHistory || b > domain.MaxHistoryBytes || n < 4 {
		t.Fatalf("history has %d entries, %d bytes; want at most %d and %d bytes", n, b, domain.MaxHistory, domain.MaxHistoryBytes)
	}
	if got := c.MessageHistory[len(c.MessageHistory)-2].Body; got != "message 40" {
		t.Errorf("newest inbound entry %q, want message 40", got)
	}
}

// A known customer's ordinary turn stays within the DynamoDB budget when the configuration
// cache is warm.
func TestKnownCustomerCallBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(20)
	e.known(phone, "centro")

	e.calls.reset()
	e.say(demo.PizzariaID, phone, "quero uma pizza")
	n, ops := e.calls.reset()
	t.Logf("known customer, live conversation: %d DynamoDB calls %v", n, ops)
	if n > 4 {
		t.Errorf("%d DynamoDB calls %v, want at most 4", n, ops)
	}
	// Two reads and one write of what changed (UpdateItem). The webhook's claims are
	// completed by the worker (sqsworker), not the engine.
	if want := map[string]int{"GetItem": 2, "UpdateItem": 1}; !reflect.DeepEqual(ops, want) {
		t.Errorf("calls %v, want %v", ops, want)
	}

	// The conversation expired (the config cache is warmed again first).
	e.clock.Advance(25 * time.Hour)
	e.say(demo.BurgerID, customer(21), "warm-up") // unrelated brand: proves nothing is shared
	e.say(demo.PizzariaID, customer(22), "warm-up")
	e.calls.reset()
	e.say(demo.PizzariaID, phone, "oi de novo")
	n, ops = e.calls.reset()
	t.Logf("known customer, expired conversation: %d DynamoDB calls %v", n, ops)
	if n > 4 {
		t.Errorf("%d DynamoDB calls %v, want at most 4", n, ops)
	}
}

// Many customers at once: the service is safe for concurrent use (run with -race).
func TestConcurrentCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			phone := customer(200 + i)
			for _, body := range []string{"oi", "2", "quero pizza"} {
				if err := e.svc.Handle(domain.NewPlatformContext(context.Background()), e.msg(demo.PizzariaID, phone, body)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 8 {
		phone := customer(200 + i)
		if got := len(e.out.take(phone)); got != 3 {
			t.Errorf("%s got %d replies, want 3", domain.Mask(phone), got)
		}
		wantState(t, e.conv(demo.PizzariaID, phone), domain.StateItemSelection, "paulista") // "quero pizza" lists the pizzas
	}
	if st := e.svc.Stats(); st.Turns != 24 || st.RepliesSent != 24 {
		t.Errorf("stats %+v, want 24 turns and replies", st)
	}
}

func TestTenantInContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(23)
	m := e.msg(demo.PizzariaID, phone, "oi")
	ctx := domain.NewContextWithTenant(domain.NewPlatformContext(context.Background()), demo.BurgerID)
	if err := e.svc.Handle(ctx, m); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("Handle under another tenant = %v, want EFORBIDDEN", err)
	}
	if err := e.svc.Notify(ctx, demo.PizzariaID, phone, domain.OutboundMessage{Body: "x"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("Notify under another tenant = %v, want EFORBIDDEN", err)
	}
	none(t, e.bodies(phone, demo.PizzariaNumber))
	ctx = domain.NewContextWithTenant(domain.NewPlatformContext(context.Background()), demo.PizzariaID)
	if err := e.svc.Handle(ctx, m); err != nil {
		t.Errorf("Handle under its own tenant: %v", err)
	}
	one(t, e.bodies(phone, demo.PizzariaNumber))
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	for name, m := range map[string]domain.InboundMessage{
		"bare number":    {ClientID: demo.PizzariaID, MessageSid: "SM1", From: "+5511987654321", Body: "oi"},
		"no sid":         {ClientID: demo.PizzariaID, From: customer(24), Body: "oi"},
		"invalid client": {ClientID: "Not An Id", MessageSid: "SM1", From: customer(24), Body: "oi"},
	} {
		if err := e.svc.Handle(ctx, m); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: Handle = %v, want EINVALID", name, err)
		}
	}
	if err := e.svc.Handle(ctx, domain.InboundMessage{ClientID: "no-such-brand", MessageSid: "SM1", From: customer(24)}); !domain.IsNotFound(err) {
		t.Errorf("unknown brand: Handle = %v, want ENOTFOUND", err)
	}
	if err := e.svc.Notify(ctx, demo.PizzariaID, customer(24), domain.OutboundMessage{}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("empty notification = %v, want EINVALID", err)
	}
	none(t, e.out.bodiesAll())
}

func (r *recorder) bodiesAll() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.sent {
		out = append(out, m.Body)
	}
	return out
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	full := func() conversation.Deps {
		var r *dynamo.Repositories // never called
		return conversation.Deps{Clients: r, Stores: r, Mappings: r, Conversations: r, Idempotency: r, Messenger: &recorder{}}
	}
	if _, err := conversation.New(full()); err != nil {
		t.Fatalf("New with every dependency: %v", err)
	}
	for name, mutate := range map[string]func(*conversation.Deps){
		"no messenger":    func(d *conversation.Deps) { d.Messenger = nil },
		"no mappings":     func(d *conversation.Deps) { d.Mappings = nil },
		"negative ttl":    func(d *conversation.Deps) { d.ConfigTTL = -time.Second },
		"ttl above bound": func(d *conversation.Deps) { d.ConfigTTL = conversation.MaxConfigTTL + time.Second },
	} {
		d := full()
		mutate(&d)
		if _, err := conversation.New(d); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// A message processed more than 24 hours after it arrived (redriven from the dead-letter
// queue) still moves the conversation, but its free-text reply is refused and counted rather
// than sent for WhatsApp to reject, and the message is not failed for retry.
func TestLateMessageReplyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(40)
	e.say(demo.BurgerID, phone, "hi")
	late := e.msg(demo.BurgerID, phone, "still there?")
	e.clock.Advance(25 * time.Hour)
	none(t, e.handle(late))
	if got := e.svc.Stats().TemplateMissing; got != 1 {
		t.Errorf("TemplateMissing = %d, want 1", got)
	}
	if got := e.logs.Events(conversation.EventTemplateMissing); got != 1 {
		t.Errorf("%d log lines with event %s, want 1 (the metric filter counts them)", got, conversation.EventTemplateMissing)
	}
	c := e.conv(demo.BurgerID, phone)
	if got := entries(c); len(got) == 0 || !strings.Contains(got[len(got)-2]+got[len(got)-1], "still there?") {
		t.Errorf("late message not recorded: %v", got)
	}
	// The next, timely message is answered as usual.
	one(t, e.say(demo.BurgerID, phone, "hello again"))
}

// A reply too long for one WhatsApp message goes in parts. When sending stops part-way (Twilio
// fails, or the Lambda is about to time out), the parts that went are recorded, and the retry
// sends only the rest: the customer never gets a part twice.
func TestRepliesNotSentTwiceAfterAPartialDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	long := strings.Repeat("Hambúrgueres artesanais, batatas e milk-shakes. ", 20) // ~960 characters
	if _, err := e.repos.UpdateClient(ctx, demo.BurgerID, func(c *domain.Client) error { c.WelcomeMessage = long; return nil }); err != nil {
		t.Fatal(err)
	}
	phone := customer(41)
	// Three quick messages, one answer: the welcome, the menu and the cart run past 1,600
	// characters.
	burst := []domain.InboundMessage{e.msg(demo.BurgerID, phone, "oi"), e.msg(demo.BurgerID, phone, "cardapio"), e.msg(demo.BurgerID, phone, "quero 2 cheeseburger"), e.msg(demo.BurgerID, phone, "e uma batata e uma coca"), e.msg(demo.BurgerID, phone, "carrinho")}
	e.out.failAfter(1, 1)
	if err := e.svc.HandleBurst(ctx, burst); err == nil {
		t.Fatalf("HandleBurst succeeded although the second part could not be sent: %q", e.bodies(phone, demo.BurgerNumber))
	}
	first := e.bodies(phone, demo.BurgerNumber)
	if len(first) != 1 {
		t.Fatalf("%d parts went before the failure, want 1", len(first))
	}
	last := burst[len(burst)-1].MessageSid
	c := e.conv(demo.BurgerID, phone)
	if c.Delivery == nil || c.Delivery.MessageSid != last || c.Delivery.Sent != 1 {
		t.Fatalf("delivery record %+v, want 1 sent for %s", c.Delivery, last)
	}
	// The redelivery sends the rest, once.
	if err := e.svc.HandleBurst(ctx, burst); err != nil {
		t.Fatal(err)
	}
	rest := e.bodies(phone, demo.BurgerNumber)
	if len(rest) == 0 || rest[0] == first[0] {
		t.Fatalf("the retry sent %d parts, starting with the part already sent: %v", len(rest), rest)
	}
	all := append(first, rest...)
	for i, p := range all {
		if n := len(utf16.Encode([]rune(p))); n > notify.MaxBodyChars {
			t.Errorf("part %d has %d characters", i, n)
		}
	}
	if joined := strings.Join(strings.Fields(strings.Join(all, " ")), " "); !strings.Contains(joined, strings.TrimSpace(strings.Join(strings.Fields(long), " "))) {
		t.Errorf("the parts do not carry the whole welcome")
	}
	// A further redelivery sends nothing: everything went.
	if err := e.svc.HandleBurst(ctx, burst); err != nil {
		t.Fatal(err)
	}
	if again := e.bodies(phone, demo.BurgerNumber); len(again) != 0 {
		t.Errorf("a third delivery sent %d parts again", len(again))
	}
}

// With less than SendReserve before the deadline no reply is started: the turn is stored, the
// error is transient, and the retry (with time) sends the reply once.
func TestNoReplyStartedTooCloseToTheDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone := customer(42)
	m := e.msg(demo.BurgerID, phone, "oi")
	ctx, cancel := context.WithTimeout(domain.NewPlatformContext(context.Background()), conversation.SendReserve-2*time.Second)
	defer cancel()
	err := e.svc.Handle(ctx, m)
	if err == nil || domain.IsPermanent(err) {
		t.Fatalf("Handle near the deadline = %v, want a transient error", err)
	}
	if sent := e.bodies(phone, demo.BurgerNumber); len(sent) != 0 {
		t.Fatalf("%d replies started with too little time left", len(sent))
	}
	if c := e.conv(demo.BurgerID, phone); len(c.MessageHistory) < 2 {
		t.Fatalf("the turn was not stored before the replies: %+v", c.MessageHistory)
	}
	if got := e.handle(m); len(got) != 1 || !strings.Contains(got[0], "Burger Demo") {
		t.Fatalf("the retry sent %q", got)
	}
}

// A message can arrive twice in one burst (Twilio's retry queued again after the emulator's
// or SQS's deduplication window) or beside a new one (a redelivery): it is recorded and
// answered once, and the new message still makes its turn.
func TestRepeatedMessagesInABurstCountOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(43)
	hi := e.msg(demo.BurgerID, phone, "oi")
	if err := e.svc.HandleBurst(ctx, []domain.InboundMessage{hi, hi}); err != nil {
		t.Fatal(err)
	}
	if got := entries(e.conv(demo.BurgerID, phone)); !reflect.DeepEqual(got, []string{"in:oi", "out"}) {
		t.Fatalf("history %q, want the message once", got)
	}
	if n := len(e.bodies(phone, demo.BurgerNumber)); n != 1 {
		t.Fatalf("%d replies, want 1", n)
	}
	// As the worker does once every reply went.
	if err := e.repos.Complete(ctx, demo.BurgerID, []string{domain.InboundClaimKey(hi.MessageSid)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	menu := e.msg(demo.BurgerID, phone, "cardapio")
	if err := e.svc.HandleBurst(ctx, []domain.InboundMessage{hi, menu, menu}); err != nil {
		t.Fatal(err)
	}
	if got := entries(e.conv(demo.BurgerID, phone)); !reflect.DeepEqual(got, []string{"in:oi", "out", "in:cardapio", "out"}) {
		t.Fatalf("history %q, want the new message once after the old one", got)
	}
	replies := e.bodies(phone, demo.BurgerNumber)
	if len(replies) != 1 || !strings.Contains(replies[0], "Burgers") {
		t.Fatalf("replies %q, want the menu once", replies)
	}
}

// A message redelivered after every reply went (its acknowledgement was lost: the queue's
// delete failed, the Lambda died after returning) is not answered again once the worker has
// completed its claim; without the completed claim its replies go again (at least once).
func TestAnsweredMessageRedeliveredIsNotAnsweredAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(44)
	m := e.msg(demo.BurgerID, phone, "oi")
	if len(e.handle(m)) != 1 {
		t.Fatal("no reply")
	}
	if again := e.handle(m); len(again) != 1 {
		t.Fatalf("redelivery before the claim was completed sent %d replies, want the reply again", len(again))
	}
	if err := e.repos.Complete(ctx, demo.BurgerID, []string{domain.InboundClaimKey(m.MessageSid)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if again := e.handle(m); len(again) != 0 {
		t.Fatalf("redelivery of a completed message sent %q", again)
	}
	// Sending stopped before anything went (Twilio down): the record says so, and the
	// completed claim does not hide it.
	n := e.msg(demo.BurgerID, phone, "cardapio")
	e.out.failNext(1)
	if err := e.svc.Handle(ctx, n); err == nil {
		t.Fatal("Handle succeeded with Twilio down")
	}
	if d := e.conv(demo.BurgerID, phone).Delivery; d == nil || d.MessageSid != n.MessageSid || d.Sent != 0 {
		t.Fatalf("delivery record %+v, want 0 sent for %s", d, n.MessageSid)
	}
	if err := e.repos.Complete(ctx, demo.BurgerID, []string{domain.InboundClaimKey(n.MessageSid)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := e.handle(n); len(got) != 1 || !strings.Contains(got[0], "Burgers") {
		t.Fatalf("retry sent %q, want the menu", got)
	}
	if again := e.handle(n); len(again) != 0 {
		t.Fatalf("a further redelivery sent %q", again)
	}
}

// Twilio fails the reply to a message; the message comes back together with the customer's
// next one: the first reply goes first, then the answer to the new message.
func TestUnsentReplyGoesBeforeTheNextTurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := domain.NewPlatformContext(context.Background())
	phone := customer(45)
	hi := e.msg(demo.BurgerID, phone, "oi")
	e.out.failNext(1)
	if err := e.svc.Handle(ctx, hi); err == nil {
		t.Fatal("Handle succeeded with Twilio down")
	}
	menu := e.msg(demo.BurgerID, phone, "cardapio")
	if err := e.svc.HandleBurst(ctx, []domain.InboundMessage{hi, menu}); err != nil {
		t.Fatal(err)
	}
	got := e.bodies(phone, demo.BurgerNumber)
	if len(got) != 2 || !strings.Contains(got[0], "Burger Demo") || !strings.Contains(got[1], "Burgers") {
		t.Fatalf("replies %q, want the greeting, then the menu", got)
	}
}
