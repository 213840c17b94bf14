package domaintest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// The in-memory Idempotency keeps the contract the DynamoDB implementation is held to.
func TestIdempotency(t *testing.T) {
	newRepos := func(t *testing.T, s Setup) Repos { return Repos{Idempotency: NewIdempotency(s.Now)} }
	for name, fn := range map[string]func(*testing.T, Factory){
		"idempotency-claim":     testIdempotencyClaim,
		"idempotency-two-phase": testIdempotencyTwoPhase,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newRepos)
		})
	}
}

func TestIdempotencyRefuses(t *testing.T) {
	clock := NewClockAt(time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC))
	f := NewIdempotency(clock.Now)
	ctx := domain.NewContextWithTenant(context.Background(), Pizzaria)
	calls := []struct {
		name, code string
		call       func() error
	}{
		{"Claim without a tenant", domain.EFORBIDDEN, func() error {
			_, err := f.Claim(context.Background(), Pizzaria, "k", time.Hour)
			return err
		}},
		{"Begin of another tenant", domain.EFORBIDDEN, func() error {
			_, err := f.Begin(ctx, Burger, "k", time.Second, time.Hour)
			return err
		}},
		{"Complete of another tenant", domain.EFORBIDDEN, func() error { return f.Complete(ctx, Burger, []string{"k"}, time.Hour) }},
		{"Lookup of another tenant", domain.EFORBIDDEN, func() error { _, err := f.Lookup(ctx, Burger, "k"); return err }},
		{"Release of another tenant", domain.EFORBIDDEN, func() error { return f.Release(ctx, Burger, "k") }},
		{"Begin empty key", domain.EINVALID, func() error { _, err := f.Begin(ctx, Pizzaria, "", time.Second, time.Hour); return err }},
		{"Lookup long key", domain.EINVALID, func() error {
			_, err := f.Lookup(ctx, Pizzaria, strings.Repeat("k", domain.MaxIdempotencyKey+1))
			return err
		}},
		{"Begin zero lease", domain.EINVALID, func() error { _, err := f.Begin(ctx, Pizzaria, "k", 0, time.Hour); return err }},
		{"Claim zero ttl", domain.EINVALID, func() error { _, err := f.Claim(ctx, Pizzaria, "k", 0); return err }},
		{"Complete zero ttl", domain.EINVALID, func() error { return f.Complete(ctx, Pizzaria, []string{"k"}, 0) }},
		{"Complete too many", domain.EINVALID, func() error {
			keys := make([]string, domain.MaxCompleteKeys+1)
			for i := range keys {
				keys[i] = fmt.Sprint("k", i)
			}
			return f.Complete(ctx, Pizzaria, keys, time.Hour)
		}},
		{"Complete with one empty key", domain.EINVALID, func() error { return f.Complete(ctx, Pizzaria, []string{"k", ""}, time.Hour) }},
	}
	for _, c := range calls {
		wantCode(t, c.call(), c.code, c.name)
	}
	if keys := f.Keys(); len(keys) != 0 {
		t.Errorf("refused calls wrote %v", keys)
	}
	if got := f.Begun(); len(got) != 3 {
		t.Errorf("Begun() = %q, want the 3 Begin calls made", got)
	}
}

func TestIdempotencyFailWith(t *testing.T) {
	clock := NewClockAt(time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC))
	f := NewIdempotency(clock.Now)
	ctx := domain.NewContextWithTenant(context.Background(), Pizzaria)
	if st, err := f.Begin(ctx, Pizzaria, "k", 10*time.Second, time.Hour); err != nil || st != domain.ClaimTaken {
		t.Fatalf("Begin = %v, %v", st, err)
	}
	rec, ok := f.Record(Pizzaria, "k")
	if !ok || rec.State != domain.ClaimInProgress || !rec.LeaseUntil.Equal(clock.Now().Add(10*time.Second)) || !rec.Expires.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("record %+v %v", rec, ok)
	}
	// The lease runs out strictly after its end, as DynamoDB's condition says.
	clock.Advance(10 * time.Second)
	if st, _ := f.Begin(ctx, Pizzaria, "k", 10*time.Second, time.Hour); st != domain.ClaimInProgress {
		t.Errorf("Begin at the lease's end = %v, want in progress", st)
	}
	down := errors.New("dynamodb throttled")
	f.FailWith(down)
	if _, err := f.Begin(ctx, Pizzaria, "k2", time.Second, time.Hour); !errors.Is(err, down) {
		t.Errorf("Begin while failing: %v", err)
	}
	if err := f.Release(ctx, Pizzaria, "k"); !errors.Is(err, down) {
		t.Errorf("Release while failing: %v", err)
	}
	f.FailWith(nil)
	if got := f.Keys(); len(got) != 1 || got[0] != Pizzaria+"/k" {
		t.Errorf("Keys() = %q", got)
	}
}

func TestQueue(t *testing.T) {
	var q Queue
	m := domain.InboundMessage{ClientID: Pizzaria, From: Customer, MessageSid: "SM1"}
	for name, ctx := range map[string]context.Context{
		"no tenant":      context.Background(),
		"platform scope": domain.NewPlatformContext(context.Background()),
		"another tenant": domain.NewContextWithTenant(context.Background(), Burger),
	} {
		wantCode(t, q.Enqueue(ctx, m), domain.EFORBIDDEN, "Enqueue with "+name)
	}
	ctx := domain.NewContextWithTenant(context.Background(), Pizzaria)
	down := errors.New("sqs down")
	q.FailWith(down)
	if err := q.Enqueue(ctx, m); !errors.Is(err, down) {
		t.Errorf("Enqueue while failing: %v", err)
	}
	q.FailWith(nil)
	other := m
	other.From, other.MessageSid = "whatsapp:+5511911112222", "SM2"
	for _, msg := range []domain.InboundMessage{m, other, m} {
		if err := q.Enqueue(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if q.Len() != 3 || len(q.Messages()) != 3 {
		t.Errorf("Len() = %d, Messages() = %+v: want every message, repeats too", q.Len(), q.Messages())
	}
	if g := q.Group(Pizzaria, Customer); len(g) != 2 || g[0].MessageSid != "SM1" || g[1].MessageSid != "SM1" {
		t.Errorf("Group() = %+v", g)
	}
}

func TestLogBuffer(t *testing.T) {
	var b LogBuffer
	log := slog.New(slog.NewJSONHandler(&b, nil))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Info("template missing", "event", "template.missing")
		}()
	}
	wg.Wait()
	log.Info("other", "event", "template.missing.not", "note", `"event":"template.missing"`)
	log.Info("nested", slog.Group("g", "event", "template.missing"))
	_, _ = b.Write([]byte("not json\n"))
	if got := b.Events("template.missing"); got != 8 {
		t.Errorf("Events() = %d, want 8:\n%s", got, b.String())
	}
	if !strings.Contains(b.String(), "not json") {
		t.Errorf("String() lost a write:\n%s", b.String())
	}
}
