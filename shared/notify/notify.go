// Package notify is the one way messages leave the platform for a customer: replies to a
// turn and proactive messages (order updates) alike. It owns WhatsApp's rules that apply to
// every send: free text only inside the 24-hour customer-service window, approved templates
// (ContentSid) outside it, never a message to a customer who opted out, and the counters an
// operator reads.
//
// Messages are values (Message), not strings: a text, a numbered list of options (rendered as
// text today; the same value can become a WhatsApp interactive list later), or a template.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio"
)

// Message is one message to a customer.
type Message struct {
	// Text is the message, or the lines before the options of a list.
	Text string
	// Options are numbered choices, shown "1. ..." one per line after Text; the customer
	// answers with the number or the words.
	Options []string
	// Footer follows the options.
	Footer string
	// ContentSID names an approved template (Twilio Content API); ContentVariables fill it.
	// A template is the only thing WhatsApp accepts outside the 24-hour window.
	ContentSID       string
	ContentVariables map[string]string
}

// Text is a plain text message.
func Text(s string) Message { return Message{Text: s} }

// List is a text followed by numbered options and a footer.
func List(text string, options []string, footer string) Message {
	return Message{Text: text, Options: options, Footer: footer}
}

// IsZero reports whether m says nothing.
func (m Message) IsZero() bool {
	return m.Text == "" && len(m.Options) == 0 && m.Footer == "" && m.ContentSID == ""
}

// Render is the message as WhatsApp free text.
func (m Message) Render() string {
	var b strings.Builder
	b.WriteString(m.Text)
	if len(m.Options) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		for i, o := range m.Options {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(strconv.Itoa(i+1) + ". " + o)
		}
	}
	if m.Footer != "" {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(m.Footer)
	}
	return b.String()
}

// MaxBodyChars is the longest body one message may carry: Twilio refuses a longer one with
// error 21617 (WhatsApp itself allows 4,096). Twilio counts characters as UTF-16 code units,
// so an emoji counts two.
const MaxBodyChars = 1600

// Parts is m as the messages that are sent: a template as it is; free text in parts of at
// most MaxBodyChars, cut at a blank line, else a line break, else a space (a long list stays
// readable, one option per line), else anywhere between two characters.
func Parts(m Message) []Message {
	if m.ContentSID != "" {
		return []Message{m}
	}
	var out []Message
	for _, p := range Split(m.Render(), MaxBodyChars) {
		out = append(out, Text(p))
	}
	return out
}

// Split cuts s into parts of at most max UTF-16 code units (see Parts); "" is one empty part.
func Split(s string, max int) []string {
	var parts []string
	for units(s) > max {
		cut := prefixWithin(s, max)
		if cut == "" { // max is narrower than one character: it goes alone
			_, w := utf8.DecodeRuneInString(s)
			cut = s[:w]
		}
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			// A separator right after the cut counts: the cut then ends a paragraph, a line
			// or a word.
			window := s[:min(len(s), len(cut)+len(sep))]
			if i := strings.LastIndex(window, sep); i > 0 && i <= len(cut) {
				at = i
				break
			}
		}
		if at < 0 {
			parts = append(parts, cut)
			s = s[len(cut):]
			continue
		}
		parts = append(parts, strings.TrimRight(cut[:at], " \n"))
		s = strings.TrimLeft(s[at:], " \n")
	}
	return append(parts, s)
}

// units is s's length in UTF-16 code units.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// prefixWithin is the longest prefix of s of at most max UTF-16 code units that ends between
// two characters.
func prefixWithin(s string, max int) string {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if n+w > max {
			return s[:i]
		}
		n += w
	}
	return s
}

// Combine renders several messages as one, separated by blank lines: a burst of customer
// messages gets one answer. Empty messages are dropped.
func Combine(msgs []Message) Message {
	var parts []string
	for _, m := range msgs {
		if r := m.Render(); r != "" {
			parts = append(parts, r)
		}
	}
	return Text(strings.Join(parts, "\n\n"))
}

// EventTemplateMissing is the "event" attribute of the log line written when free text is
// refused outside WhatsApp's 24-hour window. In AWS a metric filter on the worker's log group
// turns these lines into the Wabot/TemplateMissing metric, which has an alarm.
const EventTemplateMissing = resourcenames.EventTemplateMissing

// ErrTemplateRequired: free text (no ContentSID) outside WhatsApp's 24-hour window.
var ErrTemplateRequired = &domain.Error{
	Code:    domain.EINVALID,
	Message: "outside the 24-hour WhatsApp window only an approved template (ContentSid) may be sent",
}

// ErrOptedOut: the customer opted out of the brand's messages.
var ErrOptedOut = &domain.Error{Code: domain.EFORBIDDEN, Message: "the customer opted out of this brand's messages"}

// ErrClientInactive: the brand is not active.
var ErrClientInactive = &domain.Error{Code: domain.EFORBIDDEN, Message: "the brand is not active"}

// Stats are the sender's counters since it started.
type Stats struct {
	RepliesSent        int64 // replies to a turn sent
	RepliesResent      int64 // replies sent again for a redelivered message
	NotificationsSent  int64 // proactive messages sent
	TemplateMissing    int64 // free text refused outside the 24-hour window
	OptedOutSuppressed int64 // proactive messages refused: the customer opted out
	SendErrors         int64 // messenger failures (the caller retries)
}

type counters struct {
	repliesSent, repliesResent, notificationsSent, templateMissing, optedOutSuppressed, sendErrors atomic.Int64
}

// Deps are what the sender needs.
type Deps struct {
	Messenger     domain.Messenger
	Mappings      domain.PhoneMappingRepository
	Conversations domain.ConversationRepository
	Now           func() time.Time
	Logger        *slog.Logger
	// Metrics counts each message sent (metrics.MessagesOut) and each failed send
	// (metrics.TwilioSendFailures, and metrics.TwilioThrottled for Twilio's rate limit), by
	// brand and store (metrics.WithStore, or the customer's mapping); nil counts nothing.
	Metrics metrics.Recorder
}

// Sender sends messages to customers. It is safe for concurrent use.
type Sender struct {
	d Deps
	n counters
}

// New returns a sender.
func New(d Deps) (*Sender, error) {
	if d.Messenger == nil || d.Mappings == nil || d.Conversations == nil {
		return nil, errors.New("notify: a messenger, the mappings and the conversations are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.Metrics = metrics.Or(d.Metrics)
	return &Sender{d: d}, nil
}

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	return Stats{
		RepliesSent: s.n.repliesSent.Load(), RepliesResent: s.n.repliesResent.Load(),
		NotificationsSent: s.n.notificationsSent.Load(), TemplateMissing: s.n.templateMissing.Load(),
		OptedOutSuppressed: s.n.optedOutSuppressed.Load(), SendErrors: s.n.sendErrors.Load(),
	}
}

// Reply sends m, an answer to the customer's message that arrived at lastInbound, from the
// brand's number. The caller has already decided the customer may be answered (an opted-out
// customer's turn produces no reply but the opt-out's own confirmation). A message processed
// more than 24 hours after it arrived (redriven from a dead-letter queue) is outside the
// window: free text is then dropped, logged and counted as TemplateMissing, and Reply reports
// false without an error, so the turn completes. resent counts a redelivery's replies apart.
func (s *Sender) Reply(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, m Message, lastInbound time.Time, resent bool) (bool, error) {
	if m.ContentSID == "" && !domain.InServiceWindow(lastInbound, s.d.Now()) {
		s.n.templateMissing.Add(1)
		log.WarnContext(ctx, "reply not sent: the customer's message is older than WhatsApp's 24-hour window and replies have no template (ContentSid)",
			"event", EventTemplateMissing)
		return false, nil
	}
	if err := s.send(ctx, log, client, phone, m); err != nil {
		return false, err
	}
	if resent {
		s.n.repliesResent.Add(1)
	} else {
		s.n.repliesSent.Add(1)
	}
	return true, nil
}

func (s *Sender) send(ctx context.Context, log *slog.Logger, client *domain.Client, phone string, m Message) error {
	out := domain.OutboundMessage{
		ClientID: client.ClientID, From: client.TwilioPhoneNumber, To: phone,
		ContentSID: m.ContentSID, ContentVariables: m.ContentVariables,
	}
	if m.ContentSID == "" {
		out.Body = m.Render()
	}
	dims := metrics.Dims{ClientID: client.ClientID, StoreID: metrics.StoreFrom(ctx)}
	if _, err := s.d.Messenger.Send(ctx, out); err != nil {
		s.n.sendErrors.Add(1)
		s.d.Metrics.Count(ctx, metrics.TwilioSendFailures, 1, dims)
		if throttled(err) {
			s.d.Metrics.Count(ctx, metrics.TwilioThrottled, 1, dims)
		}
		log.WarnContext(ctx, "message not sent", "error", err)
		return fmt.Errorf("notify: send to %s: %w", domain.Mask(phone), err)
	}
	s.d.Metrics.Count(ctx, metrics.MessagesOut, 1, dims)
	return nil
}

// throttled reports whether err is Twilio's rate limit: HTTP 429 or error 20429.
func throttled(err error) bool {
	var te *twilio.Error
	return errors.As(err, &te) && (te.Status == http.StatusTooManyRequests || te.Code == twilio.CodeTooManyRequests)
}

// Notify sends a proactive message (an order update) to a customer of client. It refuses
// with ErrOptedOut when the customer opted out, with ErrTemplateRequired when m has no
// ContentSID and the customer's last message is older than WhatsApp's 24-hour window, and
// with ErrClientInactive for an inactive brand.
func (s *Sender) Notify(ctx context.Context, client *domain.Client, phone string, m Message) error {
	phone, err := domain.ParseWhatsAppAddress(phone)
	if err != nil {
		return err
	}
	if m.IsZero() {
		return domain.Errorf(domain.EINVALID, "a notification needs a body or a contentSid")
	}
	if !client.IsActive {
		return ErrClientInactive
	}
	log := s.d.Logger.With("clientId", client.ClientID, "to", domain.Mask(phone))
	mapping, err := s.d.Mappings.GetMapping(ctx, client.ClientID, phone)
	switch {
	case err == nil:
		log = log.With("storeId", mapping.StoreID)
		ctx = metrics.WithStore(ctx, mapping.StoreID)
		if mapping.OptedOut {
			s.n.optedOutSuppressed.Add(1)
			log.InfoContext(ctx, "notification suppressed: the customer opted out")
			return ErrOptedOut
		}
	case !domain.IsNotFound(err):
		return fmt.Errorf("notify: mapping: %w", err)
	}
	if m.ContentSID == "" {
		var last time.Time
		c, err := s.d.Conversations.GetConversation(ctx, client.ClientID, phone)
		switch {
		case err == nil:
			last = c.LastMessageAt()
		case !domain.IsNotFound(err):
			return fmt.Errorf("notify: read conversation: %w", err)
		}
		if !domain.InServiceWindow(last, s.d.Now()) {
			s.n.templateMissing.Add(1)
			log.WarnContext(ctx, "notification refused: free text outside the 24-hour window needs a template (ContentSid)",
				"event", EventTemplateMissing)
			return fmt.Errorf("notify %s: %w", domain.Mask(phone), ErrTemplateRequired)
		}
	}
	if err := s.send(ctx, log, client, phone, m); err != nil {
		return err
	}
	s.n.notificationsSent.Add(1)
	return nil
}
