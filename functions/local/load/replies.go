package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// twMessage is a message the local Twilio accepted (a reply or a notification of the stack).
type twMessage struct {
	Seq        int       `json:"seq"`
	SID        string    `json:"sid"`
	AccountSID string    `json:"accountSid"`
	To         string    `json:"to"`
	From       string    `json:"from"`
	Body       string    `json:"body"`
	At         time.Time `json:"at"`
}

// inbox is what one customer received, in the order the local Twilio accepted it.
type inbox struct {
	mu     sync.Mutex
	msgs   []twMessage
	notify chan struct{}
}

func newInbox() *inbox { return &inbox{notify: make(chan struct{}, 1)} }

func (b *inbox) add(m twMessage) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

func (b *inbox) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

func (b *inbox) from(i int) []twMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i >= len(b.msgs) {
		return nil
	}
	return append([]twMessage(nil), b.msgs[i:]...)
}

// replyFeed reads the local Twilio's messages as they arrive and hands each to the inbox of
// the customer it was sent to.
type replyFeed struct {
	base   string
	client *http.Client

	mu     sync.Mutex
	boxes  map[string]*inbox // by customer address (whatsapp:+55...)
	stray  []twMessage       // sent to nobody the driver plays
	total  int
	lastAt time.Time // when the last message arrived
	errs   int
}

func newReplyFeed(base string) *replyFeed {
	return &replyFeed{base: base, client: &http.Client{Timeout: 10 * time.Second}, boxes: map[string]*inbox{}}
}

func (f *replyFeed) register(to string) *inbox {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := newInbox()
	f.boxes[to] = b
	return b
}

// run reads until ctx ends.
func (f *replyFeed) run(ctx context.Context) {
	next := 0
	for ctx.Err() == nil {
		n, err := f.poll(ctx, next)
		if err != nil {
			f.mu.Lock()
			f.errs++
			f.mu.Unlock()
			sleepCtx(ctx, 200*time.Millisecond)
			continue
		}
		next = n
	}
}

// poll reads the messages after the first next (a long poll) and returns the new count.
func (f *replyFeed) poll(ctx context.Context, next int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/local/messages?after=%d&wait=2s", f.base, next), nil)
	if err != nil {
		return next, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return next, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return next, fmt.Errorf("local twilio: %s", resp.Status)
	}
	var out struct {
		Next     int         `json:"next"`
		Messages []twMessage `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return next, err
	}
	for _, m := range out.Messages {
		f.mu.Lock()
		b := f.boxes[m.To]
		f.total++
		f.lastAt = time.Now()
		if b == nil {
			f.stray = append(f.stray, m)
		}
		f.mu.Unlock()
		if b != nil {
			b.add(m)
		}
	}
	return out.Next, nil
}

// drain reads until nothing has arrived for quiet, or ctx ends.
func (f *replyFeed) quietSince() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastAt
}

func (f *replyFeed) strays() []twMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]twMessage(nil), f.stray...)
}
