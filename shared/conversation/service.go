// Package conversation identifies the customer and the store behind each inbound WhatsApp
// message and holds the conversation's first steps: store selection, change of store,
// opt-out and opt-in. The menu and cart flow plugs in later where the conversation is past
// GREETING.
//
// One inbound message is one turn: the brand (from the message's clientId) and its stores come
// from an in-memory cache with a bounded TTL; the customer's phone mapping and conversation
// are read from their repositories; a pure step computes the replies and the new state; the
// mapping is written first when the step changes it (store choice, opt-out or opt-in, a new
// profile name), then the conversation with a conditional write on its version; the replies
// are sent last. A known customer's ordinary turn costs three DynamoDB calls: GetItem on the
// mapping, GetItem and a conditional PutItem on the conversation.
//
// # Redelivery and replies: at least once
//
// A message may be delivered again (the worker retries after a failure, the queue redelivers).
// The conversation's history records each inbound message with its MessageSid and, right
// after it, every reply computed for it, and it is written before any reply is sent. When a
// message arrives whose MessageSid is already in the history, the step is not run again and
// nothing is written; the replies recorded after it are sent again, because the first attempt
// may have failed before sending them all. Replies are therefore delivered at least once: a
// customer may see one twice, never a second store list or a second state change. A turn that
// writes no conversation (no store available for a new customer, an opt-out or a message
// from an opted-out customer without a live conversation) has nothing to recognise it by and
// is simply run again, which gives the same replies. A message whose entry has left the
// bounded history (domain.MaxHistory) is not recognised either.
//
// The mapping is written before the conversation, and the step converges: once its mapping
// change is stored, running the step again wants no further change and yields the same
// conversation and replies. So a turn that failed between the two writes is completed, not
// doubled, when it is retried.
//
// # Outside the turn
//
// Notify sends proactive messages (order updates): never to a customer who opted out
// (ErrOptedOut), and free text only inside WhatsApp's 24-hour window (ErrTemplateRequired
// otherwise; a template with a ContentSID may be sent at any time).
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

	"github.com/wabot-platform/wabot/shared/cache"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Configuration bounds.
const (
	// DefaultConfigTTL is how long a brand's configuration and store list are cached: an
	// operator's change reaches a warm worker within this time.
	DefaultConfigTTL = 60 * time.Second
	// MaxConfigTTL bounds ConfigTTL, so a deactivated store or brand is never served for long.
	MaxConfigTTL = 10 * time.Minute
	// configCacheSize bounds each cache; a worker serves far fewer brands.
	configCacheSize = 1024
	// InactiveNoticeTTL is how long a customer who wrote to an inactive brand is remembered:
	// within it they get the brand's notice once.
	InactiveNoticeTTL = 30 * 24 * time.Hour
	// maxTurnAttempts bounds the loop that writes the mapping before the conversation: one
	// round per mapping change plus one lost race on creating the conversation.
	maxTurnAttempts = 4
)

// ErrTemplateRequired is returned by Notify for free text (no ContentSID) outside WhatsApp's
// 24-hour customer-service window: only an approved template may be sent then.
var ErrTemplateRequired = &domain.Error{
	Code:    domain.EINVALID,
	Message: "outside the 24-hour WhatsApp window only an approved template (ContentSid) may be sent",
}

// ErrOptedOut is returned by Notify for a customer who opted out of the brand's messages.
var ErrOptedOut = &domain.Error{
	Code:    domain.EFORBIDDEN,
	Message: "the customer opted out of this brand's messages",
}

// ErrClientInactive is returned by Notify for a brand that is not active.
var ErrClientInactive = &domain.Error{
	Code:    domain.EFORBIDDEN,
	Message: "the brand is not active",
}

// Deps are what the service needs. Every repository and the messenger are required.
type Deps struct {
	Clients       domain.ClientRepository
	Stores        domain.StoreRepository
	Mappings      domain.PhoneMappingRepository
	Conversations domain.ConversationRepository
	Idempotency   domain.IdempotencyRepository
	Messenger     domain.Messenger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewSessionID draws a conversation's session id (default: 16 random bytes in hex).
	NewSessionID func() string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// ConfigTTL is how long brands and store lists are cached: default DefaultConfigTTL, at
	// most MaxConfigTTL.
	ConfigTTL time.Duration
}

// Stats are the service's counters since it started.
// EventTemplateMissing is the "event" attribute of the log line written when free text is
// refused outside WhatsApp's 24-hour window. In AWS a metric filter on the worker's log group
// turns these lines into the Wabot/TemplateMissing metric, which has an alarm.
const EventTemplateMissing = resourcenames.EventTemplateMissing

type Stats struct {
	Turns              int64 // inbound messages processed (a step ran)
	Duplicates         int64 // redeliveries of a message already recorded (no step ran)
	RepliesSent        int64 // replies sent for a turn
	RepliesResent      int64 // replies sent again for a redelivered message
	NotificationsSent  int64 // messages sent by Notify
	TemplateMissing    int64 // free text refused outside the 24-hour window (Notify, or a reply to a late message)
	OptedOutSuppressed int64 // Notify refusals: the customer opted out
	OptedOutIgnored    int64 // inbound messages of opted-out customers left unanswered
	InactiveNotices    int64 // "this brand is not available" notices sent
	SendErrors         int64 // messenger failures (the message is retried by the worker)
}

type counters struct {
	turns, duplicates, repliesSent, repliesResent, notificationsSent   atomic.Int64
	templateMissing, optedOutSuppressed, optedOutIgnored, inactiveSent atomic.Int64
	sendErrors                                                         atomic.Int64
}

// Service runs identification turns and proactive sends. It is safe for concurrent use; the
// caller processes one customer's messages in order, one at a time.
type Service struct {
	d       Deps
	log     *slog.Logger
	clients *cache.Cache[string, *domain.Client]
	stores  *cache.Cache[string, []domain.Store]
	n       counters
}

// New validates d and returns a service.
func New(d Deps) (*Service, error) {
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
	return &Service{
		d:       d,
		log:     d.Logger,
		clients: cache.New[string, *domain.Client](d.ConfigTTL, configCacheSize).WithClock(d.Now),
		stores:  cache.New[string, []domain.Store](d.ConfigTTL, configCacheSize).WithClock(d.Now),
	}, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{
		Turns:              s.n.turns.Load(),
		Duplicates:         s.n.duplicates.Load(),
		RepliesSent:        s.n.repliesSent.Load(),
		RepliesResent:      s.n.repliesResent.Load(),
		NotificationsSent:  s.n.notificationsSent.Load(),
		TemplateMissing:    s.n.templateMissing.Load(),
		OptedOutSuppressed: s.n.optedOutSuppressed.Load(),
		OptedOutIgnored:    s.n.optedOutIgnored.Load(),
		InactiveNotices:    s.n.inactiveSent.Load(),
		SendErrors:         s.n.sendErrors.Load(),
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

// client returns the brand, cached.
func (s *Service) client(ctx context.Context, clientID string) (*domain.Client, error) {
	return s.clients.Get(ctx, clientID, func(ctx context.Context) (*domain.Client, error) {
		return s.d.Clients.GetClient(ctx, clientID)
	}, cache.Remember(domain.IsNotFound, s.d.ConfigTTL))
}

// storeList returns every store of the brand (inactive ones too, so a customer mapped to one
// can be told its name), cached. The slice is shared: read only.
func (s *Service) storeList(ctx context.Context, clientID string) ([]domain.Store, error) {
	return s.stores.Get(ctx, clientID, func(ctx context.Context) ([]domain.Store, error) {
		return s.d.Stores.ListStores(ctx, clientID)
	}, nil)
}

// getMapping returns the customer's mapping, or nil when there is none.
func (s *Service) getMapping(ctx context.Context, clientID, phone string) (*domain.PhoneMapping, error) {
	m, err := s.d.Mappings.GetMapping(ctx, clientID, phone)
	if domain.IsNotFound(err) {
		return nil, nil
	}
	return m, err
}

// Sentinels that abort an UpdateConversation function without writing.
var (
	errDuplicate    = errors.New("conversation: message already processed")
	errMappingFirst = errors.New("conversation: the mapping must be written first")
)

// Handle processes one inbound message: identification, one step, the writes, the replies.
// An error means the message was not (completely) processed and should be retried: a
// retry is safe (see the package doc). A message that breaks the queue contract is
// EINVALID; a brand that no longer exists is ENOTFOUND; neither is worth retrying.
func (s *Service) Handle(ctx context.Context, m domain.InboundMessage) error {
	ctx, err := tenantContext(ctx, m.ClientID)
	if err != nil {
		return err
	}
	phone, err := domain.ParseWhatsAppAddress(m.From)
	if err != nil {
		return fmt.Errorf("conversation: inbound message From: %w", err)
	}
	if m.MessageSid == "" {
		return domain.Errorf(domain.EINVALID, "inbound message without a messageSid")
	}
	log := s.log.With("clientId", m.ClientID, "messageSid", m.MessageSid, "from", domain.Mask(phone))

	client, err := s.client(ctx, m.ClientID)
	if err != nil {
		return fmt.Errorf("conversation: client %q: %w", m.ClientID, err)
	}
	if !client.IsActive {
		return s.inactiveNotice(ctx, log, client, phone, receivedAt(m, s.now()))
	}
	stores, err := s.storeList(ctx, m.ClientID)
	if err != nil {
		return fmt.Errorf("conversation: stores of %q: %w", m.ClientID, err)
	}
	mapping, err := s.getMapping(ctx, m.ClientID, phone)
	if err != nil {
		return fmt.Errorf("conversation: mapping: %w", err)
	}

	now := s.now()
	receivedAt := receivedAt(m, now)
	t := turn{
		client: client, stores: stores, mapping: mapping, msg: m, phone: phone,
		now: now, receivedAt: receivedAt, newSession: s.d.NewSessionID,
	}

	for attempt := 0; attempt < maxTurnAttempts; attempt++ {
		var (
			o      outcome
			replay []string
			dupIn  domain.HistoryEntry
		)
		_, err := s.d.Conversations.UpdateConversation(ctx, m.ClientID, phone, func(c *domain.Conversation) error {
			if in, replies, ok := recorded(c, m.MessageSid); ok {
				dupIn, replay = in, replies
				return errDuplicate
			}
			t.conv = c
			o = step(t)
			if o.mapping.needed(t.mapping) {
				return errMappingFirst
			}
			return nil
		})
		switch {
		case errors.Is(err, errDuplicate):
			return s.replay(ctx, log, client, phone, t.mapping, dupIn, replay, receivedAt)
		case errors.Is(err, errMappingFirst):
			if t.mapping, err = s.writeMapping(ctx, t.mapping, client.ClientID, phone, o.mapping, now); err != nil {
				return err
			}
			continue
		case domain.IsNotFound(err):
			// No live conversation: the step starts from nothing.
			t.conv = nil
			o = step(t)
			if o.mapping.needed(t.mapping) {
				if t.mapping, err = s.writeMapping(ctx, t.mapping, client.ClientID, phone, o.mapping, now); err != nil {
					return err
				}
				continue
			}
			if o.conv != nil {
				err := s.d.Conversations.CreateConversation(ctx, o.conv)
				if domain.IsConflict(err) {
					continue // created meanwhile: run the turn on it
				}
				if err != nil {
					return fmt.Errorf("conversation: create: %w", err)
				}
			}
		case err != nil:
			return fmt.Errorf("conversation: update: %w", err)
		}
		return s.finish(ctx, log, client, phone, o, receivedAt)
	}
	return domain.Errorf(domain.EINTERNAL, "the turn did not settle after %d attempts", maxTurnAttempts)
}

// finish counts and logs the turn, then sends its replies.
func (s *Service) finish(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, o outcome, lastInbound time.Time) error {
	s.n.turns.Add(1)
	attrs := []any{"step", o.kind, "storeId", o.storeID, "replies", len(o.replies)}
	if o.conv != nil {
		attrs = append(attrs, "state", o.conv.CurrentState, "sessionId", o.conv.SessionID)
	}
	if o.kind == "opted-out" {
		s.n.optedOutIgnored.Add(1)
	}
	log.InfoContext(ctx, "conversation turn", attrs...)
	log = log.With("storeId", o.storeID)
	for _, r := range o.replies {
		sent, err := s.send(ctx, log, client, phone, r, lastInbound)
		if err != nil {
			return err
		}
		if sent {
			s.n.repliesSent.Add(1)
		}
	}
	return nil
}

// replay sends again the replies recorded for a message already processed, unless the
// customer has opted out since (the opt-out's own confirmation is still sent again).
func (s *Service) replay(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, mapping *domain.PhoneMapping, in domain.HistoryEntry, replies []string, lastInbound time.Time) error {
	s.n.duplicates.Add(1)
	if mapping != nil && mapping.OptedOut && !isOptOut(normalize(in.Body)) {
		log.InfoContext(ctx, "redelivered message: the customer opted out since, replies not sent again")
		return nil
	}
	log.InfoContext(ctx, "redelivered message: step not run again, recorded replies sent again", "replies", len(replies))
	for _, r := range replies {
		sent, err := s.send(ctx, log, client, phone, r, lastInbound)
		if err != nil {
			return err
		}
		if sent {
			s.n.repliesResent.Add(1)
		}
	}
	return nil
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
	if _, err := s.send(ctx, log, client, phone, text(client.DefaultLanguage, txtInactiveClient, client.ClientName), lastInbound); err != nil {
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

// send sends one free-text reply from the brand's number. A reply answers the customer's
// message that arrived at lastInbound, so it is normally inside WhatsApp's 24-hour window; a
// message processed a day late (redriven from the dead-letter queue) is not, and WhatsApp
// would refuse free text: the reply is then dropped, logged and counted as TemplateMissing
// (replies have no approved template), and the turn still completes. It reports whether the
// reply was sent.
func (s *Service) send(ctx context.Context, log *slog.Logger, client *domain.Client, phone, body string, lastInbound time.Time) (bool, error) {
	if !domain.InServiceWindow(lastInbound, s.now()) {
		s.n.templateMissing.Add(1)
		log.WarnContext(ctx, "reply not sent: the customer's message is older than WhatsApp's 24-hour window and replies have no template (ContentSid)",
			"event", EventTemplateMissing)
		return false, nil
	}
	_, err := s.d.Messenger.Send(ctx, domain.OutboundMessage{
		ClientID: client.ClientID, From: client.TwilioPhoneNumber, To: phone, Body: body,
	})
	if err != nil {
		s.n.sendErrors.Add(1)
		log.WarnContext(ctx, "reply not sent", "error", err)
		return false, fmt.Errorf("conversation: send reply to %s: %w", domain.Mask(phone), err)
	}
	return true, nil
}

// Notify sends a proactive message (an order update) to a customer of clientID. It refuses
// with ErrOptedOut when the customer opted out, with ErrTemplateRequired when out has no
// ContentSID and the customer's last message is older than WhatsApp's 24-hour window, and
// with ErrClientInactive for an inactive brand. From and To are set from the brand and phone;
// out's ClientID, From and To are ignored.
func (s *Service) Notify(ctx context.Context, clientID, phone string, out domain.OutboundMessage) error {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return err
	}
	phone, err = domain.ParseWhatsAppAddress(phone)
	if err != nil {
		return err
	}
	if out.Body == "" && out.ContentSID == "" {
		return domain.Errorf(domain.EINVALID, "a notification needs a body or a contentSid")
	}
	log := s.log.With("clientId", clientID, "to", domain.Mask(phone))
	client, err := s.client(ctx, clientID)
	if err != nil {
		return fmt.Errorf("conversation: client %q: %w", clientID, err)
	}
	if !client.IsActive {
		return ErrClientInactive
	}
	mapping, err := s.getMapping(ctx, clientID, phone)
	if err != nil {
		return fmt.Errorf("conversation: mapping: %w", err)
	}
	if mapping != nil {
		log = log.With("storeId", mapping.StoreID)
		if mapping.OptedOut {
			s.n.optedOutSuppressed.Add(1)
			log.InfoContext(ctx, "notification suppressed: the customer opted out")
			return ErrOptedOut
		}
	}
	if out.ContentSID == "" {
		var last time.Time
		c, err := s.d.Conversations.GetConversation(ctx, clientID, phone)
		switch {
		case err == nil:
			last = c.LastMessageTimestamp
		case !domain.IsNotFound(err):
			return fmt.Errorf("conversation: read conversation: %w", err)
		}
		if !domain.InServiceWindow(last, s.now()) {
			s.n.templateMissing.Add(1)
			log.WarnContext(ctx, "notification refused: free text outside the 24-hour window needs a template (ContentSid)",
				"event", EventTemplateMissing)
			return fmt.Errorf("conversation: notify %s: %w", domain.Mask(phone), ErrTemplateRequired)
		}
	}
	out.ClientID, out.From, out.To = clientID, client.TwilioPhoneNumber, phone
	if _, err := s.d.Messenger.Send(ctx, out); err != nil {
		s.n.sendErrors.Add(1)
		log.WarnContext(ctx, "notification not sent", "error", err)
		return fmt.Errorf("conversation: notify %s: %w", domain.Mask(phone), err)
	}
	s.n.notificationsSent.Add(1)
	return nil
}
