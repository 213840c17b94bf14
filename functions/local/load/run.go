package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// run starts the stack, plays the customers, injects the faults, drains, checks, and returns
// the report. An error means the stack could not be run (the report says how far it got).
func run(ctx context.Context, cfg config) (*report, error) {
	rep := &report{Config: cfg, Started: time.Now()}
	pol, err := parsePolicy(cfg.Fragment)
	if err != nil {
		return nil, err
	}
	rep.Policy = pol
	clock := nextFridayEvening()
	st, err := startStack(ctx, cfg, clock)
	if st != nil {
		defer func() {
			for _, err := range st.stop() {
				rep.event("stop: %v", err)
			}
		}()
	}
	if err != nil {
		return rep, err
	}
	rep.event("stack up: emulator %s, local Twilio %s, runner %s (clock %s)", st.endpoint(), st.twilioURL(), st.runnerURL(), clock.Format(time.RFC3339))
	rec, err := newRecords(ctx, st.endpoint(), cfg.Env)
	if err != nil {
		return rep, err
	}
	feed := newReplyFeed(st.twilioURL())
	feedCtx, stopFeed := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFeed()
	go feed.run(feedCtx)
	posCtx, stopPOS := context.WithCancel(ctx)
	posDone := make(chan struct{})
	go func() { defer close(posDone); rec.consumePOS(posCtx) }()
	defer func() { stopPOS(); <-posDone }()

	d := &driver{
		cfg: cfg, hook: newTwilioHook(st.runnerURL()+resourcenames.WebhookPath, pol), rec: rec, feed: feed,
		runner: st.runnerURL(), http: &http.Client{Timeout: 15 * time.Second},
	}
	brands := demoBrands()
	runID := int(cfg.Seed % 10000)
	var customers []*customer
	for i := 0; i < cfg.Customers; i++ {
		b := brands[i%len(brands)]
		c := &customer{
			d: d, n: i, brand: b, store: b.Stores[(i/len(brands))%len(b.Stores)],
			phone:   fmt.Sprintf("whatsapp:+55119%04d%04d", runID, i),
			profile: fmt.Sprintf("Cliente %d", i), rnd: newRand(cfg.Seed, uint64(i)+1),
		}
		c.box = feed.register(c.phone)
		customers = append(customers, c)
	}

	// The load.
	rep.LoadStart = time.Now()
	d.deadline = rep.LoadStart.Add(cfg.Duration)
	rep.Deadline = d.deadline
	for _, f := range []struct {
		on bool
		at float64
	}{{cfg.Faults[faultRestart], cfg.RestartAt}, {cfg.Faults[faultTwilio], cfg.TwilioAt}, {cfg.Faults[faultPoison] && cfg.Poison > 0, cfg.PoisonAt}} {
		if t := rep.LoadStart.Add(time.Duration(f.at * float64(cfg.Duration))); f.on && (rep.FirstFault.IsZero() || t.Before(rep.FirstFault)) {
			rep.FirstFault = t
		}
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var wg sync.WaitGroup
	for _, c := range customers {
		wg.Add(1)
		go func() { defer wg.Done(); c.run(loadCtx) }()
	}
	faultsDone := make(chan struct{})
	go func() { defer close(faultsDone); injectFaults(loadCtx, rep, cfg, st, rec, customers) }()
	wg.Wait()
	rep.LoadEnd = time.Now()
	<-faultsDone
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	rep.event("load over: %d customers stopped", len(customers))

	// Drain: the inbound queue empty and no reply for a while.
	drainEnd := time.Now().Add(cfg.Drain)
	for {
		dep, err := rec.depth(ctx, rec.inbound)
		quiet := time.Since(feed.quietSince())
		if err == nil && dep.Total() == 0 && quiet > 5*time.Second {
			rep.event("drained: inbound queue empty, no reply for %s", quiet.Round(time.Second))
			break
		}
		if time.Now().After(drainEnd) {
			rep.event("drain period (%s) over: inbound queue %+v (err %v), last reply %s ago", cfg.Drain, dep, err, quiet.Round(time.Second))
			break
		}
		sleepCtx(ctx, time.Second)
	}
	rep.Drained = time.Now()
	for _, c := range customers {
		c.takeSnapshot(ctx)
	}
	stopPOS()
	<-posDone
	if err := rec.drainPOS(ctx); err != nil {
		rep.event("POS drain: %v", err)
	}
	time.Sleep(2 * time.Second) // the reply feed's last poll
	stopFeed()

	// What is left in the queues.
	if rep.Inbound, err = rec.depth(ctx, rec.inbound); err != nil {
		return rep, err
	}
	for _, q := range rec.stores {
		dq, err := rec.depth(ctx, q.url)
		if err != nil {
			return rep, err
		}
		dd, err := rec.depth(ctx, q.dlq)
		if err != nil {
			return rep, err
		}
		rep.StoreQueuesLeft += dq.Total()
		rep.StoreDLQs += dd.Total()
	}
	dlq, err := rec.readDLQ(ctx)
	if err != nil {
		return rep, err
	}
	rep.DLQ = checkDLQ(rep.Poison, dlq)
	rep.RunnerStats = getJSON(d.http, st.runnerURL()+"/dev/stats")
	rep.TwilioStats = getJSON(d.http, st.twilioURL()+"/local/stats")

	// The checks.
	toPOS, notToPOS := map[string]string{}, map[string]bool{}
	for _, c := range customers {
		c.mu.Lock()
		snaps := make([][]domain.HistoryEntry, len(c.snapshots))
		for i, s := range c.snapshots {
			snaps[i] = s.History
		}
		for _, m := range c.ledger {
			if m.Accepted && m.AcceptedAt.Before(d.deadline) {
				rep.InWindowAccepted++
			}
		}
		for _, m := range c.box.from(0) {
			if m.At.Before(d.deadline) {
				rep.InWindowReplies++
			}
		}
		cc := checkCustomer(c.phone, c.ledger, snaps, c.box.from(0), c.paid)
		cc.Conversations, cc.Completed, cc.Timeouts = c.convs, c.completed, c.timeouts
		c.mu.Unlock()
		for _, id := range cc.OrdersToPOS {
			toPOS[id] = c.brand.ClientID
		}
		for _, id := range cc.OrdersNotToPOS {
			notToPOS[id] = true
		}
		rep.Customers = append(rep.Customers, cc)
	}
	recs, redel := rec.posRecords()
	rep.POS = checkPOS(toPOS, notToPOS, recs, redel)
	rep.Strays = feed.strays()
	return rep, nil
}

// injectFaults runs the faults asked for at their times.
func injectFaults(ctx context.Context, rep *report, cfg config, st *stack, rec *records, customers []*customer) {
	at := func(frac float64) time.Time { return rep.LoadStart.Add(time.Duration(frac * float64(cfg.Duration))) }
	var wg sync.WaitGroup
	if cfg.Faults[faultPoison] && cfg.Poison > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sleepCtx(ctx, time.Until(at(cfg.PoisonAt)))
			if ctx.Err() != nil {
				return
			}
			var groups []string
			for _, c := range customers {
				groups = append(groups, groupOf(c.brand.ClientID, c.phone))
			}
			ps, err := rec.injectPoison(ctx, fmt.Sprintf("%d", cfg.Seed%100000), cfg.Poison, groups)
			rep.mu.Lock()
			rep.Poison = ps
			rep.mu.Unlock()
			rep.event("poison: %d messages put on the inbound queue in customers' groups (err %v)", len(ps), err)
		}()
	}
	if cfg.Faults[faultRestart] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sleepCtx(ctx, time.Until(at(cfg.RestartAt)))
			if ctx.Err() != nil {
				return
			}
			rep.event("restart: emulator stopped with SIGTERM (it saves its data)")
			stopTook, startTook, err := st.restartEmulator(context.WithoutCancel(ctx), cfg.RestartDown)
			if err != nil {
				rep.event("restart FAILED: %v", err)
				rep.mu.Lock()
				rep.FaultErrors = append(rep.FaultErrors, "restart: "+err.Error())
				rep.mu.Unlock()
				return
			}
			rep.event("restart: emulator back with its data (stop and save %s, down %s, start and restore %s)",
				stopTook.Round(time.Millisecond), cfg.RestartDown, startTook.Round(time.Millisecond))
		}()
	}
	if cfg.Faults[faultTwilio] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sleepCtx(ctx, time.Until(at(cfg.TwilioAt)))
			if ctx.Err() != nil {
				return
			}
			c := &http.Client{Timeout: 5 * time.Second}
			fail := func(status int, d time.Duration) error {
				b, _ := json.Marshal(map[string]any{"status": status, "seconds": d.Seconds()})
				resp, err := c.Post(st.twilioURL()+"/local/fail", "application/json", bytes.NewReader(b))
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("local twilio answered %s", resp.Status)
				}
				return nil
			}
			if err := fail(500, cfg.Twilio500); err != nil {
				rep.event("twilio fault FAILED: %v", err)
				return
			}
			rep.event("twilio: the API answers 500 (20500) for %s", cfg.Twilio500)
			sleepCtx(context.WithoutCancel(ctx), cfg.Twilio500)
			if err := fail(429, cfg.Twilio429); err != nil {
				rep.event("twilio fault FAILED: %v", err)
				return
			}
			rep.event("twilio: the API answers 429 (20429) for %s", cfg.Twilio429)
			sleepCtx(context.WithoutCancel(ctx), cfg.Twilio429)
			rep.event("twilio: the API accepts messages again")
		}()
	}
	wg.Wait()
}

func getJSON(c *http.Client, url string) json.RawMessage {
	resp, err := c.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || !json.Valid(b) {
		return nil
	}
	return b
}

// nextFridayEvening is 21:00 in São Paulo on the Friday after the next (as the runner's end
// to end tests): the demo pizzeria takes orders then, until 01:00.
func nextFridayEvening() time.Time {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		sp = time.FixedZone("BRT", -3*3600)
	}
	t := time.Now().In(sp)
	for t.Weekday() != time.Friday {
		t = t.AddDate(0, 0, 1)
	}
	return time.Date(t.Year(), t.Month(), t.Day()+7, 21, 0, 0, 0, sp)
}
