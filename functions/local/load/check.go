package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// The checks work on records only: what the customers sent (the ledger, with what the
// webhook answered), the conversation histories read from DynamoDB, the messages the local
// Twilio accepted, the POS queues' messages, the inbound queue and its dead-letter queue.

// mergeSnapshots joins a customer's history snapshots, oldest first, into one timeline. The
// history is append-only and bounded (old entries drop off the front), so each snapshot is
// a window of one log: it is aligned on its first inbound MessageSid found in the timeline,
// its overlap must equal the timeline (rewrites counts the entries that differ: a history
// must never change behind the customer), and what lies beyond is appended. A snapshot that
// shares no inbound message with the timeline leaves a gap (entries that may have come and
// gone unseen): gaps counts them, and the checks report what they could not verify.
func mergeSnapshots(snaps [][]domain.HistoryEntry) (timeline []domain.HistoryEntry, gaps, rewrites int) {
	index := map[string]int{} // inbound SID -> position in timeline
	add := func(e domain.HistoryEntry) {
		if e.Direction == domain.Inbound && e.MessageSid != "" {
			if _, ok := index[e.MessageSid]; !ok {
				index[e.MessageSid] = len(timeline)
			}
		}
		timeline = append(timeline, e)
	}
	for _, s := range snaps {
		if len(s) == 0 {
			continue
		}
		offset := -1
		for i, e := range s {
			if e.Direction != domain.Inbound || e.MessageSid == "" {
				continue
			}
			if p, ok := index[e.MessageSid]; ok {
				offset = p - i
			}
			break
		}
		if offset < 0 {
			if len(timeline) > 0 {
				gaps++
			}
			for _, e := range s {
				add(e)
			}
			continue
		}
		for i, e := range s {
			p := offset + i
			switch {
			case p < len(timeline):
				if t := timeline[p]; t.Direction != e.Direction || t.Body != e.Body || t.MessageSid != e.MessageSid {
					rewrites++
				}
			default:
				add(e)
			}
		}
	}
	return timeline, gaps, rewrites
}

// turn is one exchange in a timeline: the customer's messages, then the replies to them.
type turn struct {
	In  []domain.HistoryEntry
	Out []domain.HistoryEntry
}

func turns(timeline []domain.HistoryEntry) []turn {
	var out []turn
	for _, e := range timeline {
		if e.Direction == domain.Inbound {
			if len(out) == 0 || len(out[len(out)-1].Out) > 0 {
				out = append(out, turn{})
			}
			out[len(out)-1].In = append(out[len(out)-1].In, e)
			continue
		}
		if len(out) == 0 {
			out = append(out, turn{}) // replies whose message dropped off the history
		}
		out[len(out)-1].Out = append(out[len(out)-1].Out, e)
	}
	return out
}

// customerCheck is what the checks found for one customer.
type customerCheck struct {
	Phone string `json:"phone"`

	Sent            int `json:"sent"`            // messages the customer sent (each a MessageSid)
	Accepted        int `json:"accepted"`        // answered 2xx by the webhook
	GaveUp          int `json:"gaveUp"`          // Twilio gave up (retries spent): never accepted
	GaveUpProcessed int `json:"gaveUpProcessed"` // of those, processed anyway (the webhook queued it, then failed)
	DupDeliveries   int `json:"dupDeliveries"`   // accepted messages Twilio delivered a second time
	DupRefused      int `json:"dupRefused"`      // of those, not answered 2xx
	// Attempts counts the webhook delivery attempts by answer: an HTTP status, or "ct" (no
	// connection) and "rt" (no answer in time).
	Attempts map[string]int `json:"attempts"`

	Lost         []string `json:"lost,omitempty"`         // accepted, not in the conversation
	Duplicated   []string `json:"duplicated,omitempty"`   // in the conversation more than once
	Reordered    []string `json:"reordered,omitempty"`    // in the conversation before a message sent earlier
	Unverifiable []string `json:"unverifiable,omitempty"` // accepted, in a gap between snapshots
	Unanswered   int      `json:"unanswered"`             // turns with no reply recorded
	Gaps         int      `json:"gaps"`
	Rewrites     int      `json:"rewrites"`

	RepliesExpected   int `json:"repliesExpected"` // replies recorded in the conversation
	RepliesLost       int `json:"repliesLost"`     // recorded, never reached Twilio
	RepliesDuplicated int `json:"repliesDuplicated"`
	RepliesReordered  int `json:"repliesReordered"`
	RepliesUnexpected int `json:"repliesUnexpected"` // reached Twilio, recorded nowhere

	// The replies behind the counts above: the turn's last MessageSid and the body.
	RepliesLostList       []string `json:"repliesLostList,omitempty"`
	RepliesDuplicatedList []string `json:"repliesDuplicatedList,omitempty"`
	RepliesUnexpectedList []string `json:"repliesUnexpectedList,omitempty"`

	NotificationsExpected   int `json:"notificationsExpected"` // PIX payments confirmed
	NotificationsLost       int `json:"notificationsLost"`
	NotificationsDuplicated int `json:"notificationsDuplicated"`
	NotificationsUnexpected int `json:"notificationsUnexpected"`

	OrdersToPOS    []string        `json:"ordersToPos,omitempty"`    // confirmed: must reach the store once
	OrdersNotToPOS []string        `json:"ordersNotToPos,omitempty"` // PIX orders never paid: must not
	Latencies      []time.Duration `json:"-"`                        // acceptance of a turn's last message to its first reply at Twilio
	LatencyAt      []time.Time     `json:"-"`                        // when each latency's turn was accepted
	// Evidence is kept for a customer whose checks failed: what was sent, what the
	// conversation recorded, what Twilio received.
	Evidence      *evidence `json:"evidence,omitempty"`
	Conversations int       `json:"conversations"`
	Completed     int       `json:"completed"`
	Timeouts      []string  `json:"timeouts,omitempty"`
}

func (c customerCheck) failures() int {
	return len(c.Lost) + len(c.Duplicated) + len(c.Reordered) + len(c.Unverifiable) + c.Unanswered + c.Rewrites +
		c.RepliesLost + c.RepliesDuplicated + c.RepliesReordered + c.RepliesUnexpected +
		c.NotificationsLost + c.NotificationsDuplicated + c.NotificationsUnexpected
}

type evidence struct {
	Sent     []string `json:"sent"`     // sid, times, body
	Timeline []string `json:"timeline"` // direction, sid, body
	Twilio   []string `json:"twilio"`   // time, body
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

func collectEvidence(ledger []*sent, timeline []domain.HistoryEntry, tw []twMessage) *evidence {
	e := &evidence{}
	const ts = "15:04:05.000"
	for _, m := range ledger {
		e.Sent = append(e.Sent, fmt.Sprintf("%s sent %s accepted %v at %s attempts %d: %s", m.SID, m.SentAt.Format(ts), m.Accepted, m.AcceptedAt.Format(ts), len(m.Attempts), clip(m.Body, 200)))
	}
	for _, h := range timeline {
		e.Timeline = append(e.Timeline, fmt.Sprintf("%-3s %s %s: %s", h.Direction, h.MessageSid, h.At.Format(ts), clip(h.Body, 200)))
	}
	for _, m := range tw {
		e.Twilio = append(e.Twilio, fmt.Sprintf("%s %s: %s", m.At.Format(ts), m.SID, clip(m.Body, 200)))
	}
	return e
}

// checkCustomer checks one customer's records.
func checkCustomer(phone string, ledger []*sent, snaps [][]domain.HistoryEntry, tw []twMessage, paid []paidOrder) (r customerCheck) {
	r = customerCheck{Phone: phone, Attempts: map[string]int{}}
	count := func(a attempt) {
		k := a.Class
		if a.Status != 0 {
			k = fmt.Sprint(a.Status)
		}
		r.Attempts[k]++
	}
	timeline, gaps, rewrites := mergeSnapshots(snaps)
	r.Gaps, r.Rewrites = gaps, rewrites

	bySID := map[string]*sent{}
	for _, m := range ledger {
		bySID[m.SID] = m
	}
	// Where each inbound message is in the conversation.
	pos := map[string][]int{}
	for i, e := range timeline {
		if e.Direction == domain.Inbound {
			pos[e.MessageSid] = append(pos[e.MessageSid], i)
		}
	}
	last := -1 // position of the latest message so far, in send order
	for _, m := range ledger {
		r.Sent++
		for _, a := range m.Attempts {
			count(a)
		}
		if m.Duplicate != nil {
			count(*m.Duplicate)
			r.DupDeliveries++
			if m.Duplicate.Class != "" {
				r.DupRefused++
			}
		}
		ps := pos[m.SID]
		if m.Accepted {
			r.Accepted++
		} else {
			r.GaveUp++
			if len(ps) > 0 {
				r.GaveUpProcessed++
			}
		}
		switch {
		case len(ps) == 0 && m.Accepted && gaps > 0:
			// Not in any snapshot, but snapshots left a gap: it may have come and gone.
			r.Unverifiable = append(r.Unverifiable, m.SID)
		case len(ps) == 0 && m.Accepted:
			r.Lost = append(r.Lost, m.SID)
		case len(ps) > 1:
			r.Duplicated = append(r.Duplicated, m.SID)
		}
		if len(ps) > 0 {
			if ps[0] < last {
				r.Reordered = append(r.Reordered, m.SID)
			} else {
				last = ps[0]
			}
		}
	}

	// Every turn is answered, and every recorded reply reaches Twilio once, in order.
	type expected struct {
		sid       string // the turn's last message
		body      string
		notBefore time.Time // the turn's last message was first sent then
		accepted  time.Time
		first     bool // the turn's first reply
		delivered int
	}
	var exp []*expected
	ts := turns(timeline)
	for _, t := range ts {
		if len(t.In) > 0 && len(t.Out) == 0 {
			r.Unanswered++
		}
		var nb, acc time.Time
		sid := ""
		if len(t.In) > 0 {
			sid = t.In[len(t.In)-1].MessageSid
			if m := bySID[sid]; m != nil {
				nb, acc = m.SentAt, m.AcceptedAt
			}
		}
		for j, o := range t.Out {
			exp = append(exp, &expected{sid: sid, body: o.Body, notBefore: nb, accepted: acc, first: j == 0})
		}
	}
	r.RepliesExpected = len(exp)
	notified := map[string]int{}
	maxMatched := -1
	for _, m := range tw {
		if g := paymentConfirmed.FindStringSubmatch(m.Body); g != nil {
			notified[g[1]]++
			continue
		}
		k, seen, dupOf := -1, false, -1
		for i, e := range exp {
			if e.body != m.Body || (!e.notBefore.IsZero() && m.At.Before(e.notBefore)) {
				continue
			}
			seen, dupOf = true, i
			if e.delivered == 0 {
				k = i
				break
			}
		}
		switch {
		case k >= 0:
			e := exp[k]
			e.delivered++
			if k < maxMatched {
				r.RepliesReordered++
			} else {
				maxMatched = k
			}
			if e.first && !e.accepted.IsZero() {
				r.Latencies = append(r.Latencies, max(0, m.At.Sub(e.accepted)))
				r.LatencyAt = append(r.LatencyAt, e.accepted)
			}
		case seen:
			r.RepliesDuplicated++
			r.RepliesDuplicatedList = append(r.RepliesDuplicatedList, fmt.Sprintf("%s again at %s (reply to %s): %s",
				m.SID, m.At.Format("15:04:05.000"), exp[dupOf].sid, clip(m.Body, 100)))
		default:
			r.RepliesUnexpected++
			r.RepliesUnexpectedList = append(r.RepliesUnexpectedList, fmt.Sprintf("%s at %s: %s", m.SID, m.At.Format("15:04:05.000"), clip(m.Body, 100)))
		}
	}
	for _, e := range exp {
		if e.delivered == 0 {
			r.RepliesLost++
			r.RepliesLostList = append(r.RepliesLostList, fmt.Sprintf("reply to %s: %s", e.sid, clip(e.body, 100)))
		}
	}

	// Orders: the confirmations recorded in the conversation, and the PIX payments.
	paidOK := map[string]bool{}
	for _, p := range paid {
		if p.Status == 200 {
			paidOK[p.OrderID] = true
		}
	}
	seenOrder := map[string]bool{}
	for _, e := range timeline {
		if e.Direction != domain.Outbound {
			continue
		}
		if g := sentToKitchen.FindStringSubmatch(e.Body); g != nil && !seenOrder[g[1]] {
			seenOrder[g[1]] = true
			r.OrdersToPOS = append(r.OrdersToPOS, g[1])
		}
		if g := placedPIX.FindStringSubmatch(e.Body); g != nil && !seenOrder[g[1]] {
			seenOrder[g[1]] = true
			if paidOK[g[1]] {
				r.OrdersToPOS = append(r.OrdersToPOS, g[1])
			} else {
				r.OrdersNotToPOS = append(r.OrdersNotToPOS, g[1])
			}
		}
	}
	defer func() {
		if r.failures() > 0 {
			r.Evidence = collectEvidence(ledger, timeline, tw)
		}
	}()
	r.NotificationsExpected = len(paidOK)
	for id := range paidOK {
		switch n := notified[id]; {
		case n == 0:
			r.NotificationsLost++
		case n > 1:
			r.NotificationsDuplicated += n - 1
		}
	}
	for id, n := range notified {
		if !paidOK[id] {
			r.NotificationsUnexpected += n
		}
	}
	return r
}

// posCheck is what the stores' queues received against the orders confirmed.
type posCheck struct {
	Expected     int      `json:"expected"`       // orders the customers were told went to the kitchen
	Received     int      `json:"received"`       // distinct messages the POS queues delivered
	Lost         []string `json:"lost,omitempty"` // confirmed, never received
	Doubled      []string `json:"doubled,omitempty"`
	Unexpected   []string `json:"unexpected,omitempty"` // received, never confirmed to a customer (or not paid)
	Misrouted    []string `json:"misrouted,omitempty"`  // on another store's queue than the order's
	DedupRepeats int      `json:"dedupRepeats"`         // same deduplication id again within 5 minutes: SQS drops those, moto only while the first is in the queue
	Redeliveries int      `json:"redeliveries"`         // an SQS message received again (its delete failed): not a second message
}

func (p posCheck) failures() int {
	return len(p.Lost) + len(p.Doubled) + len(p.Unexpected) + len(p.Misrouted)
}

// checkPOS matches the confirmed orders (orderID -> clientId/storeId unknown: any store of
// the brand) with the POS messages.
func checkPOS(toPOS map[string]string, notToPOS map[string]bool, recs []posRecord, redeliveries int) posCheck {
	p := posCheck{Expected: len(toPOS), Received: len(recs), Redeliveries: redeliveries}
	byOrder := map[string][]posRecord{}
	for _, r := range recs {
		byOrder[r.OrderID] = append(byOrder[r.OrderID], r)
	}
	for id, brand := range toPOS {
		rs := byOrder[id]
		if len(rs) == 0 {
			p.Lost = append(p.Lost, brand+"/"+id)
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].At.Before(rs[j].At) })
		extra := 0
		for _, r := range rs[1:] {
			if r.DedupID != "" && r.DedupID == rs[0].DedupID && r.EventType == rs[0].EventType && r.At.Sub(rs[0].At) < 5*time.Minute {
				p.DedupRepeats++
				continue
			}
			extra++
		}
		if extra > 0 {
			p.Doubled = append(p.Doubled, fmt.Sprintf("%s/%s x%d", brand, id, extra+1))
		}
		for _, r := range rs {
			if r.ClientID != brand || r.Store != r.ClientID+"/"+r.StoreID {
				p.Misrouted = append(p.Misrouted, fmt.Sprintf("%s on %s", id, r.Store))
			}
		}
	}
	for id, rs := range byOrder {
		if _, ok := toPOS[id]; ok {
			continue
		}
		why := "never confirmed to its customer"
		if notToPOS[id] {
			why = "PIX order never paid"
		}
		p.Unexpected = append(p.Unexpected, fmt.Sprintf("%s/%s (%s, x%d)", rs[0].ClientID, id, why, len(rs)))
	}
	sort.Strings(p.Lost)
	sort.Strings(p.Doubled)
	sort.Strings(p.Unexpected)
	return p
}

// dlqCheck compares the inbound dead-letter queue with the poison messages injected.
type dlqCheck struct {
	Injected int            `json:"injected"`
	Parked   int            `json:"parked"` // poison messages found in the DLQ
	Missing  []string       `json:"missing,omitempty"`
	Others   []dlqMessage   `json:"others,omitempty"`  // anything else in the DLQ
	Classes  map[string]int `json:"classes,omitempty"` // wabotErrorClass of the parked poison
}

func (d dlqCheck) failures() int { return len(d.Missing) + len(d.Others) }

func checkDLQ(injected []poison, found []dlqMessage) dlqCheck {
	d := dlqCheck{Injected: len(injected), Classes: map[string]int{}}
	byBody := map[string]int{}
	for _, p := range injected {
		byBody[p.Body]++
	}
	matched := map[string]int{}
	for _, m := range found {
		if byBody[m.Body] > matched[m.Body] {
			matched[m.Body]++
			d.Parked++
			class := m.Attrs["wabotErrorClass"]
			if class == "" {
				class = "(no wabotErrorClass: moved by the queue's redrive policy)"
			}
			d.Classes[class]++
			continue
		}
		d.Others = append(d.Others, m)
	}
	for _, p := range injected {
		if matched[p.Body] > 0 {
			matched[p.Body]--
			continue
		}
		d.Missing = append(d.Missing, p.Kind+": "+p.Body)
	}
	return d
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}
