package localasaas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// WebhookUserAgent is the User-Agent of the webhooks this provider sends.
const WebhookUserAgent = "wabot-local-asaas/1 (local payment provider)"

// Event is the body of an Asaas webhook.
type Event struct {
	ID          string  `json:"id"`          // "evt_<32 hex>&<n>"
	Event       string  `json:"event"`       // PAYMENT_CREATED, PAYMENT_RECEIVED, ...
	DateCreated string  `json:"dateCreated"` // "2006-01-02 15:04:05", Brazil time
	Payment     Payment `json:"payment"`
}

// job is one webhook to send, in the provider's single, ordered queue.
type job struct {
	account Account
	event   Event
	result  Delivery
	done    chan struct{}
}

// eventsLocked builds the jobs of events, each with its payment snapshot; p.mu is held.
func (p *Provider) eventsLocked(clientID string, events []string, snaps []Payment) []*job {
	a, _ := p.accountOf(clientID)
	now := p.now().In(brazil)
	var jobs []*job
	for i, e := range events {
		p.evtSeq++
		jobs = append(jobs, &job{
			account: a,
			event: Event{
				ID:          fmt.Sprintf("evt_%s&%d", p.evtPrefix, p.evtSeq),
				Event:       e,
				DateCreated: now.Format(time.DateTime),
				Payment:     snaps[i],
			},
			done: make(chan struct{}),
		})
	}
	return jobs
}

// enqueue adds j to the queue, starting its worker when idle: webhooks go out one at a
// time, in the order they happened.
func (p *Provider) enqueue(j *job) {
	p.qmu.Lock()
	p.queue = append(p.queue, j)
	if !p.running {
		p.running = true
		go p.drain()
	}
	p.qmu.Unlock()
}

func (p *Provider) drain() {
	for {
		p.qmu.Lock()
		if len(p.queue) == 0 {
			p.running = false
			p.qmu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue = p.queue[1:]
		p.qmu.Unlock()
		if j.event.Event != "" { // Flush's marker has no event
			j.result = p.deliver(j.account, j.event)
			p.mu.Lock()
			p.delivered = append(p.delivered, j.result)
			p.mu.Unlock()
		}
		close(j.done)
	}
}

// deliver POSTs ev to the account's webhook, up to WebhookAttempts times.
func (p *Provider) deliver(a Account, ev Event) Delivery {
	d := Delivery{
		EventID: ev.ID, Event: ev.Event, PaymentID: ev.Payment.ID, ClientID: a.ClientID,
		URL: a.WebhookURL, At: p.now(),
	}
	if a.WebhookURL == "" {
		d.Skipped = true
		p.log.Info("local asaas: webhook skipped, the account has no webhook URL", "clientId", a.ClientID, "event", ev.Event, "payment", ev.Payment.ID)
		return d
	}
	body, err := json.Marshal(ev)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	wait := p.backoff
	for d.Attempts < WebhookAttempts {
		if d.Attempts > 0 {
			time.Sleep(wait)
			wait *= 2
		}
		d.Attempts++
		d.StatusCode, err = p.post(a, body)
		d.Error = ""
		if err != nil {
			d.Error = err.Error()
		} else if d.StatusCode == http.StatusOK {
			d.Delivered = true
			break
		} else {
			d.Error = fmt.Sprintf("the webhook answered %d", d.StatusCode)
		}
	}
	p.log.Info("local asaas: webhook sent", "clientId", a.ClientID, "event", ev.Event, "payment", ev.Payment.ID,
		"delivered", d.Delivered, "status", d.StatusCode, "attempts", d.Attempts, "error", d.Error)
	return d
}

func (p *Provider) post(a Account, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", WebhookUserAgent)
	if a.WebhookToken != "" {
		req.Header.Set("asaas-access-token", a.WebhookToken)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}
