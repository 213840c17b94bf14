package twiliohook_test

import (
	"errors"
	"testing"

	"github.com/wabot-platform/wabot/shared/directory"
	"github.com/wabot-platform/wabot/shared/edge/twiliohook"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

// meteredEnv is newEnv's handler with a recorder.
func meteredEnv(t *testing.T) (*env, *metrics.Memory) {
	t.Helper()
	e := newEnv(t, base)
	dir, err := directory.New(directory.Deps{Clients: e.clients})
	if err != nil {
		t.Fatal(err)
	}
	rec := &metrics.Memory{}
	if e.h, err = twiliohook.New(twiliohook.Deps{Brands: dir, Credentials: fakeCreds{}, Idempotency: e.idem,
		Queue: e.queue, PublicBaseURL: base, Metrics: rec}); err != nil {
		t.Fatal(err)
	}
	return e, rec
}

// A message queued counts MessagesIn for its brand, once: not a refused delivery, not a
// repeated one, not one that could not be queued.
func TestMessagesInCounted(t *testing.T) {
	e, rec := meteredEnv(t)
	good := params(sid("1"), "Olá")
	sig := twiliotest.Sign(token, base+"/webhooks/twilio", good)
	if r := post(e, form(good), "bad"); r.Code != 403 {
		t.Fatalf("bad signature answered %d", r.Code)
	}
	if len(rec.Points()) != 0 {
		t.Fatalf("a refused delivery was counted: %+v", rec.Points())
	}
	if r := post(e, form(good), sig); r.Code != 200 {
		t.Fatalf("answered %d", r.Code)
	}
	if r := post(e, form(good), sig); r.Code != 503 {
		t.Fatalf("a repeated delivery answered %d", r.Code)
	}
	e.queue.FailWith(errors.New("sqs unavailable"))
	other := params(sid("2"), "oi")
	if r := post(e, form(other), twiliotest.Sign(token, base+"/webhooks/twilio", other)); r.Code != 500 {
		t.Fatalf("a queue failure answered %d", r.Code)
	}
	want := []metrics.Point{{Name: metrics.MessagesIn, Value: 1, Dims: metrics.Dims{ClientID: "demo-pizzaria"}}}
	if got := rec.Points(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("points %+v, want %+v", got, want)
	}
}
