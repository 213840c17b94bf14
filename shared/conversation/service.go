// Package conversation is the engine of the WhatsApp conversation: it identifies the
// customer and the store behind each inbound message (store selection, change of store,
// opt-out and opt-in) and runs the ordering flow (menu, cart, checkout, handoff to a person)
// until an order is placed and handed to the store's point of sale.
//
// # A turn
//
// One turn handles one inbound message, or a burst of one customer's messages that arrived
// together (one answer for all of them). A turn is:
//
//  1. prepare: all I/O that the step needs — the brand, its stores and its menu from the
//     directory (cached), the customer's phone mapping and live conversation (two
//     strongly consistent reads);
//  2. step: a pure function from that input to an outcome — the new conversation, the
//     mapping change, the replies (values, see package notify), and the order to place;
//  3. the mapping, when the step changes it (store choice, opt-out, a new profile name),
//     then the order the customer confirmed, if any: created under an id derived from the
//     confirming message and, unless it waits for a PIX payment, published to the store's
//     POS queue and marked SENT_TO_POS;
//  4. persist: the conversation with one conditional write on the version read in 1;
//     a lost race prepares the turn again;
//  5. effects: the replies, sent last.
//
// A known customer's ordinary turn (menu, cart) costs three DynamoDB calls with a warm
// directory: GetItem on the mapping and on the conversation, a conditional UpdateItem of what
// changed (the worker adds a fourth: completing the webhook's claims).
//
// # Redelivery: orders exactly once, replies not twice but for a crash
//
// A message may be delivered again (the worker retries after a failure, the queue
// redelivers). The conversation's history records each inbound message with its MessageSid
// and, right after it, the replies computed for it (as the parts that are sent: at most
// notify.MaxBodyChars each), and it is written before any reply is sent. When every message
// of a turn is already in the history, the step is not run again and nothing is written; the
// replies recorded after them are sent, but those the conversation's delivery record
// (domain.Delivery, written when sending stopped part-way: a Twilio failure, the deadline)
// says went already. A customer may see a reply twice only when a send timed out after
// Twilio took it, or the process died after sending everything and before the batch was
// acknowledged; never a second store list or a second state change.
//
// The order is placed before the conversation is written, so a crash between the two leaves
// an order and a conversation that does not know it yet: the retried turn computes the same
// order id from the same message, finds the order and does not create or publish it again
// (its status says how far it got; the POS queue's deduplication id covers a crash between
// publishing and marking it SENT_TO_POS). A conversation never says "placed" without an
// order existing.
//
// The mapping is written before the conversation, and the step converges: once its mapping
// change is stored, running the step again wants no further change and yields the same
// conversation and replies.
//
// # Erasure, operators, the sandbox
//
// A customer may ask in the chat to erase their data (erase.go): after their confirmation the
// turn calls Deps.Eraser instead of writing anything, sends the reply, and a redelivery of
// the confirmation is recognised by an idempotency record of the message, not of the
// customer. Operators act on a live conversation through the admin API (operator.go: reset,
// handoff, resume, a person's message under the 24-hour rules). The admin's test chat
// (Sandbox, sandbox.go) runs this engine for a customer who cannot exist, captures the
// replies and places test orders that never reach a point of sale.
//
// Every text is rendered through the brand's overrides (domain.Client.Texts; customtexts.go).
package conversation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wabot-platform/wabot/shared/directory"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Configuration bounds.
const (
	// DefaultConfigTTL is how long a brand's configuration, stores and menu are cached.
	DefaultConfigTTL = directory.DefaultTTL
	// MaxConfigTTL bounds ConfigTTL, so a deactivated store or brand is never served for long.
	MaxConfigTTL = directory.MaxTTL
	// InactiveNoticeTTL is how long a customer who wrote to an inactive brand is remembered:
	// within it they get the brand's notice once.
	InactiveNoticeTTL = 30 * 24 * time.Hour
	// maxTurnAttempts bounds the loop that prepares a turn again: one round per mapping
	// change plus lost races on the conversation.
	maxTurnAttempts = 4
)

// Errors of Notify (see package notify).
var (
	ErrTemplateRequired = notify.ErrTemplateRequired
	ErrOptedOut         = notify.ErrOptedOut
	ErrClientInactive   = notify.ErrClientInactive
)

// EventTemplateMissing is the "event" attribute of the log line written when free text is
// refused outside WhatsApp's 24-hour window (see notify.EventTemplateMissing).
const EventTemplateMissing = notify.EventTemplateMissing

// Deps are what the service needs. Every repository but Menus and Orders, and the
// messenger, are required; without Menus the ordering flow says the store has no menu;
// without Orders and Publisher no order can be placed.
type Deps struct {
	Clients       domain.ClientRepository
	Stores        domain.StoreRepository
	Mappings      domain.PhoneMappingRepository
	Conversations domain.ConversationRepository
	Idempotency   domain.IdempotencyRepository
	Menus         domain.MenuRepository
	Orders        domain.OrderRepository
	Publisher     domain.OrderPublisher
	Messenger     domain.Messenger
	// Directory is the brand cache to share with other paths of the function; nil builds
	// one over Clients, Stores and Menus with ConfigTTL.
	Directory *directory.Directory
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewSessionID draws a conversation's session id (default: 16 random bytes in hex).
	NewSessionID func() string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// ConfigTTL is how long brands, stores and menus are cached: default DefaultConfigTTL,
	// at most MaxConfigTTL.
	ConfigTTL time.Duration
	// Metrics counts, by brand and store: the inbound messages of each turn
	// (MetricMessagesProcessed, not again on a redelivery), the conversations started
	// (MetricConversations: a turn that creates one where the customer had none live), the
	// handoffs to a person (MetricHandoffs: asked by the customer, or Service.Handoff), the
	// orders handed to a store's POS (metrics.Orders) and their totals (MetricRevenueCents),
	// and, through the sender, the messages sent and the failed sends (see notify.Deps); nil
	// counts nothing.
	Metrics metrics.Recorder
	// Eraser erases a customer's data when they ask for it in the chat and confirm (see
	// erase.go); nil: the customer is told it cannot be done in the chat.
	Eraser domain.CustomerEraser
	// Payments charges PIX orders through the brand's payment provider and settles their
	// events (payments.go); nil: a PIX order waits for ConfirmPayment without a charge.
	Payments domain.PaymentProvider
	// Model is the language model for what the rules cannot read (ai.go), called with the
	// brand's model id (its application inference profile: Client.InferenceProfileARN, or
	// ModelID when set); nil: the rules answer alone.
	Model domain.LanguageModel
	// ModelID, when set, is the model every brand uses (the local stack against real
	// Bedrock); empty: each brand's InferenceProfileARN.
	ModelID string
	// ModelSpend enforces the brands' daily token budgets (nil: none).
	ModelSpend ModelSpend
	// ModelTurnBudget bounds the model calls of one turn together (default
	// DefaultModelTurnBudget).
	ModelTurnBudget time.Duration
}

// Stats are the service's counters since it started.
type Stats struct {
	Turns              int64 // turns processed (a step ran); a burst is one turn
	Duplicates         int64 // redeliveries of messages already recorded (no step ran)
	RepliesSent        int64 // replies sent for a turn
	RepliesResent      int64 // replies sent again for a redelivered message
	NotificationsSent  int64 // messages sent by Notify
	TemplateMissing    int64 // free text refused outside the 24-hour window (Notify, or a reply to a late message)
	OptedOutSuppressed int64 // Notify refusals: the customer opted out
	OptedOutIgnored    int64 // inbound messages of opted-out customers left unanswered
	InactiveNotices    int64 // "this brand is not available" notices sent
	SendErrors         int64 // messenger failures (the message is retried by the worker)
	OrdersPlaced       int64 // orders created
	OrdersPublished    int64 // order events sent to a store's POS queue
	Handoffs           int64 // conversations handed to a person
	Erasures           int64 // customers' data erased at their request in the chat
}

type counters struct {
	turns, duplicates, optedOutIgnored, inactiveSent atomic.Int64
	ordersPlaced, ordersPublished, handoffs          atomic.Int64
	erasures                                         atomic.Int64
}

// Service runs turns and proactive sends. It is safe for concurrent use; the caller
// processes one customer's messages in order, one at a time.
type Service struct {
	d        Deps
	log      *slog.Logger
	dir      *directory.Directory
	sender   *notify.Sender
	catalogs *catalogs
	answers  *answerCache
	n        counters
	// sandbox: the engine of a Sandbox, which places test orders only and publishes none.
	sandbox bool
}

// New validates d and returns a service.
func New(d Deps) (*Service, error) {
	if (d.Orders == nil) != (d.Publisher == nil) {
		return nil, errors.New("conversation: orders and the POS publisher go together")
	}
	return newService(d, false)
}

func newService(d Deps, sandbox bool) (*Service, error) {
	switch {
	case d.Clients == nil, d.Stores == nil, d.Mappings == nil, d.Conversations == nil, d.Idempotency == nil:
		return nil, errors.New("conversation: every repository is required")
	case d.Messenger == nil:
		return nil, errors.New("conversation: a messenger is required")
	case d.ConfigTTL < 0 || d.ConfigTTL > MaxConfigTTL:
		return nil, fmt.Errorf("conversation: ConfigTTL must be between 0 (default %s) and %s, got %s", DefaultConfigTTL, MaxConfigTTL, d.ConfigTTL)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewSessionID == nil {
		d.NewSessionID = randomID
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.ConfigTTL == 0 {
		d.ConfigTTL = DefaultConfigTTL
	}
	d.Metrics = metrics.Or(d.Metrics)
	dir := d.Directory
	if dir == nil {
		dd := directory.Deps{Clients: d.Clients, Stores: d.Stores, TTL: d.ConfigTTL, Now: d.Now}
		if d.Menus != nil {
			dd.Menus = d.Menus
		}
		var err error
		if dir, err = directory.New(dd); err != nil {
			return nil, err
		}
	}
	sender, err := notify.New(notify.Deps{
		Messenger: d.Messenger, Mappings: d.Mappings, Conversations: d.Conversations, Now: d.Now, Logger: d.Logger,
		Metrics: d.Metrics,
	})
	if err != nil {
		return nil, err
	}
	return &Service{d: d, log: d.Logger, dir: dir, sender: sender, catalogs: newCatalogs(), answers: newAnswerCache(), sandbox: sandbox}, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	ss := s.sender.Stats()
	return Stats{
		Turns:              s.n.turns.Load(),
		Duplicates:         s.n.duplicates.Load(),
		RepliesSent:        ss.RepliesSent,
		RepliesResent:      ss.RepliesResent,
		NotificationsSent:  ss.NotificationsSent,
		TemplateMissing:    ss.TemplateMissing,
		OptedOutSuppressed: ss.OptedOutSuppressed,
		OptedOutIgnored:    s.n.optedOutIgnored.Load(),
		InactiveNotices:    s.n.inactiveSent.Load(),
		SendErrors:         ss.SendErrors,
		OrdersPlaced:       s.n.ordersPlaced.Load(),
		OrdersPublished:    s.n.ordersPublished.Load(),
		Handoffs:           s.n.handoffs.Load(),
		Erasures:           s.n.erasures.Load(),
	}
}

func (s *Service) now() time.Time { return s.d.Now().UTC() }

// tenantContext returns ctx carrying clientID as its tenant, or EFORBIDDEN when ctx already
// carries another one.
func tenantContext(ctx context.Context, clientID string) (context.Context, error) {
	switch t := domain.TenantFromContext(ctx); t {
	case "":
		return domain.NewContextWithTenant(ctx, clientID), nil
	case clientID:
		return ctx, nil
	default:
		return nil, domain.Errorf(domain.EFORBIDDEN, "tenant %q may not handle a message of client %q", t, clientID)
	}
}

// getMapping returns the customer's mapping, or nil when there is none.
func (s *Service) getMapping(ctx context.Context, clientID, phone string) (*domain.PhoneMapping, error) {
	m, err := s.d.Mappings.GetMapping(ctx, clientID, phone)
	if domain.IsNotFound(err) {
		return nil, nil
	}
	return m, err
}

// getConversation returns the live conversation, or nil when there is none.
func (s *Service) getConversation(ctx context.Context, clientID, phone string) (*domain.Conversation, error) {
	c, err := s.d.Conversations.GetConversation(ctx, clientID, phone)
	if domain.IsNotFound(err) {
		return nil, nil
	}
	return c, err
}

// Handle processes one inbound message as a turn of its own (see HandleBurst).
func (s *Service) Handle(ctx context.Context, m domain.InboundMessage) error {
	return s.HandleBurst(ctx, []domain.InboundMessage{m})
}

// HandleBurst processes messages of one customer to one brand, in order, as one turn with
// one answer: identification, the ordering flow, the writes, the reply. An error means the
// turn was not (completely) processed and should be retried: a retry is safe (see the package
// doc). Messages that break the queue contract are EINVALID; a brand that no longer exists is
// ENOTFOUND; neither is worth retrying.
func (s *Service) HandleBurst(ctx context.Context, msgs []domain.InboundMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	first := msgs[0]
	ctx, err := tenantContext(ctx, first.ClientID)
	if err != nil {
		return err
	}
	phone, err := domain.ParseWhatsAppAddress(first.From)
	if err != nil {
		return fmt.Errorf("conversation: inbound message From: %w", err)
	}
	for _, m := range msgs {
		if m.MessageSid == "" {
			return domain.Errorf(domain.EINVALID, "inbound message without a messageSid")
		}
		if p, err := domain.ParseWhatsAppAddress(m.From); err != nil || p != phone || m.ClientID != first.ClientID {
			return domain.Errorf(domain.EINVALID, "a burst holds the messages of one customer to one brand")
		}
	}
	last := msgs[len(msgs)-1]
	log := s.log.With("clientId", first.ClientID, "messageSid", last.MessageSid, "from", domain.Mask(phone))
	if len(msgs) > 1 {
		log = log.With("burst", len(msgs))
	}

	client, err := s.dir.Brand(ctx, first.ClientID)
	if err != nil {
		return fmt.Errorf("conversation: client %q: %w", first.ClientID, err)
	}
	lastInbound := receivedAt(last, s.now())
	if !client.IsActive {
		return s.inactiveNotice(ctx, log, client, phone, lastInbound)
	}
	stores, err := s.dir.Stores(ctx, first.ClientID)
	if err != nil {
		return fmt.Errorf("conversation: stores of %q: %w", first.ClientID, err)
	}
	var menu *domain.Menu
	if s.d.Menus != nil || s.d.Directory != nil {
		if menu, err = s.dir.Menu(ctx, first.ClientID); err != nil {
			return fmt.Errorf("conversation: menu of %q: %w", first.ClientID, err)
		}
	}

	model, stopModel := s.modelFor(ctx, log, client)
	defer stopModel()
	for attempt := 0; attempt < maxTurnAttempts; attempt++ {
		// prepare
		mapping, err := s.getMapping(ctx, first.ClientID, phone)
		if err != nil {
			return fmt.Errorf("conversation: mapping: %w", err)
		}
		conv, err := s.getConversation(ctx, first.ClientID, phone)
		if err != nil {
			return fmt.Errorf("conversation: read: %w", err)
		}
		if in, replies, ok := recorded(conv, msgs); ok {
			return s.replay(ctx, log, client, phone, mapping, conv, in, replies, lastInbound)
		}
		if conv == nil && mapping == nil {
			if done, err := s.erasedBy(ctx, log, client, phone, msgs, lastInbound); done || err != nil {
				return err
			}
		}
		// A message may come twice (a redelivery next to a new message, or a Twilio retry
		// queued again): the turn is made of the messages not in the history yet, each once.
		processed, fresh := split(conv, msgs)
		if len(fresh) < len(msgs) {
			log.InfoContext(ctx, "messages already processed or repeated in the burst are left out", "dropped", len(msgs)-len(fresh))
			// A processed message whose replies did not all go (Twilio failed, and it came
			// back with the customer's next message) gets them first, in order.
			if in, replies, ok := recorded(conv, processed); ok {
				if err := s.replay(ctx, log, client, phone, mapping, conv, in, replies, lastInbound); err != nil {
					return err
				}
			}
		}
		turnLast := fresh[len(fresh)-1]
		turnInbound := receivedAt(turnLast, s.now())
		t := turn{
			client: client, stores: stores, mapping: mapping, conv: conv, msgs: fresh, msg: turnLast,
			phone: phone, now: s.now(), receivedAt: turnInbound, newSession: s.d.NewSessionID,
			catalog:  func(storeID string) *storeCatalog { return s.catalogs.get(menu, storeID) },
			canErase: s.d.Eraser != nil, canCharge: s.d.Payments != nil,
			menu: menu, model: model, answers: s.answers,
		}
		// step
		o := step(t)
		if o.mapping.needed(mapping) {
			if t.mapping, err = s.writeMapping(ctx, mapping, client.ClientID, phone, o.mapping, t.now); err != nil {
				return err
			}
			if o = step(t); o.mapping.needed(t.mapping) {
				continue
			}
		}
		if o.erase {
			return s.erase(ctx, log, client, phone, o, len(fresh), turnLast.MessageSid, turnInbound)
		}
		// effects that must precede the write
		if o.order != nil {
			placed, err := s.placeOrder(ctx, log, o.order, stores)
			if err != nil {
				return err
			}
			if err := s.charge(ctx, log, client, t.mapping, &o, placed, "", len(fresh)); err != nil {
				return err
			}
		}
		if o.charge != nil {
			if err := s.chargeAgain(ctx, log, client, t.mapping, &o, *o.charge, len(fresh)); err != nil {
				return err
			}
		}
		if o.cancelOrder != "" {
			s.cancelOrder(ctx, log, client, o.cancelOrder)
		}
		// persist
		if o.conv != nil {
			err := s.d.Conversations.SaveConversation(ctx, conv, o.conv)
			if domain.IsConflict(err) {
				continue // written meanwhile: prepare the turn again
			}
			if err != nil {
				return fmt.Errorf("conversation: write: %w", err)
			}
		}
		s.countAI(ctx, log, client.ClientID, o)
		return s.finish(ctx, log, client, phone, o, len(fresh), turnLast.MessageSid, turnInbound)
	}
	return domain.Errorf(domain.EINTERNAL, "the turn did not settle after %d attempts", maxTurnAttempts)
}

// finish counts and logs the turn of processed messages, then sends its replies.
func (s *Service) finish(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, o outcome, processed int, lastSid string, lastInbound time.Time) error {
	s.n.turns.Add(1)
	dims := metrics.Dims{ClientID: client.ClientID, StoreID: o.storeID}
	s.d.Metrics.Count(ctx, resourcenames.MetricMessagesProcessed, float64(processed), dims)
	if o.created {
		s.d.Metrics.Count(ctx, resourcenames.MetricConversations, 1, dims)
	}
	attrs := []any{"step", o.kind, "storeId", o.storeID, "replies", len(o.replies)}
	if o.conv != nil {
		attrs = append(attrs, "state", o.conv.CurrentState, "sessionId", o.conv.SessionID, "cartLines", len(o.conv.Cart))
	}
	if o.order != nil {
		attrs = append(attrs, "orderId", o.order.OrderID)
	}
	switch o.kind {
	case "opted-out":
		s.n.optedOutIgnored.Add(1)
	case "handoff":
		s.n.handoffs.Add(1)
		s.d.Metrics.Count(ctx, resourcenames.MetricHandoffs, 1, dims)
	}
	log.InfoContext(ctx, "conversation turn", attrs...)
	log = log.With("storeId", o.storeID)
	ctx = metrics.WithStore(ctx, o.storeID)
	return s.deliver(ctx, log, client, phone, o.conv, lastSid, o.replies, 0, lastInbound, false)
}

// replay sends again the replies recorded for messages already processed, but for those the
// conversation's delivery record says were sent, unless the customer has opted out since (the
// opt-out's own confirmation is still sent again).
func (s *Service) replay(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, mapping *domain.PhoneMapping, conv *domain.Conversation, in domain.HistoryEntry, replies []string, lastInbound time.Time) error {
	s.n.duplicates.Add(1)
	if mapping != nil && mapping.OptedOut && !isOptOut(normalize(in.Body)) {
		log.InfoContext(ctx, "redelivered message: the customer opted out since, replies not sent again")
		return nil
	}
	from := 0
	if d := conv.Delivery; d != nil && d.MessageSid == in.MessageSid {
		from = min(d.Sent, len(replies)) // sending stopped part-way: the rest
	} else if s.completed(ctx, log, conv.ClientID, in.MessageSid) {
		// The worker completes a burst's claims after every reply went: the message was
		// redelivered only because its acknowledgement was lost.
		log.InfoContext(ctx, "redelivered message already answered: nothing sent again", "replies", len(replies))
		return nil
	}
	log.InfoContext(ctx, "redelivered message: step not run again, recorded replies sent again",
		"replies", len(replies), "alreadySent", from)
	ctx = metrics.WithStore(ctx, conv.StoreID)
	parts := make([]notify.Message, len(replies))
	for i, r := range replies {
		parts[i] = notify.Text(r)
	}
	return s.deliver(ctx, log, client, phone, conv, in.MessageSid, parts, from, lastInbound, true)
}

// SendReserve is the time a reply needs: a call to Twilio may take up to its client's
// timeout (twilio.DefaultTimeout, 10 s) and is not stopped by the context. With less than
// this left before the context's deadline (the Lambda's), no further reply is started.
const SendReserve = 12 * time.Second

// errDeadline stops a turn's replies before the deadline; it is transient: the worker reports
// the message failed and a later attempt sends the rest.
var errDeadline = errors.New("conversation: too close to the deadline to send another reply")

// deliver sends parts[from:], the replies to the turn whose last message is sid. When they
// stop part-way (a failure, the deadline), how many went is written on the conversation
// (domain.Delivery), so a retry sends only the rest. A reply whose send timed out counts as
// not sent: Twilio may have sent it anyway, and the customer may see it twice.
func (s *Service) deliver(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, conv *domain.Conversation, sid string, parts []notify.Message, from int, lastInbound time.Time, resent bool) error {
	for i := from; i < len(parts); i++ {
		err := roomToSend(ctx)
		if err == nil {
			_, err = s.sender.Reply(ctx, log, client, phone, parts[i], lastInbound, resent)
		}
		if err != nil {
			if d := conv.GetDelivery(); i > from || d == nil || d.MessageSid != sid {
				// Also when nothing went: the record then says so, where the completed
				// claim alone would say that everything went.
				s.recordDelivery(ctx, log, conv, sid, i)
			}
			return err
		}
	}
	if d := conv.GetDelivery(); d != nil && d.MessageSid == sid && d.Sent < len(parts) {
		// The rest went on this attempt: a further redelivery sends nothing.
		s.recordDelivery(ctx, log, conv, sid, len(parts))
	}
	return nil
}

// completed reports whether the worker completed the claim of the message sid (every reply
// of its turn went). A failed lookup counts as not completed: the replies are sent again.
func (s *Service) completed(ctx context.Context, log *slog.Logger, clientID, sid string) bool {
	st, err := s.d.Idempotency.Lookup(ctx, clientID, domain.InboundClaimKey(sid))
	if err != nil {
		log.WarnContext(ctx, "claim lookup failed; recorded replies are sent again", "error", err)
		return false
	}
	return st == domain.ClaimDone
}

func roomToSend(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < SendReserve {
		return errDeadline
	}
	return ctx.Err()
}

// recordDelivery writes that the first sent replies of the turn went; a failure only means a
// retry may send some of them again, so it is logged, not returned.
func (s *Service) recordDelivery(ctx context.Context, log *slog.Logger, conv *domain.Conversation, sid string, sent int) {
	if conv == nil || conv.Version == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // the deadline that stopped the sending must not stop this
	d := domain.Delivery{MessageSid: sid, Sent: sent}
	if err := s.d.Conversations.SaveDelivery(ctx, conv.ClientID, conv.PhoneNumber, conv.Version, d); err != nil {
		log.WarnContext(ctx, "could not record the replies sent; a retry may send them again", "sent", sent, "error", err)
		return
	}
	conv.Delivery = &d
}

// writeMapping applies ch to the customer's mapping, creating it when there is none, and
// returns what is stored.
func (s *Service) writeMapping(ctx context.Context, cur *domain.PhoneMapping, clientID, phone string, ch mappingChange, now time.Time) (*domain.PhoneMapping, error) {
	if cur == nil {
		m := &domain.PhoneMapping{ClientID: clientID, PhoneNumber: phone, LastInteraction: now}
		ch.apply(m)
		err := s.d.Mappings.CreateMapping(ctx, m)
		if err == nil {
			return m, nil
		}
		if !domain.IsConflict(err) {
			return nil, fmt.Errorf("conversation: create mapping: %w", err)
		}
		// Created meanwhile: update it instead.
	}
	m, err := s.d.Mappings.UpdateMapping(ctx, clientID, phone, func(m *domain.PhoneMapping) error {
		ch.apply(m)
		m.LastInteraction = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: update mapping: %w", err)
	}
	return m, nil
}

// inactiveNotice tells a customer of an inactive brand, once per InactiveNoticeTTL, that it
// is not available, and does nothing else: no mapping, no conversation.
func (s *Service) inactiveNotice(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, lastInbound time.Time) error {
	mapping, err := s.getMapping(ctx, client.ClientID, phone)
	if err != nil {
		return fmt.Errorf("conversation: mapping: %w", err)
	}
	if mapping != nil && mapping.OptedOut {
		s.n.optedOutIgnored.Add(1)
		log.InfoContext(ctx, "inactive client; the customer opted out: no notice")
		return nil
	}
	key := "notice:inactive:" + phone
	fresh, err := s.d.Idempotency.Claim(ctx, client.ClientID, key, InactiveNoticeTTL)
	if err != nil {
		return fmt.Errorf("conversation: claim inactive notice: %w", err)
	}
	if !fresh {
		log.InfoContext(ctx, "inactive client; notice already sent")
		return nil
	}
	log.InfoContext(ctx, "inactive client; sending notice")
	if mapping != nil {
		ctx = metrics.WithStore(ctx, mapping.StoreID)
	}
	if _, err := s.sender.Reply(ctx, log, client, phone, notify.Text(text(client, txtInactiveClient, client.ClientName)), lastInbound, false); err != nil {
		// Forget the claim so the retried message sends the notice.
		if rerr := s.d.Idempotency.Release(ctx, client.ClientID, key); rerr != nil {
			log.WarnContext(ctx, "release inactive notice claim", "error", rerr)
		}
		return err
	}
	s.n.inactiveSent.Add(1)
	return nil
}

// receivedAt is when the customer's message arrived: the webhook's stamp, or now when it is
// missing or in the future.
func receivedAt(m domain.InboundMessage, now time.Time) time.Time {
	if !m.ReceivedAt.IsZero() && !m.ReceivedAt.After(now) {
		return m.ReceivedAt.UTC()
	}
	return now
}

// Apologize tells the customer of msgs that their message could not be processed, when the
// worker gave up on it for good (it went to the dead-letter queue): a polite answer instead of
// silence. Only for an active brand, a customer who has not opted out, and inside the 24-hour
// window.
func (s *Service) Apologize(ctx context.Context, msgs []domain.InboundMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	last := msgs[len(msgs)-1]
	ctx, err := tenantContext(ctx, last.ClientID)
	if err != nil {
		return err
	}
	phone, err := domain.ParseWhatsAppAddress(last.From)
	if err != nil {
		return err
	}
	client, err := s.dir.Brand(ctx, last.ClientID)
	if err != nil {
		return err
	}
	if !client.IsActive {
		return nil
	}
	mapping, err := s.getMapping(ctx, client.ClientID, phone)
	if err != nil {
		return err
	}
	if mapping != nil && mapping.OptedOut {
		return nil
	}
	log := s.log.With("clientId", client.ClientID, "messageSid", last.MessageSid, "from", domain.Mask(phone))
	if mapping != nil {
		ctx = metrics.WithStore(ctx, mapping.StoreID)
	}
	_, err = s.sender.Reply(ctx, log, client, phone, notify.Text(text(client, txtCannotProcess)), receivedAt(last, s.now()), false)
	return err
}

// Notify sends a proactive message (an order update) to a customer of clientID through the
// one sender: refused with ErrOptedOut, ErrTemplateRequired (free text outside the 24-hour
// window) or ErrClientInactive. out's ClientID, From and To are ignored.
func (s *Service) Notify(ctx context.Context, clientID, phone string, out domain.OutboundMessage) error {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return err
	}
	if _, err := domain.ParseWhatsAppAddress(phone); err != nil {
		return err
	}
	if out.Body == "" && out.ContentSID == "" {
		return domain.Errorf(domain.EINVALID, "a notification needs a body or a contentSid")
	}
	client, err := s.dir.Brand(ctx, clientID)
	if err != nil {
		return fmt.Errorf("conversation: client %q: %w", clientID, err)
	}
	return s.sender.Notify(ctx, client, phone, notify.Message{Text: out.Body, ContentSID: out.ContentSID, ContentVariables: out.ContentVariables})
}

// ---- orders -------------------------------------------------------------------------------

// placeOrder creates the order a turn confirmed (or finds it, on a retried turn) and, when it
// is paid at the door or at pickup, publishes it to the store's POS queue.
func (s *Service) placeOrder(ctx context.Context, log *slog.Logger, o *domain.Order, stores []domain.Store) (*domain.Order, error) {
	if s.d.Orders == nil {
		return nil, domain.Errorf(domain.EINTERNAL, "orders are not configured")
	}
	store, ok := find(stores, o.StoreID)
	if !ok {
		return nil, domain.Errorf(domain.ENOTFOUND, "store %q not found", o.StoreID)
	}
	next, reason := domain.OrderConfirmed, "checkout"
	if o.PaidOnline() {
		next = domain.OrderAwaitingPayment
	}
	if domain.IsSandboxNumber(o.CustomerPhone) || s.sandbox {
		o.Test = true
	}
	if o.Test && next == domain.OrderConfirmed {
		reason = testOrderReason
	}
	if _, err := o.MoveTo(next, s.now(), reason); err != nil {
		return nil, err
	}
	err := s.d.Orders.CreateOrder(ctx, o)
	switch {
	case err == nil:
		s.n.ordersPlaced.Add(1)
		log.InfoContext(ctx, "order placed", "orderId", o.OrderID, "status", o.Status, "totalCents", o.TotalCents)
	case domain.IsConflict(err):
		// A retried turn: the order exists; carry on from its stored status.
		if o, err = s.d.Orders.GetOrder(ctx, o.ClientID, o.OrderID); err != nil {
			return nil, fmt.Errorf("conversation: read order: %w", err)
		}
		log.InfoContext(ctx, "order already placed by an earlier attempt", "orderId", o.OrderID, "status", o.Status)
	default:
		return nil, fmt.Errorf("conversation: create order: %w", err)
	}
	o, err = s.publishConfirmed(ctx, log, &store, o)
	if c := captureFrom(ctx); c != nil && o != nil {
		c.setOrder(o)
	}
	return o, err
}

// testOrderReason is the status history's reason of a sandbox order's confirmation.
const testOrderReason = "test order: not sent to the point of sale"

// publishConfirmed hands a CONFIRMED order to the store's POS and marks it SENT_TO_POS, and
// returns the order as stored. An order in any other status is left as it is: not yet paid,
// already sent, or cancelled.
func (s *Service) publishConfirmed(ctx context.Context, log *slog.Logger, store *domain.Store, o *domain.Order) (*domain.Order, error) {
	if o.Status != domain.OrderConfirmed {
		return o, nil
	}
	if o.Test || domain.IsSandboxNumber(o.CustomerPhone) {
		log.InfoContext(ctx, "test order confirmed; not sent to the POS", "orderId", o.OrderID)
		return o, nil
	}
	if s.d.Publisher == nil {
		return nil, domain.Errorf(domain.EINTERNAL, "no POS publisher: order %s cannot be sent", o.OrderID)
	}
	if err := s.d.Publisher.PublishOrder(ctx, store, o, domain.EventOrderConfirmed); err != nil {
		return nil, fmt.Errorf("conversation: publish order %s: %w", o.OrderID, err)
	}
	s.n.ordersPublished.Add(1)
	dims := metrics.Dims{ClientID: o.ClientID, StoreID: o.StoreID}
	s.d.Metrics.Count(ctx, metrics.Orders, 1, dims)
	s.d.Metrics.Count(ctx, resourcenames.MetricRevenueCents, float64(o.TotalCents), dims)
	sent, err := s.d.Orders.UpdateOrder(ctx, o.ClientID, o.OrderID, func(cur *domain.Order) error {
		_, err := cur.MoveTo(domain.OrderSentToPOS, s.now(), "published to the store's POS queue")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: mark order %s sent: %w", o.OrderID, err)
	}
	log.InfoContext(ctx, "order sent to the POS", "orderId", o.OrderID)
	return sent, nil
}

// cancelOrder cancels an order that still waits for its payment, and removes its charge so it
// can no longer be paid (one paid in a race is refunded when its event comes: the order is
// cancelled). One that was paid meanwhile is not cancelled (the kitchen has it): that is
// logged for an operator.
func (s *Service) cancelOrder(ctx context.Context, log *slog.Logger, client *domain.Client, orderID string) {
	o, err := s.d.Orders.UpdateOrder(ctx, client.ClientID, orderID, func(o *domain.Order) error {
		if o.Status != domain.OrderAwaitingPayment && o.Status != domain.OrderCreated {
			return domain.Errorf(domain.ECONFLICT, "order %s is %s", orderID, o.Status)
		}
		_, err := o.MoveTo(domain.OrderCancelled, s.now(), "cancelled by the customer")
		return err
	})
	if err != nil {
		log.WarnContext(ctx, "order not cancelled", "orderId", orderID, "error", err)
		return
	}
	if o.PaymentID != "" && s.d.Payments != nil && !o.Test {
		if err := s.d.Payments.CancelCharge(ctx, client, o.PaymentID); err != nil {
			log.WarnContext(ctx, "the cancelled order's charge was not removed; a payment of it will be refunded", "orderId", orderID, "error", err)
		}
	}
}

// ConfirmPayment records that an order awaiting payment was paid (the payment provider's
// confirmation), hands it to the store's POS and tells the customer. Confirming twice is
// harmless: the order moves and is published once.
func (s *Service) ConfirmPayment(ctx context.Context, clientID, orderID string) (*domain.Order, error) {
	return s.confirmPayment(ctx, clientID, orderID, "")
}

// confirmPayment is ConfirmPayment of the charge paymentID ("" unknown): when the order was
// paid and by which charge are written with its status, in one write.
func (s *Service) confirmPayment(ctx context.Context, clientID, orderID, paymentID string) (*domain.Order, error) {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if s.d.Orders == nil {
		return nil, domain.Errorf(domain.EINTERNAL, "orders are not configured")
	}
	o, err := s.d.Orders.UpdateOrder(ctx, clientID, orderID, func(o *domain.Order) error {
		if o.PaidAt.IsZero() {
			o.PaidAt = s.now()
		}
		if o.PaymentID == "" {
			o.PaymentID = paymentID
		}
		if o.Status == domain.OrderSentToPOS {
			return nil
		}
		_, err := o.MoveTo(domain.OrderConfirmed, s.now(), "payment confirmed")
		return err
	})
	if err != nil {
		return nil, err
	}
	log := s.log.With("clientId", clientID, "orderId", orderID, "storeId", o.StoreID)
	store, err := s.dir.Store(ctx, clientID, o.StoreID)
	if err != nil {
		return nil, err
	}
	wasConfirmed := o.Status == domain.OrderConfirmed
	if o, err = s.publishConfirmed(ctx, log, store, o); err != nil {
		return nil, err
	}
	if wasConfirmed {
		if _, err := s.d.Conversations.UpdateConversation(ctx, clientID, o.CustomerPhone, func(c *domain.Conversation) error {
			if c.CurrentState == domain.StateAwaitingPayment && c.Context[ctxLastOrder] == orderID {
				c.CurrentState = domain.StateOrderPlaced
			}
			return nil
		}); err != nil && !domain.IsNotFound(err) {
			log.WarnContext(ctx, "conversation not moved to ORDER_PLACED", "error", err)
		}
	}
	if !o.CustomerToldPaidAt.IsZero() {
		return o, nil // confirmed before, and the customer was told then
	}
	return s.tellPaid(ctx, log, o)
}

// tellPaid tells the customer their payment was received and records it on the order. A
// transient failure (Twilio down) is returned, so the payment provider's retry of the
// confirmation tells them then; a refusal that cannot change (the customer opted out, the
// 24-hour window closed) is recorded as done, with a log line.
func (s *Service) tellPaid(ctx context.Context, log *slog.Logger, o *domain.Order) (*domain.Order, error) {
	if !o.PseudonymisedAt.IsZero() {
		// The customer asked to be forgotten: there is no number to tell.
		return o, nil
	}
	client, err := s.dir.Brand(ctx, o.ClientID)
	if err != nil {
		return nil, err
	}
	// Two confirmations of one payment can run at once (the provider retries while the first
	// is still telling the customer): the notice's claim lets one of them tell.
	if err := s.tellOnce(ctx, log, client, o, "paid", text(client, txtPaymentConfirmed, o.OrderID)); err != nil {
		log.WarnContext(ctx, "customer not told of the payment yet; the confirmation should be retried", "error", err)
		return nil, err
	}
	told, err := s.d.Orders.UpdateOrder(ctx, o.ClientID, o.OrderID, func(cur *domain.Order) error {
		cur.CustomerToldPaidAt = s.now()
		return nil
	})
	if err != nil {
		// Told and claimed, not recorded on the order: a retry finds the claim done.
		log.WarnContext(ctx, "record that the customer was told of the payment", "error", err)
		return o, nil
	}
	return told, nil
}

// A notice's claim (tellOnce): held while Twilio is called (at most its 10 s timeout), kept
// done long past any retry of the payment provider.
const (
	paidNoticeLease = 30 * time.Second
	paidNoticeTTL   = 30 * 24 * time.Hour
)
