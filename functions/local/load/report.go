package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// report is the run's outcome: what happened, what the checks found, the figures.
type report struct {
	mu sync.Mutex

	Config    config    `json:"config"`
	Policy    policy    `json:"policy"`
	Started   time.Time `json:"started"`
	LoadStart time.Time `json:"loadStart"`
	LoadEnd   time.Time `json:"loadEnd"`
	Drained   time.Time `json:"drained"`
	Events    []string  `json:"events"`
	// Deadline is when customers stopped starting steps; FirstFault when the first fault
	// began (zero without faults).
	Deadline   time.Time `json:"deadline"`
	FirstFault time.Time `json:"firstFault,omitempty"`
	// InWindow counts what happened between LoadStart and Deadline: the steady rate.
	InWindowAccepted int `json:"inWindowAccepted"`
	InWindowReplies  int `json:"inWindowReplies"`

	Poison      []poison `json:"poison,omitempty"`
	FaultErrors []string `json:"faultErrors,omitempty"`

	Customers       []customerCheck `json:"customers"`
	POS             posCheck        `json:"pos"`
	DLQ             dlqCheck        `json:"dlq"`
	Inbound         queueDepth      `json:"inboundLeft"`
	StoreQueuesLeft int             `json:"storeQueuesLeft"`
	StoreDLQs       int             `json:"storeDlqs"`
	Strays          []twMessage     `json:"strays,omitempty"` // Twilio messages to nobody the driver plays

	RunnerStats json.RawMessage `json:"runnerStats,omitempty"`
	TwilioStats json.RawMessage `json:"twilioStats,omitempty"`
}

func (r *report) event(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := time.Duration(0)
	if !r.LoadStart.IsZero() {
		at = time.Since(r.LoadStart)
	}
	line := fmt.Sprintf("t+%6.1fs  %s", at.Seconds(), fmt.Sprintf(format, args...))
	r.Events = append(r.Events, line)
	fmt.Fprintln(os.Stderr, "load:", line)
}

// totals sums the customers' checks.
type totals struct {
	Sent, Accepted, GaveUp, GaveUpProcessed, DupDeliveries, DupRefused    int
	Lost, Duplicated, Reordered, Unverifiable, Unanswered, Gaps, Rewrites int
	Replies, RepliesLost, RepliesDup, RepliesReordered, RepliesUnexpected int
	Notifs, NotifsLost, NotifsDup, NotifsUnexpected                       int
	Conversations, Completed, Timeouts, Turns                             int
	Latencies                                                             []time.Duration
	Calm                                                                  []time.Duration // turns accepted before the first fault
	WebhookAttempts                                                       int
	AttemptsByStatus                                                      map[string]int
}

func (r *report) totals() totals {
	t := totals{AttemptsByStatus: map[string]int{}}
	for _, c := range r.Customers {
		t.Sent += c.Sent
		t.Accepted += c.Accepted
		t.GaveUp += c.GaveUp
		t.GaveUpProcessed += c.GaveUpProcessed
		t.DupDeliveries += c.DupDeliveries
		t.DupRefused += c.DupRefused
		t.Lost += len(c.Lost)
		t.Duplicated += len(c.Duplicated)
		t.Reordered += len(c.Reordered)
		t.Unverifiable += len(c.Unverifiable)
		t.Unanswered += c.Unanswered
		t.Gaps += c.Gaps
		t.Rewrites += c.Rewrites
		t.Replies += c.RepliesExpected
		t.RepliesLost += c.RepliesLost
		t.RepliesDup += c.RepliesDuplicated
		t.RepliesReordered += c.RepliesReordered
		t.RepliesUnexpected += c.RepliesUnexpected
		t.Notifs += c.NotificationsExpected
		t.NotifsLost += c.NotificationsLost
		t.NotifsDup += c.NotificationsDuplicated
		t.NotifsUnexpected += c.NotificationsUnexpected
		t.Conversations += c.Conversations
		t.Completed += c.Completed
		t.Timeouts += len(c.Timeouts)
		t.Turns += len(c.Latencies)
		t.Latencies = append(t.Latencies, c.Latencies...)
		for i, at := range c.LatencyAt {
			if r.FirstFault.IsZero() || at.Before(r.FirstFault) {
				t.Calm = append(t.Calm, c.Latencies[i])
			}
		}
		for k, v := range c.Attempts {
			t.AttemptsByStatus[k] += v
			t.WebhookAttempts += v
		}
	}
	sort.Slice(t.Latencies, func(i, j int) bool { return t.Latencies[i] < t.Latencies[j] })
	sort.Slice(t.Calm, func(i, j int) bool { return t.Calm[i] < t.Calm[j] })
	return t
}

// Passed reports whether every check passed.
func (r *report) Passed() bool {
	t := r.totals()
	return len(r.Customers) > 0 && t.Accepted > 0 &&
		t.Lost+t.Duplicated+t.Reordered+t.Unverifiable+t.Unanswered+t.Rewrites == 0 &&
		t.RepliesLost+t.RepliesDup+t.RepliesReordered+t.RepliesUnexpected == 0 &&
		t.NotifsLost+t.NotifsDup+t.NotifsUnexpected == 0 &&
		r.POS.failures() == 0 && r.DLQ.failures() == 0 &&
		r.Inbound.Total() == 0 && r.StoreQueuesLeft == 0 && r.StoreDLQs == 0 && len(r.Strays) == 0 &&
		len(r.FaultErrors) == 0
}

func mark(bad int) string {
	if bad == 0 {
		return "ok  "
	}
	return "FAIL"
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// Text is the summary to paste in a closing note.
func (r *report) Text() string {
	var b strings.Builder
	t := r.totals()
	load := r.LoadEnd.Sub(r.LoadStart)
	if load <= 0 {
		load = time.Since(r.LoadStart)
	}
	faults := []string{}
	for _, f := range []string{faultRestart, faultTwilio, faultPoison} {
		if r.Config.Faults[f] {
			faults = append(faults, f)
		}
	}
	if len(faults) == 0 {
		faults = []string{"none"}
	}
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "\n== make load: %s ==\n", verdict)
	fmt.Fprintf(&b, "run      %s, %d customers (both demo brands), faults: %s, seed %d\n", r.Config.Duration, r.Config.Customers, strings.Join(faults, ","), r.Config.Seed)
	fmt.Fprintf(&b, "webhook  Twilio's retry policy %q: rc=%d, rp=%s, tt=%s; %.0f%% of accepted messages delivered twice\n",
		r.Config.Fragment, r.Policy.RetryCount, keys(r.Policy.RetryOn), r.Policy.TotalTime, r.Config.DupRate*100)
	fmt.Fprintf(&b, "load     %s of load, drained %s after\n", load.Round(time.Second), r.Drained.Sub(r.LoadEnd).Round(time.Second))
	fmt.Fprintln(&b, "events:")
	for _, e := range r.Events {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	fmt.Fprintln(&b, "\nmessages:")
	fmt.Fprintf(&b, "  sent %d, accepted (2xx) %d, Twilio gave up on %d (its retries spent; %d of them processed anyway)\n", t.Sent, t.Accepted, t.GaveUp, t.GaveUpProcessed)
	fmt.Fprintf(&b, "  Twilio delivered %d accepted messages a second time; %d of those not answered 2xx\n", t.DupDeliveries, t.DupRefused)
	fmt.Fprintf(&b, "  webhook attempts %d: %s\n", t.WebhookAttempts, mapString(t.AttemptsByStatus))
	fmt.Fprintf(&b, "  conversations %d, orders confirmed %d, customer waits timed out %d\n", t.Conversations, t.Completed, t.Timeouts)
	fmt.Fprintln(&b, "\nchecks:")
	fmt.Fprintf(&b, "  %s lost inbound          %d  (accepted, not in the customer's conversation)\n", mark(t.Lost+t.Unverifiable), t.Lost+t.Unverifiable)
	fmt.Fprintf(&b, "  %s duplicated inbound    %d  (in the conversation more than once)\n", mark(t.Duplicated), t.Duplicated)
	fmt.Fprintf(&b, "  %s reordered inbound     %d  (recorded before a message the customer sent earlier)\n", mark(t.Reordered), t.Reordered)
	fmt.Fprintf(&b, "  %s unanswered turns      %d  (no reply recorded)\n", mark(t.Unanswered), t.Unanswered)
	fmt.Fprintf(&b, "  %s history rewritten     %d  (snapshot gaps %d)\n", mark(t.Rewrites+t.Gaps), t.Rewrites, t.Gaps)
	fmt.Fprintf(&b, "  %s replies lost          %d of %d  (recorded, never reached Twilio)\n", mark(t.RepliesLost), t.RepliesLost, t.Replies)
	fmt.Fprintf(&b, "  %s replies duplicated    %d\n", mark(t.RepliesDup), t.RepliesDup)
	fmt.Fprintf(&b, "  %s replies reordered     %d\n", mark(t.RepliesReordered), t.RepliesReordered)
	fmt.Fprintf(&b, "  %s replies unexpected    %d  (reached Twilio, recorded nowhere)\n", mark(t.RepliesUnexpected), t.RepliesUnexpected)
	fmt.Fprintf(&b, "  %s payment notifications lost %d, duplicated %d, unexpected %d (of %d PIX payments)\n",
		mark(t.NotifsLost+t.NotifsDup+t.NotifsUnexpected), t.NotifsLost, t.NotifsDup, t.NotifsUnexpected, t.Notifs)
	fmt.Fprintf(&b, "  %s orders to the POS     %d confirmed, %d received: lost %d, doubled %d, unexpected %d, misrouted %d\n",
		mark(r.POS.failures()), r.POS.Expected, r.POS.Received, len(r.POS.Lost), len(r.POS.Doubled), len(r.POS.Unexpected), len(r.POS.Misrouted))
	fmt.Fprintf(&b, "       (same deduplication id again within 5 min, which SQS drops: %d; SQS redeliveries: %d)\n", r.POS.DedupRepeats, r.POS.Redeliveries)
	inflight := r.Inbound.Total() + r.StoreQueuesLeft + r.StoreDLQs
	fmt.Fprintf(&b, "  %s left in flight        %d  (inbound queue %d visible, %d in flight, %d delayed; store queues %d; store DLQs %d)\n",
		mark(inflight), inflight, r.Inbound.Visible, r.Inbound.InFlight, r.Inbound.Delayed, r.StoreQueuesLeft, r.StoreDLQs)
	fmt.Fprintf(&b, "  %s inbound DLQ           %d poison injected, %d parked, %d missing, %d other messages",
		mark(r.DLQ.failures()), r.DLQ.Injected, r.DLQ.Parked, len(r.DLQ.Missing), len(r.DLQ.Others))
	if len(r.DLQ.Classes) > 0 {
		fmt.Fprintf(&b, " (classes: %s)", mapString(r.DLQ.Classes))
	}
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "  %s replies to strangers  %d\n", mark(len(r.Strays)), len(r.Strays))
	if len(r.FaultErrors) > 0 {
		fmt.Fprintf(&b, "  FAIL faults not injected: %s\n", strings.Join(r.FaultErrors, "; "))
	}

	fmt.Fprintln(&b, "\nfigures:")
	win := r.Deadline.Sub(r.LoadStart).Seconds()
	fmt.Fprintf(&b, "  throughput  %.1f messages/s accepted, %.1f replies/s during the %s window (%d and %d); overall %d messages, %d replies, %d orders in %s\n",
		float64(r.InWindowAccepted)/win, float64(r.InWindowReplies)/win, r.Config.Duration, r.InWindowAccepted, r.InWindowReplies,
		t.Accepted, t.Replies, r.POS.Expected, r.Drained.Sub(r.LoadStart).Round(time.Second))
	lat := func(name string, ds []time.Duration) {
		if n := len(ds); n > 0 {
			fmt.Fprintf(&b, "  latency     %s, %d turns: p50 %s, p95 %s, p99 %s, max %s\n", name, n,
				ms(percentile(ds, 50)), ms(percentile(ds, 95)), ms(percentile(ds, 99)), ms(ds[n-1]))
		}
	}
	lat("webhook 200 -> reply at Twilio, every turn", t.Latencies)
	if !r.FirstFault.IsZero() {
		lat("the same, turns accepted before the first fault", t.Calm)
	}
	if len(r.RunnerStats) > 0 {
		fmt.Fprintf(&b, "  runner      %s\n", compact(r.RunnerStats))
	}
	if len(r.TwilioStats) > 0 {
		fmt.Fprintf(&b, "  twilio      %s\n", compact(r.TwilioStats))
	}
	b.WriteString(r.details())
	return b.String()
}

// details lists the first failures of each kind, for a reproduction.
func (r *report) details() string {
	var b strings.Builder
	n := 0
	add := func(format string, args ...any) {
		if n < 40 {
			fmt.Fprintf(&b, "  "+format+"\n", args...)
		}
		n++
	}
	for _, c := range r.Customers {
		for _, s := range c.Lost {
			add("%s lost %s", c.Phone, s)
		}
		for _, s := range c.Unverifiable {
			add("%s unverifiable %s", c.Phone, s)
		}
		for _, s := range c.Duplicated {
			add("%s duplicated %s", c.Phone, s)
		}
		for _, s := range c.Reordered {
			add("%s reordered %s", c.Phone, s)
		}
		for _, s := range c.RepliesLostList {
			add("%s reply lost: %s", c.Phone, s)
		}
		for _, s := range c.RepliesDuplicatedList {
			add("%s reply duplicated: %s", c.Phone, s)
		}
		for _, s := range c.RepliesUnexpectedList {
			add("%s reply recorded nowhere: %s", c.Phone, s)
		}
		if c.Unanswered+c.RepliesReordered+c.NotificationsLost+c.NotificationsDuplicated > 0 {
			add("%s unanswered turns %d, replies reordered %d, payment notifications lost %d, duplicated %d",
				c.Phone, c.Unanswered, c.RepliesReordered, c.NotificationsLost, c.NotificationsDuplicated)
		}
		for _, s := range c.Timeouts {
			add("%s waited in vain: %s", c.Phone, s)
		}
	}
	for _, s := range r.POS.Lost {
		add("POS lost %s", s)
	}
	for _, s := range r.POS.Doubled {
		add("POS doubled %s", s)
	}
	for _, s := range r.POS.Unexpected {
		add("POS unexpected %s", s)
	}
	for _, s := range r.POS.Misrouted {
		add("POS misrouted %s", s)
	}
	for _, s := range r.DLQ.Missing {
		add("DLQ missing poison %s", s)
	}
	for _, m := range r.DLQ.Others {
		add("DLQ holds a non-poison message %s (group %s, attributes %v): %.120s", m.MessageID, m.GroupID, m.Attrs, m.Body)
	}
	for _, m := range r.Strays {
		add("reply to a stranger %s: %.80s", m.To, m.Body)
	}
	if n == 0 {
		return ""
	}
	if n > 40 {
		fmt.Fprintf(&b, "  ... and %d more (report.json)\n", n-40)
	}
	return "\ndetails:\n" + b.String()
}

func keys(m map[string]bool) string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func mapString(m map[string]int) string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func compact(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// WriteJSON writes the whole report, the customers' details included.
func (r *report) WriteJSON(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
