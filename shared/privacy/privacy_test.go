package privacy_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const (
	pizzaria = domaintest.Pizzaria
	burger   = domaintest.Burger
	customer = domaintest.Customer
	// other is another customer of the same brand.
	other = "whatsapp:+5511911112222"
	// The customer's messages: bodies that must never reach a log line.
	secretBody = "meu endereço é Rua Secreta 42"
)

// world is a pair of brands on fresh emulator tables, with the customer and bystanders.
type world struct {
	t      *testing.T
	r      *dynamo.Repositories
	db     *dynamodb.Client
	tables resourcenames.Tables
	clock  *domaintest.Clock
	logs   *domaintest.LogBuffer
	ctx    context.Context // platform scope, for setting up and inspecting
}

func newWorld(t *testing.T) *world {
	t.Helper()
	tables := emulatortest.Tables(t)
	clients := awsclients.NewStatic(emulatortest.Config(t))
	clock := domaintest.NewClock()
	r, err := dynamo.New(tables, dynamo.FromTenantClients(clients), dynamo.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx := domain.NewPlatformContext(context.Background())
	db, err := clients.DynamoDB(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, r: r, db: db, tables: tables, clock: clock, logs: &domaintest.LogBuffer{}, ctx: ctx}
}

// service is the service over w's repositories, with claims standing in when given.
func (w *world) service(claims privacy.Claims) *privacy.Service {
	w.t.Helper()
	if claims == nil {
		claims = w.r
	}
	s, err := privacy.New(privacy.Deps{
		Mappings: w.r, Conversations: w.r, Orders: w.r, Claims: claims,
		Keys: privacy.LocalPseudonymKey, Now: w.clock.Now,
		Log: slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// seedCustomer gives phone in brand a mapping, a conversation whose history holds two
// inbound messages (claimed) and a reply, the inactive notice's claim, and orders orderIDs
// (the first a delivery, the others pickups).
func (w *world) seedCustomer(brand, phone, sidPrefix string, orderIDs ...string) {
	t := w.t
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := w.clock.Now()
	must(w.r.CreateMapping(w.ctx, domaintest.NewMapping(brand, phone, "centro")))
	c := domaintest.NewConversation(brand, phone, now)
	c.StoreID, c.CurrentState, c.CustomerName = "centro", domain.StateCart, "Ana"
	c.Cart = []domain.CartItem{{ItemID: "margherita", Name: "Margherita", Quantity: 1, UnitPriceCents: 6000}}
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: "oi", At: now, MessageSid: sidPrefix + "1"})
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: "Olá! O que vai ser?", At: now, MessageSid: "SMout" + sidPrefix})
	c.AppendHistory(domain.HistoryEntry{Direction: domain.Inbound, Body: secretBody, At: now, MessageSid: sidPrefix + "2"})
	must(w.r.CreateConversation(w.ctx, c))
	for _, sid := range []string{sidPrefix + "1", sidPrefix + "2"} {
		if _, err := w.r.Begin(w.ctx, brand, domain.InboundClaimKey(sid), 5*time.Second, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	must(w.r.Complete(w.ctx, brand, []string{domain.InboundClaimKey(sidPrefix + "1")}, 48*time.Hour))
	if _, err := w.r.Claim(w.ctx, brand, privacy.InactiveNoticeKey(phone), 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	for i, id := range orderIDs {
		o := domaintest.NewOrder(brand, "centro", id, now)
		o.CustomerPhone = phone
		if i > 0 {
			o.Fulfillment, o.DeliveryAddress, o.DeliveryFeeCents, o.TotalCents = domain.FulfillmentPickup, "", 0, o.SubtotalCents
		}
		must(w.r.CreateOrder(w.ctx, o))
		w.clock.Advance(time.Second)
	}
}

// item reads one raw item by pk.
func (w *world) item(table, pk string) map[string]types.AttributeValue {
	w.t.Helper()
	out, err := w.db.GetItem(w.ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out.Item
}

// snapshot is every raw item a bystander owns, to show an erasure left them alone.
func (w *world) snapshot(brand, phone, sidPrefix string, orderIDs ...string) map[string]map[string]types.AttributeValue {
	s := map[string]map[string]types.AttributeValue{}
	add := func(table, pk string) {
		it := w.item(table, pk)
		if it == nil {
			w.t.Fatalf("bystander item %s is missing from %s", pk, table)
		}
		s[table+" "+pk] = it
	}
	add(w.tables.PhoneMapping, brand+"#"+phone)
	add(w.tables.ConversationState, brand+"#"+phone)
	for _, sid := range []string{sidPrefix + "1", sidPrefix + "2"} {
		add(w.tables.Idempotency, brand+"#"+domain.InboundClaimKey(sid))
	}
	add(w.tables.Idempotency, brand+"#"+privacy.InactiveNoticeKey(phone))
	for _, id := range orderIDs {
		add(w.tables.Orders, brand+"#"+id)
	}
	return s
}

func str(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// The whole life of a request: export, erase, erase again, export again; the brand's other
// customer and the same number in another brand are untouched throughout.
func TestExportAndErase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCustomer(pizzaria, customer, "SMa", "PIZZA00001", "PIZZA00002")
	w.seedCustomer(pizzaria, other, "SMb", "OTHER00001")
	// The same number in the other brand, and a claim there under the very same key as one
	// of the customer's (keys are per brand).
	w.seedCustomer(burger, customer, "SMa", "BURGER0001")
	bystanders := func() map[string]map[string]types.AttributeValue {
		s := w.snapshot(pizzaria, other, "SMb", "OTHER00001")
		for k, v := range w.snapshot(burger, customer, "SMa", "BURGER0001") {
			s[k] = v
		}
		return s
	}
	before := bystanders()
	svc := w.service(nil)
	ctx := domain.NewContextWithTenant(context.Background(), pizzaria)

	// Export: everything, and nothing of anyone else.
	x, err := svc.Export(ctx, pizzaria, " WhatsApp:+5511987654321 ")
	if err != nil {
		t.Fatal(err)
	}
	if x.Format != privacy.ExportFormat || x.ClientID != pizzaria || x.PhoneNumber != customer || !x.GeneratedAt.Equal(w.clock.Now()) {
		t.Errorf("export header = %q %q %q %v", x.Format, x.ClientID, x.PhoneNumber, x.GeneratedAt)
	}
	if x.Mapping == nil || x.Mapping.PhoneNumber != customer || x.Mapping.CustomerName != "Ana" || x.Mapping.StoreID != "centro" {
		t.Errorf("exported mapping = %+v", x.Mapping)
	}
	if x.Conversation == nil || x.Conversation.PhoneNumber != customer || x.Conversation.CurrentState != domain.StateCart ||
		len(x.Conversation.Cart) != 1 || len(x.Conversation.MessageHistory) != 3 || x.Conversation.Expired {
		t.Errorf("exported conversation = %+v", x.Conversation)
	}
	var ids []string
	for _, o := range x.Orders {
		ids = append(ids, o.OrderID)
		if o.CustomerPhone != customer || o.ClientID != pizzaria {
			t.Errorf("exported order %s is %s's of %s", o.OrderID, domain.Mask(o.CustomerPhone), o.ClientID)
		}
	}
	if strings.Join(ids, ",") != "PIZZA00001,PIZZA00002" || x.Orders[0].DeliveryAddress == "" || x.Orders[0].CustomerName != "Ana" {
		t.Errorf("exported orders = %v (first %+v), want PIZZA00001, PIZZA00002 in full", ids, x.Orders)
	}
	var keys []string
	for _, r := range x.IdempotencyRecords {
		keys = append(keys, r.Key)
		if r.CreatedAt.IsZero() || r.ExpiresAt.IsZero() {
			t.Errorf("idempotency record %s without its times: %+v", r.Key, r)
		}
	}
	if want := "twilio#SMa1,twilio#SMa2,notice:inactive:" + customer; strings.Join(keys, ",") != want {
		t.Errorf("exported idempotency keys = %v, want %s", keys, want)
	}
	if len(x.NotIncluded) == 0 {
		t.Error("the export does not say what it leaves out")
	}
	doc, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"phoneNumber":"whatsapp:+5511987654321"`, secretBody, "Rua Augusta", `"notIncluded"`, `"key":"twilio#SMa1"`, "daily metrics"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("the JSON export lacks %q", want)
		}
	}
	if strings.Contains(string(doc), "11911112222") || strings.Contains(string(doc), "OTHER00001") || strings.Contains(string(doc), "BURGER0001") {
		t.Error("the export holds another customer's or another brand's data")
	}

	// Erase.
	rep, err := svc.EraseCustomer(ctx, pizzaria, customer)
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.ErasureReport{Mappings: 1, Conversations: 1, IdempotencyRecords: 3, OrdersPseudonymised: 2}); rep != want {
		t.Errorf("erasure report = %+v, want %+v", rep, want)
	}
	w.checkErased(pizzaria, customer, "SMa", "PIZZA00001", "PIZZA00002")
	if after := bystanders(); !reflect.DeepEqual(before, after) {
		t.Error("the erasure changed another customer's or another brand's items")
	}
	orders := map[string]map[string]types.AttributeValue{}
	for _, id := range []string{"PIZZA00001", "PIZZA00002"} {
		orders[id] = w.item(w.tables.Orders, pizzaria+"#"+id)
	}

	// Again: nothing left to do, nothing changed.
	w.clock.Advance(time.Minute)
	rep, err = svc.EraseCustomer(ctx, pizzaria, customer)
	if err != nil || rep != (domain.ErasureReport{}) {
		t.Errorf("second erasure = %+v, %v; want all zeros", rep, err)
	}
	for id, it := range orders {
		if again := w.item(w.tables.Orders, pizzaria+"#"+id); !reflect.DeepEqual(it, again) {
			t.Errorf("the second erasure rewrote order %s", id)
		}
	}

	// Export after: no personal data.
	x, err = svc.Export(ctx, pizzaria, customer)
	if err != nil {
		t.Fatal(err)
	}
	if x.Mapping != nil || x.Conversation != nil || len(x.Orders) != 0 || len(x.IdempotencyRecords) != 0 {
		t.Errorf("export after the erasure = %+v, want empty", x)
	}
	doc, _ = json.Marshal(x)
	for _, gone := range []string{secretBody, "Ana", "Rua Augusta", "SMa1", "PIZZA0000"} {
		if strings.Contains(string(doc), gone) {
			t.Errorf("the export after the erasure still holds %q", gone)
		}
	}
	if after := bystanders(); !reflect.DeepEqual(before, after) {
		t.Error("the second erasure changed another customer's or another brand's items")
	}

	// Logs: masked numbers, no message bodies, no names or addresses.
	logs := w.logs.String()
	if !strings.Contains(logs, "customer data erased") || !strings.Contains(logs, domain.Mask(customer)) {
		t.Errorf("the erasure is not logged with the masked number: %s", logs)
	}
	for _, leak := range []string{"5511987654321", secretBody, "Rua Augusta", "Ana"} {
		if strings.Contains(logs, leak) {
			t.Errorf("a log line holds %q: %s", leak, logs)
		}
	}
}

// checkErased fails unless phone's mapping, conversation and claims in brand are gone and its
// orders carry the brand's pseudonym of the number and nothing else of the customer's.
func (w *world) checkErased(brand, phone, sidPrefix string, orderIDs ...string) {
	t := w.t
	t.Helper()
	for _, it := range []struct{ table, pk string }{
		{w.tables.PhoneMapping, brand + "#" + phone},
		{w.tables.ConversationState, brand + "#" + phone},
		{w.tables.Idempotency, brand + "#" + domain.InboundClaimKey(sidPrefix+"1")},
		{w.tables.Idempotency, brand + "#" + domain.InboundClaimKey(sidPrefix+"2")},
		{w.tables.Idempotency, brand + "#" + privacy.InactiveNoticeKey(phone)},
	} {
		if w.item(it.table, it.pk) != nil {
			t.Errorf("%s still holds %s", it.table, domain.Mask(it.pk))
		}
	}
	key, _ := privacy.LocalPseudonymKey.PseudonymKey(context.Background())
	want := privacy.Pseudonym(key, brand, phone)
	for _, id := range orderIDs {
		it := w.item(w.tables.Orders, brand+"#"+id)
		if it == nil {
			t.Fatalf("order %s is gone: orders are kept", id)
		}
		if got := str(it["customerPhone"]); got != want {
			t.Errorf("order %s customerPhone = %q, want the pseudonym %q", id, got, want)
		}
		for _, gone := range []string{"customerName", "deliveryAddress", resourcenames.AttrCustomerKey} {
			if _, ok := it[gone]; ok {
				t.Errorf("order %s still has %s", id, gone)
			}
		}
		if at, err := time.Parse(time.RFC3339Nano, str(it[dynamo.AttrPseudonymisedAt])); err != nil || at.IsZero() {
			t.Errorf("order %s pseudonymisedAt = %#v", id, it[dynamo.AttrPseudonymisedAt])
		}
		o, err := w.r.GetOrder(w.ctx, brand, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.TotalCents == 0 || len(o.Lines) != 2 || o.Status != domain.OrderCreated || len(o.StatusHistory) != 1 || o.StoreID != "centro" || o.SessionID == "" {
			t.Errorf("order %s lost its fiscal content: %+v", id, o)
		}
	}
}

// failingClaims fails the first erasure of a claim: the erasure stops right after the
// orders were pseudonymised.
type failingClaims struct {
	privacy.Claims
	failed bool
}

var errInjected = errors.New("injected: the idempotency table is unreachable")

func (f *failingClaims) EraseClaim(ctx context.Context, clientID, key string) (bool, error) {
	if !f.failed {
		f.failed = true
		return false, errInjected
	}
	return f.Claims.EraseClaim(ctx, clientID, key)
}

// An erasure interrupted after the orders step is completed by running it again: the
// conversation, which names the claims, is still there, and the orders are not counted twice.
func TestEraseInterruptedAfterOrdersCompletesOnRetry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCustomer(pizzaria, customer, "SMa", "PIZZA00001", "PIZZA00002")
	ctx := domain.NewContextWithTenant(context.Background(), pizzaria)

	rep, err := w.service(&failingClaims{Claims: w.r}).EraseCustomer(ctx, pizzaria, customer)
	if !errors.Is(err, errInjected) {
		t.Fatalf("interrupted erasure = %v, want the injected fault", err)
	}
	if want := (domain.ErasureReport{OrdersPseudonymised: 2}); rep != want {
		t.Errorf("interrupted erasure's report = %+v, want %+v", rep, want)
	}
	if w.item(w.tables.ConversationState, pizzaria+"#"+customer) == nil {
		t.Fatal("the interrupted erasure deleted the conversation before the claims it names")
	}
	if !strings.Contains(w.logs.String(), "run it again") {
		t.Errorf("the interruption is not logged: %s", w.logs.String())
	}

	rep, err = w.service(nil).EraseCustomer(ctx, pizzaria, customer)
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.ErasureReport{Mappings: 1, Conversations: 1, IdempotencyRecords: 3}); rep != want {
		t.Errorf("completing erasure's report = %+v, want %+v", rep, want)
	}
	w.checkErased(pizzaria, customer, "SMa", "PIZZA00001", "PIZZA00002")
}

// The pseudonym is stable for a number within a brand (an operator can still count a former
// customer's orders) and differs across brands (the same person is not linkable).
func TestPseudonymStableWithinBrandDistinctAcross(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCustomer(pizzaria, customer, "SMa", "PIZZA00001")
	w.seedCustomer(burger, customer, "SMb", "BURGER0001")
	svc := w.service(nil)
	for _, brand := range []string{pizzaria, burger} {
		if _, err := svc.EraseCustomer(domain.NewContextWithTenant(context.Background(), brand), brand, customer); err != nil {
			t.Fatal(err)
		}
	}
	// A later order of the same number in the same brand, erased in its turn.
	o := domaintest.NewOrder(pizzaria, "norte", "PIZZA00009", w.clock.Now())
	if err := w.r.CreateOrder(w.ctx, o); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.EraseCustomer(domain.NewContextWithTenant(context.Background(), pizzaria), pizzaria, customer)
	if err != nil || rep != (domain.ErasureReport{OrdersPseudonymised: 1}) {
		t.Fatalf("erasing the later order = %+v, %v", rep, err)
	}
	p1 := str(w.item(w.tables.Orders, pizzaria+"#PIZZA00001")["customerPhone"])
	p9 := str(w.item(w.tables.Orders, pizzaria+"#PIZZA00009")["customerPhone"])
	pb := str(w.item(w.tables.Orders, burger+"#BURGER0001")["customerPhone"])
	if !privacy.IsPseudonym(p1) || p1 != p9 {
		t.Errorf("pseudonyms in one brand: %q and %q, want one stable pseudonym", p1, p9)
	}
	if !privacy.IsPseudonym(pb) || pb == p1 {
		t.Errorf("pseudonyms across brands: %q and %q, want two distinct pseudonyms", p1, pb)
	}
}

// An expired conversation is still stored: exported (marked expired) and erased.
func TestExpiredConversationIsExportedAndErased(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCustomer(pizzaria, customer, "SMa")
	w.clock.Advance(domain.ConversationTTL + time.Hour)
	svc := w.service(nil)
	ctx := domain.NewContextWithTenant(context.Background(), pizzaria)
	x, err := svc.Export(ctx, pizzaria, customer)
	if err != nil {
		t.Fatal(err)
	}
	if x.Conversation == nil || !x.Conversation.Expired || len(x.Conversation.MessageHistory) != 3 {
		t.Errorf("exported expired conversation = %+v, want it, marked expired", x.Conversation)
	}
	rep, err := svc.EraseCustomer(ctx, pizzaria, customer)
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.ErasureReport{Mappings: 1, Conversations: 1, IdempotencyRecords: 3}); rep != want {
		t.Errorf("erasure report = %+v, want %+v", rep, want)
	}
	w.checkErased(pizzaria, customer, "SMa")
}

// A number the brand does not know: an empty export and an erasure of nothing. An invalid
// number, or another brand's tenant, is refused before anything is read.
func TestUnknownInvalidAndForeign(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCustomer(pizzaria, customer, "SMa", "PIZZA00001")
	svc := w.service(nil)
	ctx := domain.NewContextWithTenant(context.Background(), pizzaria)

	x, err := svc.Export(ctx, pizzaria, other)
	if err != nil {
		t.Fatal(err)
	}
	if x.Mapping != nil || x.Conversation != nil || x.Orders == nil || len(x.Orders) != 0 || x.IdempotencyRecords == nil || len(x.IdempotencyRecords) != 0 {
		t.Errorf("export of an unknown customer = %+v, want empty (with empty lists)", x)
	}
	doc, _ := json.Marshal(x)
	if !strings.Contains(string(doc), `"orders":[]`) || !strings.Contains(string(doc), `"mapping":null`) {
		t.Errorf("empty export JSON = %s", doc)
	}
	if rep, err := svc.EraseCustomer(ctx, pizzaria, other); err != nil || rep != (domain.ErasureReport{}) {
		t.Errorf("erasure of an unknown customer = %+v, %v; want zeros", rep, err)
	}

	for _, bad := range []string{"+5511987654321", "whatsapp:5511", ""} {
		if _, err := svc.Export(ctx, pizzaria, bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("Export(%q) = %v, want EINVALID", bad, err)
		}
		if _, err := svc.EraseCustomer(ctx, pizzaria, bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("EraseCustomer(%q) = %v, want EINVALID", bad, err)
		}
	}
	foreign := domain.NewContextWithTenant(context.Background(), burger)
	if _, err := svc.Export(foreign, pizzaria, customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("Export under another brand's tenant = %v, want EFORBIDDEN", err)
	}
	if _, err := svc.EraseCustomer(foreign, pizzaria, customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("EraseCustomer under another brand's tenant = %v, want EFORBIDDEN", err)
	}
	if _, err := svc.EraseCustomer(context.Background(), pizzaria, customer); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("EraseCustomer without a tenant = %v, want EFORBIDDEN", err)
	}
	if w.item(w.tables.PhoneMapping, pizzaria+"#"+customer) == nil || str(w.item(w.tables.Orders, pizzaria+"#PIZZA00001")["customerPhone"]) != customer {
		t.Error("a refused erasure changed the customer's items")
	}
}

// A sandbox customer (an operator's test chat, "whatsapp:+5500" and nine digits: area code
// 00 is never assigned) is a number like any other here: exported and erased the same way.
func TestSandboxCustomer(t *testing.T) {
	t.Parallel()
	const sandbox = "whatsapp:+5500123456789"
	w := newWorld(t)
	w.seedCustomer(pizzaria, sandbox, "SMs", "SANDBOX001")
	svc := w.service(nil)
	ctx := domain.NewContextWithTenant(context.Background(), pizzaria)
	x, err := svc.Export(ctx, pizzaria, sandbox)
	if err != nil {
		t.Fatal(err)
	}
	if x.Mapping == nil || x.Conversation == nil || len(x.Orders) != 1 || len(x.IdempotencyRecords) != 3 {
		t.Errorf("sandbox export = %+v", x)
	}
	rep, err := svc.EraseCustomer(ctx, pizzaria, sandbox)
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.ErasureReport{Mappings: 1, Conversations: 1, IdempotencyRecords: 3, OrdersPseudonymised: 1}); rep != want {
		t.Errorf("sandbox erasure = %+v, want %+v", rep, want)
	}
	w.checkErased(pizzaria, sandbox, "SMs", "SANDBOX001")
}
