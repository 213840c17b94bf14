package conversation

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/understand"
)

// ctxOfferedStores is the conversation.Context key holding the storeIds offered in the last
// numbered list, comma-separated in the order shown, so "2" means what the customer saw even
// if a store is added meanwhile.
const ctxOfferedStores = "offeredStores"

// turn is what one step needs. It is read-only for step except conv, which step changes in
// place (it is the copy UpdateConversation handed to its function, or nil when the customer
// has no live conversation).
type turn struct {
	client  *domain.Client
	stores  []domain.Store // every store of the brand, ordered by storeId (inactive included)
	mapping *domain.PhoneMapping
	conv    *domain.Conversation
	// msgs are the customer's messages of this turn, in order (a burst is several); msg is
	// the one a sub-step is handling.
	msgs       []domain.InboundMessage
	msg        domain.InboundMessage
	phone      string // canonical m.From
	now        time.Time
	receivedAt time.Time // when the customer's last message arrived (for the 24-hour window)
	newSession func() string
	// catalog returns the menu of a store of the brand, resolved and ready to match text
	// against (nil: the brand has no menu). Prepared before the step: a lookup, no I/O.
	catalog func(storeID string) *storeCatalog
	// canErase: the service has an eraser (Deps.Eraser), so a customer's request to erase
	// their data is confirmed and carried out in the chat.
	canErase bool
	// canCharge: the service has a payment provider (Deps.Payments), so a customer waiting
	// for a PIX order can ask for its code again.
	canCharge bool
	// menu is the brand's menu (nil: none), for the model's prompt (prompt.DataFor).
	menu *domain.Menu
	// model asks the brand's language model (ai.go); nil: the rules answer alone. It is
	// the only I/O a step may do: the service memoizes it per request, so a step run again
	// on the same input asks nothing twice and gets the same answer.
	model modelCall
	// answers caches the model's answers to questions per store (nil: none).
	answers *answerCache
}

// outcome is the result of one step: what to write and what to send. It is computed without
// any side effect, so the caller can compute it again after a lost write.
type outcome struct {
	kind    string               // what happened, for logs and tests ("store-chosen" ...)
	conv    *domain.Conversation // the conversation to write; nil: write none
	replies []notify.Message     // of the whole turn: parts that fit one message each (notify.Parts)
	mapping mappingChange
	storeID string // the store the customer talks to after this step, for logs ("" none)
	// order is an order the customer confirmed in this turn: it is placed (created, and
	// published to the POS when it needs no online payment) before the conversation is
	// written, under an id derived from the confirming message, so a retried turn finds it.
	order *domain.Order
	// cancelOrder is the id of an order awaiting payment the customer cancelled.
	cancelOrder string
	// charge is an order awaiting payment to charge in this turn (the CPF it needed was
	// given, or the customer asks for the code again): see payments.go.
	charge *chargeRequest
	// erase: the customer confirmed the erasure of their data with the message eraseSid.
	// The service erases (Deps.Eraser) and sends the replies; nothing is written: conv is
	// nil and the mapping unchanged, since both are gone.
	erase    bool
	eraseSid string
	// created: the turn starts a conversation where the customer had no live one.
	created bool
	// ai is what the language model did in this turn (ai.go).
	ai aiNote
}

// mappingChange is what a step wants the customer's phone mapping to become. Nil fields are
// left as they are.
type mappingChange struct {
	StoreID      *string
	OptedOut     *bool
	CustomerName *string
}

// needed reports whether applying ch to m (nil: no mapping) would change anything. A mapping
// is only created for a store or an opt-out choice, never for a name alone.
func (ch mappingChange) needed(m *domain.PhoneMapping) bool {
	if m == nil {
		return ch.StoreID != nil || ch.OptedOut != nil
	}
	return (ch.StoreID != nil && *ch.StoreID != m.StoreID) ||
		(ch.OptedOut != nil && *ch.OptedOut != m.OptedOut) ||
		(ch.CustomerName != nil && *ch.CustomerName != m.CustomerName)
}

// merge returns ch with every field later sets overriding it.
func (ch mappingChange) merge(later mappingChange) mappingChange {
	if later.StoreID != nil {
		ch.StoreID = later.StoreID
	}
	if later.OptedOut != nil {
		ch.OptedOut = later.OptedOut
	}
	if later.CustomerName != nil {
		ch.CustomerName = later.CustomerName
	}
	return ch
}

// apply writes ch into m.
func (ch mappingChange) apply(m *domain.PhoneMapping) {
	if ch.StoreID != nil {
		m.StoreID = *ch.StoreID
	}
	if ch.OptedOut != nil {
		m.OptedOut = *ch.OptedOut
	}
	if ch.CustomerName != nil {
		m.CustomerName = *ch.CustomerName
	}
}

// step runs one turn: each message of the burst in order (identification, then the ordering
// flow), then the bookkeeping, with one combined answer. It is pure: it changes a private
// copy of the conversation and returns what to write, place and send. It is deterministic
// given its input (except for the session ids it draws), and converges: once its mapping
// change has been applied, running it again on the new mapping wants no further change and
// yields the same replies. The caller relies on that to write the mapping before the
// conversation.
func step(t turn) outcome {
	msgs := t.msgs
	if len(msgs) == 0 {
		msgs = []domain.InboundMessage{t.msg}
	}
	if t.conv != nil {
		t.conv = cloneConversation(t.conv)
	}
	var mapping *domain.PhoneMapping
	if t.mapping != nil {
		cp := *t.mapping
		mapping = &cp
	}
	var total outcome
	var replies []notify.Message
	hadConv := t.conv != nil
	for _, m := range msgs {
		sub := t
		sub.msg, sub.mapping = m, mapping
		o := stepOne(sub)
		replies = append(replies, o.replies...)
		total.kind, total.storeID = o.kind, o.storeID
		total.mapping = total.mapping.merge(o.mapping)
		if o.order != nil && total.order == nil {
			total.order = o.order
		}
		if o.cancelOrder != "" {
			total.cancelOrder = o.cancelOrder
		}
		if o.charge != nil {
			total.charge = o.charge
		}
		total.ai = total.ai.merge(o.ai)
		if o.mapping.needed(mapping) {
			if mapping == nil {
				mapping = &domain.PhoneMapping{ClientID: t.client.ClientID, PhoneNumber: t.phone}
			}
			o.mapping.apply(mapping)
		}
		if o.conv != nil {
			t.conv = o.conv
		}
		if o.erase {
			// The customer's data is erased after this message: the rest of the burst is
			// not read, and nothing of the turn is written.
			total.erase, total.eraseSid = true, o.eraseSid
			total.mapping, total.order, total.cancelOrder, total.charge = mappingChange{}, nil, "", nil
			t.conv = nil
			break
		}
	}
	total.created = !hadConv && t.conv != nil
	if len(replies) > 1 {
		replies = []notify.Message{notify.Combine(replies)}
	}
	// The replies as they are sent and recorded: parts that fit one WhatsApp message.
	for _, r := range replies {
		total.replies = append(total.replies, notify.Parts(r)...)
	}
	if t.conv != nil {
		total.conv = t.conv
		t.record(t.conv, msgs, total.replies)
	}
	return total
}

// stepOne handles one message: identification, then the ordering flow.
func stepOne(t turn) outcome {
	said := normalize(t.msg.Body)
	var o outcome
	if t.mapping != nil {
		o.storeID = t.mapping.StoreID
	}

	switch {
	case isOptOut(said):
		// Confirmed every time, even when already opted out: a retried delivery whose first
		// attempt already wrote the mapping must still send the confirmation.
		o.kind = "opt-out"
		o.mapping = mappingChange{OptedOut: ptr(true), CustomerName: t.profileName()}
		o.replies = say(text(t.client, txtOptOut, t.client.ClientName))
		return t.keepLive(o)
	case isOptIn(said) && t.mapping != nil:
		// Confirmed every time, like the opt-out: the step must give the same answer once its
		// mapping change is stored (a retried turn). So a bare "VOLTAR" is always the opt-in;
		// "back" in a sentence ("quero voltar", "volta pro cardápio") is the flow's.
		o.kind = "opt-in"
		o.mapping = mappingChange{OptedOut: ptr(false), CustomerName: t.profileName()}
		o.replies = say(text(t.client, txtOptIn, t.client.ClientName))
		return t.keepLive(o)
	case t.mapping != nil && t.mapping.OptedOut:
		// Silence until VOLTAR/START; the message is still recorded where a conversation is.
		o.kind = "opted-out"
		return t.keepLive(o)
	}

	// The erasure of the customer's data (LGPD): a pending question is answered first, then a
	// request anywhere in the message is asked to be confirmed (erase.go).
	if !t.silenced() {
		if t.eraseAsked() {
			switch eraseAnswer(t.msg.Body) {
			case answerYes:
				return t.erase(o)
			case answerNo:
				return t.keepData(o)
			}
			// Anything else: the question is dropped and the message read as usual.
			delete(t.conv.Context, ctxEraseAsked)
		}
		if wantsErasure(said) {
			return t.askErase(o)
		}
	}

	o.mapping.CustomerName = t.profileName()
	active := activeStores(t.stores)

	if isChangeStore(said) || (t.conv != nil && t.conv.CurrentState != domain.StateHandoff && t.conv.CurrentState != domain.StateStoreSelection && t.wantsStoreChange()) {
		o.kind = "change-store"
		if len(active) == 0 {
			return t.noStore(o)
		}
		return t.offer(o, active, text(t.client, txtChangeStore, storeList(active)))
	}
	if t.conv != nil && t.conv.CurrentState == domain.StateStoreSelection {
		return t.choose(o, said, active)
	}

	storeID := ""
	if t.mapping != nil {
		storeID = t.mapping.StoreID
	}
	if storeID == "" {
		// A new customer (or one who opted out before choosing a store).
		switch len(active) {
		case 0:
			o.kind = "no-store"
			return t.noStore(o)
		case 1:
			o.kind = "store-chosen"
			return t.startAndOrder(o, active[0])
		default:
			o.kind = "store-selection"
			return t.offer(o, active, text(t.client, txtChooseStore, t.client.ClientName, storeList(active)))
		}
	}

	store, ok := find(active, storeID)
	if !ok {
		o.kind = "store-unavailable"
		name, known := "", false
		if s, ok := find(t.stores, storeID); ok {
			name, known = s.StoreName, true
		}
		switch {
		case len(active) == 0 && known:
			o.replies = say(text(t.client, txtStoreUnavailNone, name))
			return t.keepLive(o)
		case len(active) == 0:
			return t.noStore(o)
		case known:
			return t.offer(o, active, text(t.client, txtStoreUnavailable, name, storeList(active)))
		default:
			return t.offer(o, active, text(t.client, txtStoreGoneChoose, storeList(active)))
		}
	}
	if t.conv == nil || t.conv.StoreID != store.StoreID {
		// No live conversation (first message of the day), or one left on another store.
		o.kind = "greeting"
		return t.startAndOrder(o, store)
	}
	return t.ordering(o, store)
}

func ptr[T any](v T) *T { return &v }

// profileName is the WhatsApp profile name to remember, or nil when Twilio sent none.
func (t turn) profileName() *string {
	if n := strings.TrimSpace(t.msg.ProfileName); n != "" {
		return &n
	}
	return nil
}

// choose handles the answer to a numbered store list.
func (t turn) choose(o outcome, said string, active []domain.Store) outcome {
	offered := t.offeredStores(active)
	if s, ok := parseChoice(said, offered); ok {
		if _, live := find(active, s.StoreID); live {
			o.kind = "store-chosen"
			return t.startWith(o, s)
		}
	}
	o.kind = "invalid-choice"
	if len(active) == 0 {
		return t.noStore(o)
	}
	return t.offer(o, active, text(t.client, txtInvalidChoice, storeList(active)))
}

// offeredStores returns the stores of the last list shown, in its order, with their current
// names; a store deleted since is left out. Without a recorded list, the active stores.
func (t turn) offeredStores(active []domain.Store) []domain.Store {
	ids := ""
	if t.conv != nil {
		ids = t.conv.Context[ctxOfferedStores]
	}
	if ids == "" {
		return active
	}
	var out []domain.Store
	for _, id := range strings.Split(ids, ",") {
		if s, ok := find(t.stores, id); ok {
			out = append(out, s)
		}
	}
	return out
}

// offer moves the conversation (created if absent) to STORE_SELECTION with the list of
// active stores in reply. Its storeId stays the store last talked to until a new choice
// restarts it; the mapping changes only with that choice.
func (t turn) offer(o outcome, active []domain.Store, reply string) outcome {
	c := t.conv
	if c == nil {
		c = t.newConversation()
	}
	c.CurrentState = domain.StateStoreSelection
	ids := make([]string, len(active))
	for i, s := range active {
		ids[i] = s.StoreID
	}
	if c.Context == nil {
		c.Context = map[string]string{}
	}
	c.Context[ctxOfferedStores] = strings.Join(ids, ",")
	o.replies = say(reply)
	o.conv = c
	return o
}

// startWith maps the customer to store and (re)starts the conversation there with a new
// session: GREETING, empty cart, no leftover context. The history is kept (bounded): it is
// the record of the customer's recent messages, and the key to recognising redeliveries.
func (t turn) startWith(o outcome, s domain.Store) outcome {
	o.mapping.StoreID = ptr(s.StoreID)
	o.storeID = s.StoreID
	c := t.conv
	if c == nil {
		c = t.newConversation()
	} else {
		c.SessionID = t.newSession()
	}
	c.CurrentState = domain.StateGreeting
	c.StoreID = s.StoreID
	c.Cart = []domain.CartItem{}
	c.Context = nil
	o.replies = say(greeting(t.client, s))
	o.conv = c
	return o
}

// startAndOrder starts the conversation with store and, when the message already asks for
// something ("oi, quero 2 cheese burgers", "boa noite, o cardápio por favor"), answers that
// too in the same reply: a first message is often the order itself.
func (t turn) startAndOrder(o outcome, s domain.Store) outcome {
	o = t.startWith(o, s)
	if !t.actionable(s.StoreID) {
		return o
	}
	greet := o.replies
	next := t
	next.conv = o.conv
	o = next.ordering(o, s)
	o.replies = append(greet, o.replies...)
	return o
}

// actionable reports whether the message asks for more than a greeting: items, a command.
func (t turn) actionable(storeID string) bool {
	var r understand.Result
	if cat := t.catalog; cat != nil && cat(storeID) != nil {
		r = cat(storeID).lex.Parse(t.msg.Body)
	} else {
		r = commands.Parse(t.msg.Body)
	}
	if len(r.Add)+len(r.Remove)+len(r.Ambiguous)+len(r.Unknown) > 0 {
		return true
	}
	for _, i := range r.Intents {
		switch i {
		case understand.IntentGreeting, understand.IntentThanks, understand.IntentYes, understand.IntentNo:
		default:
			return true
		}
	}
	return false
}

// noStore answers that no store takes orders. A new customer gets nothing else (no
// conversation is created); a live conversation records the exchange and keeps its state.
func (t turn) noStore(o outcome) outcome {
	o.replies = say(text(t.client, txtNoStore, t.client.ClientName))
	return t.keepLive(o)
}

// keepLive keeps the live conversation, if there is one, without changing its state: the
// exchange is recorded in it.
func (t turn) keepLive(o outcome) outcome {
	o.conv = t.conv
	return o
}

func say(s string) []notify.Message { return []notify.Message{notify.Text(s)} }

func (t turn) newConversation() *domain.Conversation {
	return &domain.Conversation{
		ClientID:     t.client.ClientID,
		PhoneNumber:  t.phone,
		SessionID:    t.newSession(),
		CurrentState: domain.StateGreeting,
		Cart:         []domain.CartItem{},
	}
}

// record is the bookkeeping of every processed turn: each inbound message and then each
// reply (already cut into the parts that are sent, notify.Parts) in the history (an inbound
// entry moves lastMessageTimestamp), the customer's name, the brand's language,
// lastInteraction and the TTL; then the history is bounded (domain.MaxHistoryBytes), keeping
// this turn whole.
func (t turn) record(c *domain.Conversation, msgs []domain.InboundMessage, parts []notify.Message) {
	c.Language = t.client.DefaultLanguage
	for _, m := range msgs {
		if n := strings.TrimSpace(m.ProfileName); n != "" {
			c.CustomerName = n
		}
		at := m.ReceivedAt
		if at.IsZero() || at.After(t.now) {
			at = t.now
		}
		c.AppendHistory(domain.HistoryEntry{
			Direction: domain.Inbound, Body: clip(m.Body, maxStoredBody), At: at.UTC(), MessageSid: m.MessageSid,
		})
	}
	for _, p := range parts {
		c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: p.Render(), At: t.now})
	}
	c.Delivery = nil // the last turn's replies are these, none sent yet
	c.Touch(t.now)
	c.BoundHistory(len(msgs) + len(parts))
}

// cloneConversation deep-copies c, so a step never changes what its caller holds.
func cloneConversation(c *domain.Conversation) *domain.Conversation {
	cp := *c
	cp.Cart = make([]domain.CartItem, len(c.Cart))
	for i, l := range c.Cart {
		l.Options = append([]domain.OrderOption(nil), l.Options...)
		cp.Cart[i] = l
	}
	cp.MessageHistory = append([]domain.HistoryEntry(nil), c.MessageHistory...)
	if c.Context != nil {
		cp.Context = make(map[string]string, len(c.Context))
		for k, v := range c.Context {
			cp.Context[k] = v
		}
	}
	return &cp
}

// maxStoredBody bounds an inbound body in the history: MaxHistory full-size WhatsApp messages
// of multi-byte characters would pass DynamoDB's 400 KB item limit. Replies are not clipped:
// they are ours, short, and sent again verbatim on a redelivery.
const maxStoredBody = 1000

// clip returns s cut to at most n runes, marked with an ellipsis when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// activeStores keeps the stores taking orders, in the given order.
func activeStores(stores []domain.Store) []domain.Store {
	out := make([]domain.Store, 0, len(stores))
	for _, s := range stores {
		if s.IsActive {
			out = append(out, s)
		}
	}
	return out
}

func find(stores []domain.Store, id string) (domain.Store, bool) {
	for _, s := range stores {
		if s.StoreID == id {
			return s, true
		}
	}
	return domain.Store{}, false
}

// split divides a burst into the messages already in the history (processed) and the others
// (fresh), each MessageSid once, in order. fresh has at least one message when
// recorded(c, msgs) is false.
func split(c *domain.Conversation, msgs []domain.InboundMessage) (processed, fresh []domain.InboundMessage) {
	inHistory := map[string]bool{}
	if c != nil {
		for _, e := range c.MessageHistory {
			if e.Direction == domain.Inbound && e.MessageSid != "" {
				inHistory[e.MessageSid] = true
			}
		}
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.MessageSid] {
			continue
		}
		seen[m.MessageSid] = true
		if inHistory[m.MessageSid] {
			processed = append(processed, m)
		} else {
			fresh = append(fresh, m)
		}
	}
	return processed, fresh
}

// recorded reports whether every message of a turn is in the history already, and returns
// the replies recorded after the last of them (up to the next inbound message) and that
// message's entry. A burst is recorded whole or not at all (one write); a burst that mixes
// recorded messages (redelivered) with new ones is a turn of its new ones (split).
func recorded(c *domain.Conversation, msgs []domain.InboundMessage) (last domain.HistoryEntry, replies []string, found bool) {
	if c == nil {
		return domain.HistoryEntry{}, nil, false
	}
	at := -1
	for _, m := range msgs {
		i := slices.IndexFunc(c.MessageHistory, func(e domain.HistoryEntry) bool {
			return e.Direction == domain.Inbound && e.MessageSid == m.MessageSid
		})
		if i < 0 {
			return domain.HistoryEntry{}, nil, false
		}
		at = max(at, i)
	}
	for _, r := range c.MessageHistory[at+1:] {
		if r.Direction != domain.Outbound || r.MessageSid == OperatorMessageSid {
			break // the next message, or a person's: not a reply of this turn
		}
		replies = append(replies, r.Body)
	}
	return c.MessageHistory[at], replies, true
}
