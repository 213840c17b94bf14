// Package localoutbox is the local stack's stand-in for Twilio's send API (`make dev`): a
// domain.Messenger that keeps the messages it is given in memory instead of delivering them,
// and an HTTP handler (GET /dev/outbox?to=...) through which a developer, a browser test or a
// script reads the replies a customer would have received.
//
// It checks messages as the Twilio adapter does (a brand, WhatsApp addresses, a body or a
// template but not both), so a message the conversation engine gets wrong fails locally the
// way it would in production.
package localoutbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// DefaultMax is how many messages an Outbox keeps: far more than a development session
// reads, small enough that a long-running `make dev` does not grow without limit.
const DefaultMax = 10_000

// SIDPrefix starts every SID the outbox makes up. SIDs have the length of Twilio's ("SM" and
// 32 characters) so they fit wherever a real one is stored, and say "local" so one is never
// mistaken for a real one.
const SIDPrefix = "SMlocal"

// Entry is one message the outbox received. Addresses are in canonical form.
type Entry struct {
	SID              string            `json:"sid"`
	ClientID         string            `json:"clientId"`
	To               string            `json:"to"`
	From             string            `json:"from"`
	Body             string            `json:"body"`
	ContentSID       string            `json:"contentSid,omitempty"`
	ContentVariables map[string]string `json:"contentVariables,omitempty"`
	At               time.Time         `json:"at"` // when it was sent, UTC (RFC 3339 in JSON)
}

// Outbox implements domain.Messenger in memory, keeping the most recent messages. It is safe
// for concurrent use.
type Outbox struct {
	max    int
	now    func() time.Time
	log    *slog.Logger
	prefix string // per Outbox, so SIDs of two runs never collide

	mu   sync.Mutex
	buf  []Entry // a ring once full: buf[next] is the oldest
	next int
	seq  uint64
}

var _ domain.Messenger = (*Outbox)(nil)

// Option configures an Outbox.
type Option func(*Outbox)

// WithMax sets how many messages are kept (default DefaultMax); older ones are dropped.
func WithMax(n int) Option { return func(o *Outbox) { o.max = n } }

// WithClock sets the clock that stamps messages (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *Outbox) { o.now = now } }

// WithLogger logs one line per message sent (SID, brand, masked number; never the body).
// Without it the outbox logs nothing.
func WithLogger(l *slog.Logger) Option { return func(o *Outbox) { o.log = l } }

// New returns an empty Outbox.
func New(opts ...Option) (*Outbox, error) {
	o := &Outbox{max: DefaultMax, now: time.Now}
	for _, opt := range opts {
		opt(o)
	}
	if o.max <= 0 {
		return nil, fmt.Errorf("outbox: the bound must be positive, got %d", o.max)
	}
	if o.now == nil {
		return nil, errors.New("outbox: the clock cannot be nil")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	o.prefix = hex.EncodeToString(b)
	return o, nil
}

// Send implements domain.Messenger: it keeps m and returns a made-up SID ("SMlocal...").
// Errors are EINVALID for a message Twilio would not be sent, and ctx's error.
func (o *Outbox) Send(ctx context.Context, m domain.OutboundMessage) (string, error) {
	to, from, err := validate(m)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	e := Entry{
		ClientID: m.ClientID, To: to, From: from, Body: m.Body,
		ContentSID: m.ContentSID, ContentVariables: maps.Clone(m.ContentVariables),
		At: o.now().UTC(),
	}
	o.mu.Lock()
	o.seq++
	// 7 + 8 + 19 characters: Twilio's SID length.
	e.SID = fmt.Sprintf("%s%s%019x", SIDPrefix, o.prefix, o.seq)
	if len(o.buf) < o.max {
		o.buf = append(o.buf, e)
	} else {
		o.buf[o.next] = e
		o.next = (o.next + 1) % o.max
	}
	o.mu.Unlock()
	if o.log != nil {
		o.log.InfoContext(ctx, "outbox: message kept instead of sent",
			"sid", e.SID, "clientId", e.ClientID, "to", domain.Mask(to), "template", e.ContentSID != "")
	}
	return e.SID, nil
}

// List returns the messages sent to the WhatsApp address to, oldest first; every message
// when to is "", and none when to is not a WhatsApp address. The entries are copies.
func (o *Outbox) List(to string) []Entry {
	if to != "" {
		var err error
		if to, err = domain.ParseWhatsAppAddress(to); err != nil {
			return nil
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Entry
	// Oldest first: from the ring's start to the end of the slice, then around.
	for _, part := range [][]Entry{o.buf[o.next:], o.buf[:o.next]} {
		for _, e := range part {
			if to == "" || e.To == to {
				e.ContentVariables = maps.Clone(e.ContentVariables)
				out = append(out, e)
			}
		}
	}
	return out
}

// Len returns the number of messages kept.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf)
}

// validate checks a message as the Twilio adapter does and returns its addresses in
// canonical form.
func validate(m domain.OutboundMessage) (to, from string, err error) {
	if err := resourcenames.ValidateID("clientId", m.ClientID); err != nil {
		return "", "", domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	if to, err = domain.ParseWhatsAppAddress(m.To); err != nil {
		return "", "", err
	}
	if from, err = domain.ParseWhatsAppAddress(m.From); err != nil {
		return "", "", err
	}
	switch {
	case m.Body == "" && m.ContentSID == "":
		return "", "", domain.Errorf(domain.EINVALID, "a message needs a body or a content template (ContentSID)")
	case m.Body != "" && m.ContentSID != "":
		return "", "", domain.Errorf(domain.EINVALID, "a message has either a body or a content template (ContentSID), not both")
	case len(m.ContentVariables) > 0 && m.ContentSID == "":
		return "", "", domain.Errorf(domain.EINVALID, "content variables need a content template (ContentSID)")
	}
	return to, from, nil
}

// queryAddress reads a WhatsApp address from a query string value. In a query string "+"
// means a space, so "?to=whatsapp:+5511..." typed into a browser or curl arrives as
// "whatsapp: 5511...": a space right after the prefix can only have been a "+", and is read
// as one. Callers should still encode it as %2B.
func queryAddress(s string) (string, error) {
	p := len(domain.WhatsAppPrefix)
	if len(s) > p && strings.EqualFold(s[:p], domain.WhatsAppPrefix) && s[p] == ' ' {
		s = s[:p] + "+" + s[p+1:]
	}
	return domain.ParseWhatsAppAddress(s)
}
