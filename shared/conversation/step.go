package conversation

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
)

// ctxOfferedStores is the conversation.Context key holding the storeIds offered in the last
// numbered list, comma-separated in the order shown, so "2" means what the customer saw even
// if a store is added meanwhile.
const ctxOfferedStores = "offeredStores"

// turn is what one step needs. It is read-only for step except conv, which step changes in
// place (it is the copy UpdateConversation handed to its function, or nil when the customer
// has no live conversation).
type turn struct {
	client     *domain.Client
	stores     []domain.Store // every store of the brand, ordered by storeId (inactive included)
	mapping    *domain.PhoneMapping
	conv       *domain.Conversation
	msg        domain.InboundMessage
	phone      string // canonical m.From
	now        time.Time
	receivedAt time.Time // when the customer's message arrived (for the 24-hour window)
	newSession func() string
}

// outcome is the result of one step: what to write and what to send. It is computed without
// any side effect, so the caller can compute it again after a lost write.
type outcome struct {
	kind    string               // what happened, for logs and tests ("store-chosen" ...)
	conv    *domain.Conversation // the conversation to write; nil: write none
	create  bool                 // conv is new: CreateConversation, not UpdateConversation
	replies []string
	mapping mappingChange
	storeID string // the store the customer talks to after this step, for logs ("" none)
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

// step runs identification for one inbound message. It is deterministic given its input
// (except for the session ids it draws), and converges: once its mapping change has been
// applied, running it again on the new mapping wants no further change and yields the same
// replies. The caller relies on that to write the mapping before the conversation.
func step(t turn) outcome {
	said := normalize(t.msg.Body)
	lang := t.client.DefaultLanguage
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
		o.replies = []string{text(lang, txtOptOut, t.client.ClientName)}
		return t.recordIfLive(o)
	case isOptIn(said) && t.mapping != nil:
		o.kind = "opt-in"
		o.mapping = mappingChange{OptedOut: ptr(false), CustomerName: t.profileName()}
		o.replies = []string{text(lang, txtOptIn, t.client.ClientName)}
		return t.recordIfLive(o)
	case t.mapping != nil && t.mapping.OptedOut:
		// Silence until VOLTAR/START; the message is still recorded where a conversation is.
		o.kind = "opted-out"
		return t.recordIfLive(o)
	}

	o.mapping.CustomerName = t.profileName()
	active := activeStores(t.stores)

	if isChangeStore(said) {
		o.kind = "change-store"
		if len(active) == 0 {
			return t.noStore(o)
		}
		return t.offer(o, active, text(lang, txtChangeStore, storeList(active)))
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
			return t.startWith(o, active[0])
		default:
			o.kind = "store-selection"
			return t.offer(o, active, text(lang, txtChooseStore, t.client.ClientName, storeList(active)))
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
			o.replies = []string{text(lang, txtStoreUnavailNone, name)}
			return t.recordIfLive(o)
		case len(active) == 0:
			return t.noStore(o)
		case known:
			return t.offer(o, active, text(lang, txtStoreUnavailable, name, storeList(active)))
		default:
			return t.offer(o, active, text(lang, txtStoreGoneChoose, storeList(active)))
		}
	}
	if t.conv == nil || t.conv.StoreID != store.StoreID {
		// No live conversation (first message of the day), or one left on another store.
		o.kind = "greeting"
		return t.startWith(o, store)
	}
	o.kind = "in-conversation"
	o.replies = []string{text(lang, txtInConversation, store.StoreName)}
	o.conv = t.conv
	t.record(t.conv, o.replies)
	return o
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
	return t.offer(o, active, text(t.client.DefaultLanguage, txtInvalidChoice, storeList(active)))
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
		o.create = true
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
	o.replies = []string{reply}
	o.conv = c
	t.record(c, o.replies)
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
		o.create = true
	} else {
		c.SessionID = t.newSession()
	}
	c.CurrentState = domain.StateGreeting
	c.StoreID = s.StoreID
	c.Cart = []domain.CartItem{}
	c.Context = nil
	o.replies = []string{greeting(t.client, s)}
	o.conv = c
	t.record(c, o.replies)
	return o
}

// noStore answers that no store takes orders. A new customer gets nothing else (no
// conversation is created); a live conversation records the exchange and keeps its state.
func (t turn) noStore(o outcome) outcome {
	o.replies = []string{text(t.client.DefaultLanguage, txtNoStore, t.client.ClientName)}
	return t.recordIfLive(o)
}

// recordIfLive records the exchange in the live conversation, if there is one, without
// changing its state.
func (t turn) recordIfLive(o outcome) outcome {
	if t.conv != nil {
		o.conv = t.conv
		t.record(t.conv, o.replies)
	}
	return o
}

func (t turn) newConversation() *domain.Conversation {
	return &domain.Conversation{
		ClientID:     t.client.ClientID,
		PhoneNumber:  t.phone,
		SessionID:    t.newSession(),
		CurrentState: domain.StateGreeting,
		Cart:         []domain.CartItem{},
	}
}

// record is the bookkeeping of every processed message: the inbound message and each reply
// in the history (the inbound entry moves lastMessageTimestamp), the customer's name, the
// brand's language, lastInteraction and the TTL.
func (t turn) record(c *domain.Conversation, replies []string) {
	c.Language = t.client.DefaultLanguage
	if n := t.profileName(); n != nil {
		c.CustomerName = *n
	}
	c.AppendHistory(domain.HistoryEntry{
		Direction: domain.Inbound, Body: clip(t.msg.Body, maxStoredBody), At: t.receivedAt, MessageSid: t.msg.MessageSid,
	})
	for _, r := range replies {
		c.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: r, At: t.now})
	}
	c.Touch(t.now)
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

// recorded finds the inbound message sid in the history and returns the replies recorded
// right after it (up to the next inbound message), and whether it was found.
func recorded(c *domain.Conversation, sid string) (inbound domain.HistoryEntry, replies []string, found bool) {
	for i, e := range c.MessageHistory {
		if e.Direction != domain.Inbound || e.MessageSid != sid {
			continue
		}
		for _, r := range c.MessageHistory[i+1:] {
			if r.Direction != domain.Outbound {
				break
			}
			replies = append(replies, r.Body)
		}
		return e, replies, true
	}
	return domain.HistoryEntry{}, nil, false
}
