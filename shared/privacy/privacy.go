// Package privacy answers a customer's LGPD requests (Lei 13.709/2018, art. 18) within one
// brand: the export of everything the platform holds about a WhatsApp number (Export) and its
// erasure (EraseCustomer, the domain.CustomerEraser the admin API and the chat call).
//
// What a customer leaves, per brand, and what happens to it on erasure:
//
//   - the phone mapping (store choice, name, opt-out): deleted;
//   - the conversation (state, cart, message history), expired or not: deleted;
//   - idempotency records whose keys derive from the customer: the claims of the Twilio
//     messages in the conversation's history (domain.InboundClaimKey) and the inactive-brand
//     notice's claim, whose key holds the number: deleted;
//   - orders: fiscal records, kept, with customerPhone replaced by a keyed pseudonym
//     (Pseudonym), customerName and deliveryAddress removed, and the order taken out of the
//     customer index; lines, amounts, status and history stay.
//
// Daily metrics are counts with no number, and logs carry masked numbers and no message body:
// neither holds the customer's data (Export says so in NotIncluded).
package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
)

// Mappings is what the service needs of the phone mappings.
type Mappings interface {
	// GetMapping returns ENOTFOUND when the brand has no mapping for the number.
	GetMapping(ctx context.Context, clientID, phoneNumber string) (*domain.PhoneMapping, error)
	// EraseMapping deletes it and reports whether there was one.
	EraseMapping(ctx context.Context, clientID, phoneNumber string) (bool, error)
}

// Conversations is what the service needs of the conversations.
type Conversations interface {
	// GetStoredConversation returns the stored conversation even past its TTL; ENOTFOUND
	// when there is none.
	GetStoredConversation(ctx context.Context, clientID, phoneNumber string) (*domain.Conversation, error)
	// EraseConversation deletes it and reports whether there was one.
	EraseConversation(ctx context.Context, clientID, phoneNumber string) (bool, error)
}

// Orders is what the service needs of the orders.
type Orders interface {
	// ListCustomerOrders returns the orders still carrying the number.
	ListCustomerOrders(ctx context.Context, clientID, phoneNumber string) ([]domain.Order, error)
	// PseudonymiseOrder replaces the number by pseudonym if the order still carries it, and
	// reports whether it did.
	PseudonymiseOrder(ctx context.Context, clientID, orderID, phoneNumber, pseudonym string) (bool, error)
}

// Claims is what the service needs of the idempotency records.
type Claims interface {
	// GetClaimRecord returns ENOTFOUND when there is no record of key.
	GetClaimRecord(ctx context.Context, clientID, key string) (*dynamo.ClaimRecord, error)
	// EraseClaim deletes it and reports whether there was one.
	EraseClaim(ctx context.Context, clientID, key string) (bool, error)
}

// Deps are the service's dependencies. *dynamo.Repositories is Mappings, Conversations,
// Orders and Claims.
type Deps struct {
	Mappings      Mappings
	Conversations Conversations
	Orders        Orders
	Claims        Claims
	// Keys gives the pseudonymisation key: SecretKey in AWS, LocalPseudonymKey locally.
	Keys KeySource
	// Now is the clock of the export's generation time (default time.Now).
	Now func() time.Time
	// Log receives one line per export and erasure: the brand, the masked number, counts.
	Log *slog.Logger
}

// Service exports and erases customers' data. It is safe for concurrent use.
type Service struct{ d Deps }

var _ domain.CustomerEraser = (*Service)(nil)

// New returns the service over d.
func New(d Deps) (*Service, error) {
	if d.Mappings == nil || d.Conversations == nil || d.Orders == nil || d.Claims == nil || d.Keys == nil {
		return nil, errors.New("privacy: the mappings, conversations, orders, claims and key source are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}, nil
}

// ExportFormat names the export document's shape, so a reader can tell versions apart.
const ExportFormat = "wabot.customer-export/v1"

// Export is everything the platform holds about one number within one brand, as one JSON
// document (the customer's copy, LGPD art. 18, II and V). An unknown customer has an empty
// export: no mapping, no conversation, empty lists.
type Export struct {
	Format      string    `json:"format"`
	ClientID    string    `json:"clientId"`
	PhoneNumber string    `json:"phoneNumber"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Mapping is the customer's store choice, name and opt-out; null when none.
	Mapping *domain.PhoneMapping `json:"mapping"`
	// Conversation is the live conversation (state, cart, history); null when none.
	Conversation *ConversationExport `json:"conversation"`
	// Orders are the orders that carry the number, oldest first, with every field.
	Orders []domain.Order `json:"orders"`
	// IdempotencyRecords are the records kept of the customer's messages (so a message
	// delivered twice is processed once): their keys and times only, they hold nothing else.
	IdempotencyRecords []IdempotencyRecord `json:"idempotencyRecords"`
	// NotIncluded says what else exists and why it is not in the export.
	NotIncluded []Exclusion `json:"notIncluded"`
}

// ConversationExport is the stored conversation, with whether it has already expired (a
// conversation past its TTL is no longer used but stays stored until DynamoDB deletes it, up
// to two days later).
type ConversationExport struct {
	domain.Conversation
	Expired bool `json:"expired"`
}

// IdempotencyRecord is one idempotency record of the customer's.
type IdempotencyRecord struct {
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Exclusion is something held elsewhere, or not about the customer, and why it is left out.
type Exclusion struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// NotIncluded is the export's fixed list of what it leaves out.
var NotIncluded = []Exclusion{
	{What: "daily metrics", Why: "aggregated counts per brand, store and day (messages, orders, amounts); they hold no phone number, name or message"},
	{What: "application logs", Why: "phone numbers are masked (whatsapp:+551******4321) and message bodies are never logged; logs expire with their log group's retention"},
	{What: "audit records", Why: "records of operators' changes to the brand's configuration; phone numbers in them are masked"},
	{What: "orders already pseudonymised", Why: "after an erasure an order keeps only a keyed pseudonym instead of the number, which cannot be traced back to it without the platform's secret key"},
	{What: "messages in transit", Why: "the inbound queue (up to 4 days, 14 in its dead-letter queue) and the stores' order queues (4 days) hold messages and orders only until they are processed"},
	{What: "backups", Why: "point-in-time recovery keeps the tables' changes for 35 days; erased data leaves the backups when that window passes"},
	{What: "Twilio and Asaas", Why: "WhatsApp messages and payments are also held by Twilio and Asaas, processors with their own retention; ask the brand to request them there"},
}

// InactiveNoticeKey is the idempotency key of the notice an inactive brand sends a customer
// once a month. It holds the number, so the erasure deletes it. It must stay equal to the
// key the conversation service claims (shared/conversation, inactiveNotice).
func InactiveNoticeKey(phoneNumber string) string { return "notice:inactive:" + phoneNumber }

// customer validates the request's brand and number and returns the number in canonical form.
func customer(ctx context.Context, clientID, phoneNumber string) (string, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return "", err
	}
	return domain.ParseWhatsAppAddress(phoneNumber)
}

// Export returns everything held about phoneNumber within the brand clientID. A number the
// brand does not know has an empty export, not ENOTFOUND; an invalid number is EINVALID.
func (s *Service) Export(ctx context.Context, clientID, phoneNumber string) (*Export, error) {
	num, err := customer(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	now := s.d.Now().UTC()
	x := &Export{
		Format: ExportFormat, ClientID: clientID, PhoneNumber: num, GeneratedAt: now,
		Orders: []domain.Order{}, IdempotencyRecords: []IdempotencyRecord{}, NotIncluded: NotIncluded,
	}
	m, err := s.d.Mappings.GetMapping(ctx, clientID, num)
	switch {
	case err == nil:
		x.Mapping = m
	case !domain.IsNotFound(err):
		return nil, fmt.Errorf("privacy: export the mapping: %w", err)
	}
	conv, err := s.conversation(ctx, clientID, num)
	if err != nil {
		return nil, fmt.Errorf("privacy: export the conversation: %w", err)
	}
	if conv != nil {
		x.Conversation = &ConversationExport{Conversation: *conv, Expired: conv.Expired(now)}
	}
	orders, err := s.d.Orders.ListCustomerOrders(ctx, clientID, num)
	if err != nil {
		return nil, fmt.Errorf("privacy: export the orders: %w", err)
	}
	x.Orders = append(x.Orders, orders...)
	for _, key := range claimKeys(conv, num) {
		rec, err := s.d.Claims.GetClaimRecord(ctx, clientID, key)
		switch {
		case domain.IsNotFound(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("privacy: export the idempotency records: %w", err)
		}
		x.IdempotencyRecords = append(x.IdempotencyRecords, IdempotencyRecord{Key: rec.Key, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt})
	}
	s.d.Log.InfoContext(ctx, "customer data exported", "clientId", clientID, "phone", domain.Mask(num),
		"mapping", x.Mapping != nil, "conversation", x.Conversation != nil,
		"orders", len(x.Orders), "idempotencyRecords", len(x.IdempotencyRecords))
	return x, nil
}

// EraseCustomer implements domain.CustomerEraser. The steps run in an order that a retry
// completes: first what is found through what a later step deletes. The conversation is read
// first (its history names the claims); the orders, found through the customer index which
// an order leaves only when pseudonymised, are pseudonymised; then the claims, the
// conversation and the mapping are deleted. An erasure interrupted anywhere is finished by
// running it again; a repeated erasure changes nothing and reports zeros. Orders created
// after the index was read (the index lags a moment too) are not seen: an erasure asked
// while the customer is ordering should be run again afterwards.
func (s *Service) EraseCustomer(ctx context.Context, clientID, phoneNumber string) (domain.ErasureReport, error) {
	var rep domain.ErasureReport
	num, err := customer(ctx, clientID, phoneNumber)
	if err != nil {
		return rep, err
	}
	log := s.d.Log.With("clientId", clientID, "phone", domain.Mask(num))
	conv, err := s.conversation(ctx, clientID, num)
	if err != nil {
		return rep, fmt.Errorf("privacy: erase: read the conversation: %w", err)
	}

	orders, err := s.d.Orders.ListCustomerOrders(ctx, clientID, num)
	if err != nil {
		return rep, fmt.Errorf("privacy: erase: list the orders: %w", err)
	}
	if len(orders) > 0 {
		key, err := s.d.Keys.PseudonymKey(ctx)
		if err != nil {
			return rep, fmt.Errorf("privacy: erase: %w", err)
		}
		pseudonym := Pseudonym(key, clientID, num)
		for _, o := range orders {
			changed, err := s.d.Orders.PseudonymiseOrder(ctx, clientID, o.OrderID, num, pseudonym)
			if err != nil {
				return s.partial(ctx, log, rep, fmt.Errorf("privacy: erase: pseudonymise order %s: %w", o.OrderID, err))
			}
			if changed {
				rep.OrdersPseudonymised++
			}
		}
	}

	for _, key := range claimKeys(conv, num) {
		gone, err := s.d.Claims.EraseClaim(ctx, clientID, key)
		if err != nil {
			return s.partial(ctx, log, rep, fmt.Errorf("privacy: erase: an idempotency record: %w", err))
		}
		if gone {
			rep.IdempotencyRecords++
		}
	}

	gone, err := s.d.Conversations.EraseConversation(ctx, clientID, num)
	if err != nil {
		return s.partial(ctx, log, rep, fmt.Errorf("privacy: erase: the conversation: %w", err))
	}
	if gone {
		rep.Conversations++
	}

	gone, err = s.d.Mappings.EraseMapping(ctx, clientID, num)
	if err != nil {
		return s.partial(ctx, log, rep, fmt.Errorf("privacy: erase: the mapping: %w", err))
	}
	if gone {
		rep.Mappings++
	}
	log.InfoContext(ctx, "customer data erased", "mappings", rep.Mappings, "conversations", rep.Conversations,
		"idempotencyRecords", rep.IdempotencyRecords, "ordersPseudonymised", rep.OrdersPseudonymised)
	return rep, nil
}

// partial logs an erasure that stopped part-way and returns what it did with err: running it
// again completes it.
func (s *Service) partial(ctx context.Context, log *slog.Logger, rep domain.ErasureReport, err error) (domain.ErasureReport, error) {
	log.WarnContext(ctx, "customer erasure stopped part-way; run it again to complete it", "error", err,
		"mappings", rep.Mappings, "conversations", rep.Conversations,
		"idempotencyRecords", rep.IdempotencyRecords, "ordersPseudonymised", rep.OrdersPseudonymised)
	return rep, err
}

// conversation is the stored conversation, expired or not; nil when there is none.
func (s *Service) conversation(ctx context.Context, clientID, num string) (*domain.Conversation, error) {
	c, err := s.d.Conversations.GetStoredConversation(ctx, clientID, num)
	if domain.IsNotFound(err) {
		return nil, nil
	}
	return c, err
}

// claimKeys are the idempotency keys derived from the customer: the claims of the inbound
// messages in the conversation's history, and the inactive-brand notice's. Outbound entries
// carry the SIDs Twilio gave our replies, which nothing claims.
func claimKeys(conv *domain.Conversation, num string) []string {
	var keys []string
	seen := map[string]bool{}
	if conv != nil {
		for _, e := range conv.MessageHistory {
			if e.Direction != domain.Inbound || e.MessageSid == "" {
				continue
			}
			k := domain.InboundClaimKey(e.MessageSid)
			if !seen[k] && len(k) <= domain.MaxIdempotencyKey {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return append(keys, InactiveNoticeKey(num))
}
