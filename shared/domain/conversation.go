package domain

import (
	"time"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// PhoneMapping records which store a customer of a brand buys from, and whether the customer
// opted out of the brand's messages. Stored in WhatsAppBotPhoneMapping keyed by
// pk = "<clientId>#<phoneNumber>": a customer who writes to two brands has two mappings that never
// overwrite each other. StoreID is empty while no store is chosen (a customer who opts out
// before choosing one still has a mapping, so the opt-out outlives the conversation).
type PhoneMapping struct {
	ClientID     string `dynamodbav:"clientId" json:"clientId"`
	PhoneNumber  string `dynamodbav:"phoneNumber" json:"phoneNumber"`
	StoreID      string `dynamodbav:"storeId,omitempty" json:"storeId,omitempty"`
	CustomerName string `dynamodbav:"customerName,omitempty" json:"customerName,omitempty"`
	OptedOut     bool   `dynamodbav:"optedOut,omitempty" json:"optedOut,omitempty"`
	// PaymentCustomerID is the customer's id at the brand's payment provider, kept after their
	// first online payment so the CPF is never asked (nor stored) again.
	PaymentCustomerID string    `dynamodbav:"paymentCustomerId,omitempty" json:"paymentCustomerId,omitempty"`
	LastInteraction   time.Time `dynamodbav:"lastInteraction" json:"lastInteraction"`
	CreatedAt         time.Time `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt         time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
	Version           int64     `dynamodbav:"version" json:"version"`
}

// Validate checks the mapping's keys and store.
func (m *PhoneMapping) Validate() error {
	if err := resourcenames.ValidateID("clientId", m.ClientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	num, err := ParseWhatsAppAddress(m.PhoneNumber)
	if err != nil {
		return err
	}
	m.PhoneNumber = num
	if m.StoreID != "" {
		if err := resourcenames.ValidateID("storeId", m.StoreID); err != nil {
			return Errorf(EINVALID, "%s", err.Error())
		}
	}
	return nil
}

// State is a step of the conversation state machine.
type State string

// Conversation states.
const (
	StateGreeting        State = "GREETING"
	StateStoreSelection  State = "STORE_SELECTION"
	StateMenuBrowsing    State = "MENU_BROWSING"
	StateItemSelection   State = "ITEM_SELECTION"
	StateCart            State = "CART"
	StateCheckout        State = "CHECKOUT"
	StateAwaitingPayment State = "AWAITING_PAYMENT"
	StateOrderPlaced     State = "ORDER_PLACED"
	StateHandoff         State = "HANDOFF"
)

// Valid reports whether s is one of the states above.
func (s State) Valid() bool {
	switch s {
	case StateGreeting, StateStoreSelection, StateMenuBrowsing, StateItemSelection, StateCart,
		StateCheckout, StateAwaitingPayment, StateOrderPlaced, StateHandoff:
		return true
	}
	return false
}

// ConversationTTL is how long a conversation lives after its last message: WhatsApp's
// customer-service window is 24 hours, after which a conversation starts over.
const ConversationTTL = 24 * time.Hour

// MaxHistory bounds messageHistory by count, and MaxHistoryBytes by size (the bodies and
// message SIDs of its entries, see HistoryBytes). A turn writes only the conversation's
// changed attributes, but DynamoDB bills a write by the size of the whole item (one write
// unit per KB, of the larger of the item before and after), so the history, the only part
// that grows, is what keeps every turn's write cheap: about 2 KB of history bounds a turn at
// about 3 write units (on demand, US$0.625 per million). The last turn is always kept whole,
// however long: a redelivered message is recognised, and its replies sent again, from it.
const (
	MaxHistory      = 50
	MaxHistoryBytes = 2 << 10
)

// historyEntryOverhead approximates what an entry costs beyond its body and SID: the
// attribute names (direction, body, at, messageSid), the direction and the timestamp.
const historyEntryOverhead = 64

// Direction of a message in the history.
const (
	Inbound  = "in"
	Outbound = "out"
)

// HistoryEntry is one message of a conversation.
type HistoryEntry struct {
	Direction  string    `dynamodbav:"direction" json:"direction"`
	Body       string    `dynamodbav:"body" json:"body"`
	At         time.Time `dynamodbav:"at" json:"at"`
	MessageSid string    `dynamodbav:"messageSid,omitempty" json:"messageSid,omitempty"`
}

// CartItem is one line of the cart: an order line in the making, priced by code from the
// menu when it was added.
type CartItem = OrderLine

// Conversation is the active conversation of one customer with one brand. Stored in
// WhatsAppBotConversationState keyed by pk = "<clientId>#<phoneNumber>", so the worker finds
// it with one strongly consistent GetItem; sessionId identifies the session inside it and
// changes when a conversation starts over.
type Conversation struct {
	ClientID        string            `dynamodbav:"clientId" json:"clientId"`
	PhoneNumber     string            `dynamodbav:"phoneNumber" json:"phoneNumber"`
	SessionID       string            `dynamodbav:"sessionId" json:"sessionId"`
	StoreID         string            `dynamodbav:"storeId,omitempty" json:"storeId,omitempty"`
	CurrentState    State             `dynamodbav:"currentState" json:"currentState"`
	Language        Language          `dynamodbav:"language" json:"language"`
	CustomerName    string            `dynamodbav:"customerName,omitempty" json:"customerName,omitempty"`
	Cart            []CartItem        `dynamodbav:"cart" json:"cart"`
	Context         map[string]string `dynamodbav:"context,omitempty" json:"context,omitempty"`
	MessageHistory  []HistoryEntry    `dynamodbav:"messageHistory" json:"messageHistory"`
	LastInteraction time.Time         `dynamodbav:"lastInteraction" json:"lastInteraction"`
	// LastMessageTimestamp is the customer's last message, epoch milliseconds (a Number, as
	// the seed says): it opens WhatsApp's 24-hour window, sets the TTL and sorts a store's
	// conversations in the listing index. See LastMessageAt.
	LastMessageTimestamp int64     `dynamodbav:"lastMessageTimestamp" json:"lastMessageTimestamp"`
	CreatedAt            time.Time `dynamodbav:"createdAt" json:"createdAt"`
	// UpdatedAt is the last write, set by the repository like every record's.
	UpdatedAt time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
	// TTL is epoch seconds after which the item is dead. DynamoDB deletes it up to two days
	// later; until then reads must treat it as absent (see Expired).
	TTL     int64 `dynamodbav:"ttl" json:"ttl"`
	Version int64 `dynamodbav:"version" json:"version"`
	// Delivery says how many replies of the last turn reached the messenger, when their
	// sending stopped part-way (a Twilio failure, the Lambda deadline): a redelivery sends
	// only the rest. Absent when every reply went.
	Delivery *Delivery `dynamodbav:"repliesDelivered,omitempty" json:"repliesDelivered,omitempty"`
}

// ConversationSummary is what a store's list of conversations shows: the attributes the list
// reads of each (resourcenames.ConversationSummaryAttributes). The conversation itself (cart,
// history) is one read away.
type ConversationSummary struct {
	ClientID             string   `dynamodbav:"clientId" json:"clientId"`
	PhoneNumber          string   `dynamodbav:"phoneNumber" json:"phoneNumber"`
	StoreID              string   `dynamodbav:"storeId,omitempty" json:"storeId,omitempty"`
	SessionID            string   `dynamodbav:"sessionId" json:"sessionId"`
	CurrentState         State    `dynamodbav:"currentState" json:"currentState"`
	Language             Language `dynamodbav:"language" json:"language"`
	CustomerName         string   `dynamodbav:"customerName,omitempty" json:"customerName,omitempty"`
	LastMessageTimestamp int64    `dynamodbav:"lastMessageTimestamp" json:"lastMessageTimestamp"`
	// TTL is the conversation's expiry (epoch seconds), so a list leaves out what reads
	// treat as absent.
	TTL int64 `dynamodbav:"ttl" json:"ttl"`
}

// LastMessageAt is LastMessageTimestamp as a time.
func (c ConversationSummary) LastMessageAt() time.Time {
	return time.UnixMilli(c.LastMessageTimestamp).UTC()
}

// GetDelivery is c.Delivery; nil for a nil conversation.
func (c *Conversation) GetDelivery() *Delivery {
	if c == nil {
		return nil
	}
	return c.Delivery
}

// Delivery records how far the replies to a turn got.
type Delivery struct {
	// MessageSid is the turn's last inbound message: the replies recorded after it.
	MessageSid string `dynamodbav:"messageSid" json:"messageSid"`
	// Sent is how many of them were handed to the messenger.
	Sent int `dynamodbav:"sent" json:"sent"`
}

// Validate checks the conversation's keys and state.
func (c *Conversation) Validate() error {
	if err := resourcenames.ValidateID("clientId", c.ClientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	num, err := ParseWhatsAppAddress(c.PhoneNumber)
	if err != nil {
		return err
	}
	c.PhoneNumber = num
	if c.SessionID == "" {
		return Errorf(EINVALID, "sessionId is required")
	}
	if c.StoreID != "" {
		if err := resourcenames.ValidateID("storeId", c.StoreID); err != nil {
			return Errorf(EINVALID, "%s", err.Error())
		}
	}
	if !c.CurrentState.Valid() {
		return Errorf(EINVALID, "currentState %q is not a conversation state", c.CurrentState)
	}
	if c.Language != "" {
		lang, err := ParseLanguage(string(c.Language))
		if err != nil {
			return err
		}
		c.Language = lang
	}
	return nil
}

// Expired reports whether the item's TTL has passed at now. A zero TTL never expires.
func Expired(ttl int64, now time.Time) bool { return ttl > 0 && now.Unix() >= ttl }

// Expired reports whether the conversation is past its TTL at now.
func (c *Conversation) Expired(now time.Time) bool { return Expired(c.TTL, now) }

// LastMessageAt is LastMessageTimestamp as a time; the zero time when there was none.
func (c *Conversation) LastMessageAt() time.Time {
	if c == nil || c.LastMessageTimestamp <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(c.LastMessageTimestamp).UTC()
}

// Touch records activity at now and sets the TTL to ConversationTTL after the customer's last
// message (after now when there was none yet): the conversation lives as long as WhatsApp's
// window, however late its last message was processed. A message processed after its window
// had closed (redriven from the dead-letter queue a day later) still leaves the conversation
// MinConversationLife to be read, rather than a record born expired.
func (c *Conversation) Touch(now time.Time) {
	c.LastInteraction = now
	from := c.LastMessageAt()
	if from.IsZero() {
		from = now
	}
	c.TTL = max(from.Add(ConversationTTL).Unix(), now.Add(MinConversationLife).Unix())
}

// MinConversationLife is the least a conversation lives after it was last written.
const MinConversationLife = 15 * time.Minute

// AppendHistory adds an entry and keeps only the last MaxHistory entries. An inbound entry
// also moves lastMessageTimestamp, which opens WhatsApp's 24-hour free-text window.
func (c *Conversation) AppendHistory(e HistoryEntry) {
	c.MessageHistory = append(c.MessageHistory, e)
	if n := len(c.MessageHistory); n > MaxHistory {
		c.MessageHistory = append([]HistoryEntry(nil), c.MessageHistory[n-MaxHistory:]...)
	}
	if e.Direction == Inbound && e.At.UnixMilli() > c.LastMessageTimestamp {
		c.LastMessageTimestamp = e.At.UnixMilli()
	}
}

// HistoryBytes is the size the history counts against MaxHistoryBytes.
func (c *Conversation) HistoryBytes() int {
	n := 0
	for _, e := range c.MessageHistory {
		n += entryBytes(e)
	}
	return n
}

func entryBytes(e HistoryEntry) int { return len(e.Body) + len(e.MessageSid) + historyEntryOverhead }

// BoundHistory drops the oldest entries while the history is over MaxHistoryBytes, never one
// of the last keep entries (the turn just recorded).
func (c *Conversation) BoundHistory(keep int) {
	total := c.HistoryBytes()
	drop := 0
	for drop < len(c.MessageHistory)-keep && total > MaxHistoryBytes {
		total -= entryBytes(c.MessageHistory[drop])
		drop++
	}
	if drop > 0 {
		c.MessageHistory = append([]HistoryEntry(nil), c.MessageHistory[drop:]...)
	}
}

// CartTotalCents sums the cart in centavos.
func (c *Conversation) CartTotalCents() int64 {
	var total int64
	for _, it := range c.Cart {
		total += int64(it.Quantity) * it.UnitPriceCents
	}
	return total
}
