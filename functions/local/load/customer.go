package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// sent is one message a customer sent, as Twilio delivered it to the webhook.
type sent struct {
	SID        string    `json:"sid"`
	Body       string    `json:"body"`
	SentAt     time.Time `json:"sentAt"`
	Accepted   bool      `json:"accepted"`
	AcceptedAt time.Time `json:"acceptedAt"`
	Attempts   []attempt `json:"attempts"`
	// Duplicate is Twilio delivering the same message again after it was accepted.
	Duplicate *attempt `json:"duplicate,omitempty"`
}

// paidOrder is a PIX order the customer paid through the local payment endpoint.
type paidOrder struct {
	OrderID string    `json:"orderId"`
	PaidAt  time.Time `json:"paidAt"`
	Status  int       `json:"status"` // the endpoint's answer
}

// snapshot is the customer's conversation history as read at one moment.
type snapshot struct {
	At      time.Time             `json:"at"`
	History []domain.HistoryEntry `json:"history"`
}

// customer is one WhatsApp user writing to one brand.
type customer struct {
	d       *driver
	n       int
	brand   *brand
	store   string // the store it chooses, for a brand with several
	phone   string
	profile string
	rnd     *rand.Rand
	box     *inbox

	mu        sync.Mutex
	ledger    []*sent
	snapshots []snapshot
	paid      []paidOrder
	convs     int // conversations started
	completed int // conversations that reached the order's confirmation
	timeouts  []string
}

// driver holds what every customer shares.
type driver struct {
	cfg      config
	hook     *twilioHook
	rec      *records
	feed     *replyFeed
	runner   string // the runner's base URL (the payment endpoint)
	sentN    atomic.Int64
	deadline time.Time // no step starts after it
	http     *http.Client
}

func (c *customer) think() time.Duration {
	lo, hi := c.d.cfg.ThinkMin, c.d.cfg.ThinkMax
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(c.rnd.Int64N(int64(hi-lo)))
}

// run plays conversations until the deadline.
func (c *customer) run(ctx context.Context) {
	// Customers do not all start at once.
	sleepCtx(ctx, time.Duration(c.rnd.Int64N(int64(3*time.Second))))
	for first := true; c.more(ctx); first = false {
		c.mu.Lock()
		c.convs++
		c.mu.Unlock()
		if c.converse(ctx, script(c.brand, first, c.store, c.rnd)) {
			c.mu.Lock()
			c.completed++
			c.mu.Unlock()
		}
		sleepCtx(ctx, c.think())
	}
}

func (c *customer) more(ctx context.Context) bool {
	return ctx.Err() == nil && time.Now().Before(c.d.deadline) && c.d.sentN.Load() < int64(c.d.cfg.MaxMessages)
}

// converse plays one conversation; true when the order was confirmed.
func (c *customer) converse(ctx context.Context, steps []step) bool {
	for i, s := range steps {
		if i > 0 {
			if !c.more(ctx) {
				return false
			}
			sleepCtx(ctx, c.think())
		}
		from := c.box.len()
		for _, body := range s.Msgs {
			c.say(ctx, body)
		}
		replies, ok := c.await(ctx, from, s.Expect)
		// The history is bounded (domain.MaxHistoryBytes: a few turns): read it after every
		// step, so each message of the run is seen in one snapshot or another.
		c.takeSnapshot(ctx)
		if !ok {
			c.mu.Lock()
			c.timeouts = append(c.timeouts, fmt.Sprintf("%q: no reply with %q within %s", strings.Join(s.Msgs, " / "), s.Expect, c.d.cfg.ReplyWait))
			c.mu.Unlock()
			return false
		}
		if s.Confirm {
			if s.PIX {
				c.pay(ctx, from, replies)
			}
			return true
		}
	}
	return false
}

// say sends one message as Twilio would, and types it again (a new message) when Twilio
// gives up on delivering it, as a person does who sees no answer.
func (c *customer) say(ctx context.Context, body string) {
	for try := 0; try < 5 && ctx.Err() == nil; try++ {
		c.d.sentN.Add(1)
		m := &sent{SID: newSID(), Body: body, SentAt: time.Now()}
		c.mu.Lock()
		c.ledger = append(c.ledger, m)
		c.mu.Unlock()
		d := c.d.hook.deliver(ctx, c.brand.Token, inboundParams(m.SID, c.brand.AccountSID, c.phone, c.brand.Number, body, c.profile))
		c.mu.Lock()
		m.Accepted, m.AcceptedAt, m.Attempts = d.Accepted, d.AcceptedAt, d.Attempts
		c.mu.Unlock()
		if d.Accepted {
			if c.rnd.Float64() < c.d.cfg.DupRate {
				// Twilio delivering a message twice: the second must be acknowledged and
				// ignored.
				again := c.d.hook.deliver(ctx, c.brand.Token, inboundParams(m.SID, c.brand.AccountSID, c.phone, c.brand.Number, body, c.profile))
				last := again.Attempts[len(again.Attempts)-1]
				c.mu.Lock()
				m.Duplicate = &last
				c.mu.Unlock()
			}
			return
		}
		sleepCtx(ctx, 2*time.Second+c.think())
	}
}

// await waits until the replies received since the first from together contain every text
// of want.
func (c *customer) await(ctx context.Context, from int, want []string) ([]twMessage, bool) {
	timeout := time.NewTimer(c.d.cfg.ReplyWait)
	defer timeout.Stop()
	for {
		got := c.box.from(from)
		var all strings.Builder
		for _, m := range got {
			all.WriteString(m.Body)
			all.WriteByte('\n')
		}
		if containsAll(all.String(), want) {
			return got, true
		}
		select {
		case <-ctx.Done():
			return got, false
		case <-timeout.C:
			return got, false
		case <-c.box.notify:
		}
	}
}

// pay confirms the PIX payment of the order in replies (the local stand-in for Asaas's
// confirmation) and waits for the customer's notification.
func (c *customer) pay(ctx context.Context, from int, replies []twMessage) {
	var id string
	for _, m := range replies {
		if g := placedPIX.FindStringSubmatch(m.Body); g != nil {
			id = g[1]
		}
	}
	if id == "" {
		return
	}
	sleepCtx(ctx, c.think()) // the customer pays in the bank's app
	p := paidOrder{OrderID: id, PaidAt: time.Now()}
	for attempt := 0; attempt < 30 && ctx.Err() == nil; attempt++ {
		// What Asaas does: it retries its webhook until it gets a 2xx.
		p.Status = c.payOnce(ctx, id)
		if p.Status == http.StatusOK {
			break
		}
		sleepCtx(ctx, 2*time.Second)
	}
	c.mu.Lock()
	c.paid = append(c.paid, p)
	c.mu.Unlock()
	if p.Status == http.StatusOK {
		c.awaitPayment(ctx, from, id)
		c.takeSnapshot(ctx)
	}
}

func (c *customer) awaitPayment(ctx context.Context, from int, id string) {
	timeout := time.NewTimer(c.d.cfg.ReplyWait)
	defer timeout.Stop()
	for {
		for _, m := range c.box.from(from) {
			if g := paymentConfirmed.FindStringSubmatch(m.Body); g != nil && g[1] == id {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-timeout.C:
			c.mu.Lock()
			c.timeouts = append(c.timeouts, fmt.Sprintf("no payment confirmation for order %s within %s", id, c.d.cfg.ReplyWait))
			c.mu.Unlock()
			return
		case <-c.box.notify:
		}
	}
}

func (c *customer) payOnce(ctx context.Context, orderID string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/dev/orders/%s/%s/pay", c.d.runner, c.brand.ClientID, orderID), nil)
	if err != nil {
		return 0
	}
	resp, err := c.d.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode
}

func (c *customer) takeSnapshot(ctx context.Context) {
	for attempt := 0; attempt < 30 && ctx.Err() == nil; attempt++ {
		h, err := c.d.rec.history(ctx, c.brand.ClientID, c.phone)
		if err == nil {
			c.mu.Lock()
			c.snapshots = append(c.snapshots, snapshot{At: time.Now(), History: h})
			c.mu.Unlock()
			return
		}
		sleepCtx(ctx, time.Second)
	}
}
