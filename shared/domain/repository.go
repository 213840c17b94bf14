package domain

import (
	"context"
	"time"
)

// Every repository method takes the clientId explicitly and refuses (EFORBIDDEN) when the
// context carries a different tenant (see CheckTenant). Reads are strongly consistent unless
// they go through an index. Items past their TTL read as absent (ENOTFOUND).
//
// Create* fill version (1), createdAt and updatedAt into the caller's value on success and
// leave it unchanged on failure. Update* keep the stored createdAt, set updatedAt, and refuse
// (EINVALID) a function that changes key attributes.

// ClientRepository stores brands.
type ClientRepository interface {
	// GetClient returns ENOTFOUND if no client has clientID.
	GetClient(ctx context.Context, clientID string) (*Client, error)
	// FindClientByPhoneNumber returns the client whose twilioPhoneNumber is number (a WhatsApp
	// address), or ENOTFOUND. It runs before any tenant is known (platform scope) and reads a
	// global secondary index, so a number changed a moment ago may still resolve to the old
	// client; ENOTFOUND also covers a number that two clients claim (misconfiguration).
	// EFORBIDDEN when ctx carries a tenant other than the client found.
	FindClientByPhoneNumber(ctx context.Context, number string) (*Client, error)
	// CreateClient stores c with version 1; ECONFLICT if the clientId exists.
	CreateClient(ctx context.Context, c *Client) error
	// UpdateClient applies fn to the current client and writes it if its version is unchanged,
	// retrying on a concurrent change. fn may be called more than once. ENOTFOUND if absent;
	// an error from fn aborts and is returned as is.
	UpdateClient(ctx context.Context, clientID string, fn func(*Client) error) (*Client, error)
}

// StoreRepository stores a brand's stores.
type StoreRepository interface {
	// GetStore returns ENOTFOUND if the brand has no such store.
	GetStore(ctx context.Context, clientID, storeID string) (*Store, error)
	// ListStores returns the brand's stores ordered by storeId.
	ListStores(ctx context.Context, clientID string) ([]Store, error)
	// CreateStore stores s with version 1; ECONFLICT if it exists.
	CreateStore(ctx context.Context, s *Store) error
	// UpdateStore works like ClientRepository.UpdateClient.
	UpdateStore(ctx context.Context, clientID, storeID string, fn func(*Store) error) (*Store, error)
}

// PhoneMappingRepository stores which store each customer of a brand buys from.
type PhoneMappingRepository interface {
	// GetMapping returns ENOTFOUND if the customer has no mapping with the brand.
	GetMapping(ctx context.Context, clientID, phoneNumber string) (*PhoneMapping, error)
	// CreateMapping stores m with version 1; ECONFLICT if it exists.
	CreateMapping(ctx context.Context, m *PhoneMapping) error
	// UpdateMapping works like ClientRepository.UpdateClient.
	UpdateMapping(ctx context.Context, clientID, phoneNumber string, fn func(*PhoneMapping) error) (*PhoneMapping, error)
}

// ConversationRepository stores the active conversation of each (brand, customer).
type ConversationRepository interface {
	// GetConversation returns ENOTFOUND if there is none or it has expired.
	GetConversation(ctx context.Context, clientID, phoneNumber string) (*Conversation, error)
	// CreateConversation stores c with version 1, replacing an expired one; ECONFLICT if a live
	// conversation exists. A zero TTL becomes now + ConversationTTL; a TTL already past is
	// EINVALID.
	CreateConversation(ctx context.Context, c *Conversation) error
	// UpdateConversation applies fn to the live conversation and writes it if its version is
	// unchanged, retrying on a concurrent change: concurrent updates are serialised and none
	// is lost. ENOTFOUND if absent or expired.
	UpdateConversation(ctx context.Context, clientID, phoneNumber string, fn func(*Conversation) error) (*Conversation, error)
	// SaveConversation is the engine's persist step: it writes c if the stored conversation
	// still has version c.Version (c.Version 0: there is none, or only an expired one) and
	// sets c.Version to the stored version (old + 1) and, on a create, c.CreatedAt. ECONFLICT
	// when someone wrote it meanwhile (the engine prepares the turn again); c is unchanged
	// then. A zero TTL becomes now + ConversationTTL.
	//
	// prev is the conversation as read at c.Version (nil when there was none): only what
	// changed from prev to c is written, so a turn sends its changes, not the whole item, and
	// attributes of the stored item that the domain type does not know survive. Without prev
	// (or with a prev of another version) the whole item is written.
	SaveConversation(ctx context.Context, prev, c *Conversation) error
	// SaveDelivery records how far the replies to the last turn got (see Delivery) on the
	// conversation stored at version, without changing its version: it is bookkeeping of the
	// sending, not a change of the conversation. ECONFLICT when the version moved on (a newer
	// turn has its own replies).
	SaveDelivery(ctx context.Context, clientID, phoneNumber string, version int64, d Delivery) error
	// DeleteConversation removes it; deleting an absent conversation is not an error.
	DeleteConversation(ctx context.Context, clientID, phoneNumber string) error
}

// IdempotencyRepository remembers keys already processed (a Twilio MessageSid, an order event).
type IdempotencyRepository interface {
	// Claim records key for the brand for ttl and reports true the first time; false when a
	// live record exists (a retried delivery). An expired record is claimed again.
	Claim(ctx context.Context, clientID, key string, ttl time.Duration) (bool, error)
	// Release forgets a claimed key, so a delivery that failed after its claim (the queue
	// was unreachable) is processed when it is retried. Releasing an absent key is no error.
	Release(ctx context.Context, clientID, key string) error
	// Begin is the first phase of a two-phase claim: it records key as pending, held by the
	// caller for lease, and reports ClaimTaken; ClaimInProgress while another caller's lease
	// is live; ClaimDone once the key was completed (or claimed by Claim). A pending key
	// whose lease ran out is taken again: its holder crashed, or is late and its work is
	// deduplicated downstream. The record lives for ttl.
	Begin(ctx context.Context, clientID, key string, lease, ttl time.Duration) (ClaimState, error)
	// Complete is the second phase: it marks keys done for ttl from now, whatever their state
	// (an absent key is recorded done). At most MaxCompleteKeys at once.
	Complete(ctx context.Context, clientID string, keys []string, ttl time.Duration) error
	// Lookup reports a key's state without changing it: 0 when there is no live record.
	Lookup(ctx context.Context, clientID, key string) (ClaimState, error)
}

// MaxCompleteKeys bounds one Complete: a worker batch holds at most 10 messages.
const MaxCompleteKeys = 25

// ClaimState is what Begin found.
type ClaimState int

// Claim states.
const (
	// ClaimTaken: the caller holds the key's lease and does the work.
	ClaimTaken ClaimState = iota + 1
	// ClaimInProgress: another caller holds a live lease; the work may or may not get done.
	ClaimInProgress
	// ClaimDone: the work was done.
	ClaimDone
)

func (s ClaimState) String() string {
	switch s {
	case ClaimTaken:
		return "taken"
	case ClaimInProgress:
		return "in progress"
	case ClaimDone:
		return "done"
	}
	return "unknown"
}

// InboundClaimKey is the idempotency key of a Twilio message: the webhook begins it, the
// worker completes it once the message is in the customer's conversation.
func InboundClaimKey(messageSid string) string { return "twilio#" + messageSid }

// MaxIdempotencyKey bounds a key of an IdempotencyRepository: DynamoDB allows a sort key of
// 1024 bytes, and the keys claimed (a Twilio MessageSid, a payment event's id, a notice of an
// order) are far shorter.
const MaxIdempotencyKey = 512

// The checks every IdempotencyRepository makes before it reads or writes, so an
// implementation and its test double refuse the same calls.

// CheckClaimKey refuses a ctx carrying another tenant (EFORBIDDEN) and a key that is empty or
// longer than MaxIdempotencyKey (EINVALID).
func CheckClaimKey(ctx context.Context, clientID, key string) error {
	if err := CheckTenant(ctx, clientID); err != nil {
		return err
	}
	if key == "" || len(key) > MaxIdempotencyKey {
		return Errorf(EINVALID, "idempotency key is required (at most %d bytes)", MaxIdempotencyKey)
	}
	return nil
}

// CheckClaimTTL refuses a ttl that is not positive.
func CheckClaimTTL(ttl time.Duration) error {
	if ttl <= 0 {
		return Errorf(EINVALID, "idempotency ttl must be positive, got %s", ttl)
	}
	return nil
}

// CheckClaimLease refuses a lease that is not positive or is longer than the claim's ttl.
func CheckClaimLease(lease, ttl time.Duration) error {
	if lease <= 0 || ttl < lease {
		return Errorf(EINVALID, "a claim needs a positive lease (%s) no longer than its ttl (%s)", lease, ttl)
	}
	return nil
}

// CheckComplete refuses a Complete of more than MaxCompleteKeys keys, with a ttl that is not
// positive, or with a key CheckClaimKey refuses.
func CheckComplete(ctx context.Context, clientID string, keys []string, ttl time.Duration) error {
	if len(keys) > MaxCompleteKeys {
		return Errorf(EINVALID, "at most %d keys at once, got %d", MaxCompleteKeys, len(keys))
	}
	if err := CheckClaimTTL(ttl); err != nil {
		return err
	}
	for _, k := range keys {
		if err := CheckClaimKey(ctx, clientID, k); err != nil {
			return err
		}
	}
	return nil
}
