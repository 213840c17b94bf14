package localoutbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/localoutbox"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
)

const (
	brand  = "demo-pizzaria"
	brandN = "whatsapp:+5511990000001"
	maria  = "whatsapp:+5511987654321"
	joao   = "whatsapp:+5521912345678"
)

func newOutbox(t *testing.T, opts ...localoutbox.Option) *localoutbox.Outbox {
	t.Helper()
	o, err := localoutbox.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func send(t *testing.T, o *localoutbox.Outbox, to, body string) string {
	t.Helper()
	sid, err := o.Send(context.Background(), domain.OutboundMessage{ClientID: brand, From: brandN, To: to, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

func bodies(es []localoutbox.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Body)
	}
	return out
}

func TestSendAndList(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	o := newOutbox(t, localoutbox.WithClock(clock.Now))
	sids := map[string]bool{}
	for i, to := range []string{maria, joao, maria, maria} {
		clock.Advance(time.Second)
		sid := send(t, o, to, fmt.Sprint("m", i))
		if !regexp.MustCompile(`^SMlocal[0-9a-f]{27}$`).MatchString(sid) {
			t.Errorf("sid %q: want SMlocal and 27 hex digits (Twilio's length)", sid)
		}
		sids[sid] = true
	}
	if len(sids) != 4 {
		t.Errorf("%d distinct SIDs for 4 messages", len(sids))
	}
	if got := bodies(o.List(maria)); strings.Join(got, ",") != "m0,m2,m3" {
		t.Errorf("List(maria) = %v, want m0,m2,m3 (oldest first)", got)
	}
	if got := bodies(o.List(joao)); strings.Join(got, ",") != "m1" {
		t.Errorf("List(joao) = %v", got)
	}
	if got := bodies(o.List("")); strings.Join(got, ",") != "m0,m1,m2,m3" {
		t.Errorf("List(\"\") = %v", got)
	}
	if got := o.List("whatsapp:+5511000000000"); got != nil {
		t.Errorf("List(nobody) = %v", got)
	}
	if got := o.List("not an address"); got != nil {
		t.Errorf("List(garbage) = %v", got)
	}
	e := o.List(joao)[0]
	want := localoutbox.Entry{SID: e.SID, ClientID: brand, To: joao, From: brandN, Body: "m1", At: clock.Now().Add(-2 * time.Second)}
	if fmt.Sprint(e) != fmt.Sprint(want) {
		t.Errorf("entry = %+v, want %+v", e, want)
	}
}

// Addresses are kept in canonical form and found by any spelling of them.
func TestCanonicalAddresses(t *testing.T) {
	t.Parallel()
	o := newOutbox(t)
	if _, err := o.Send(context.Background(), domain.OutboundMessage{ClientID: brand, From: "WhatsApp:+5511990000001", To: " WHATSAPP:+5511987654321", Body: "oi"}); err != nil {
		t.Fatal(err)
	}
	es := o.List("Whatsapp:+5511987654321")
	if len(es) != 1 || es[0].To != maria || es[0].From != brandN {
		t.Fatalf("List = %+v", es)
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	o := newOutbox(t)
	vars := map[string]string{"1": "Maria"}
	if _, err := o.Send(context.Background(), domain.OutboundMessage{ClientID: brand, From: brandN, To: maria, ContentSID: "HXabc", ContentVariables: vars}); err != nil {
		t.Fatal(err)
	}
	vars["1"] = "changed by the caller"
	e := o.List(maria)[0]
	if e.ContentSID != "HXabc" || e.ContentVariables["1"] != "Maria" || e.Body != "" {
		t.Fatalf("entry = %+v", e)
	}
	e.ContentVariables["1"] = "changed by a reader"
	if o.List(maria)[0].ContentVariables["1"] != "Maria" {
		t.Error("a reader changed the stored entry")
	}
}

func TestBound(t *testing.T) {
	t.Parallel()
	o := newOutbox(t, localoutbox.WithMax(3))
	for i := range 8 {
		to := maria
		if i%2 == 1 {
			to = joao
		}
		send(t, o, to, fmt.Sprint("m", i))
	}
	if o.Len() != 3 {
		t.Errorf("Len = %d, want 3", o.Len())
	}
	if got := strings.Join(bodies(o.List("")), ","); got != "m5,m6,m7" {
		t.Errorf("List = %s, want the 3 newest, oldest first", got)
	}
	if got := strings.Join(bodies(o.List(maria)), ","); got != "m6" {
		t.Errorf("List(maria) = %s", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	const writers, each, max = 16, 50, 500
	o := newOutbox(t, localoutbox.WithMax(max))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			to := fmt.Sprintf("whatsapp:+55119%08d", w)
			for i := range each {
				send(t, o, to, fmt.Sprint(i))
			}
		})
		wg.Go(func() {
			for range each {
				_ = o.List(maria)
				_ = o.List("")
			}
		})
	}
	wg.Wait()
	all := o.List("")
	if len(all) != max {
		t.Fatalf("%d kept, want %d", len(all), max)
	}
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.SID] {
			t.Fatalf("SID %s twice", e.SID)
		}
		seen[e.SID] = true
	}
	// Each writer's messages stay in its own order.
	last := map[string]int{}
	for _, e := range all {
		var n int
		fmt.Sscan(e.Body, &n)
		if prev, ok := last[e.To]; ok && n <= prev {
			t.Fatalf("%s: %d after %d", e.To, n, prev)
		}
		last[e.To] = n
	}
}

func TestInvalidMessages(t *testing.T) {
	t.Parallel()
	o := newOutbox(t)
	cases := map[string]domain.OutboundMessage{
		"no content":             {ClientID: brand, From: brandN, To: maria},
		"body and template":      {ClientID: brand, From: brandN, To: maria, Body: "x", ContentSID: "HX1"},
		"variables, no template": {ClientID: brand, From: brandN, To: maria, Body: "x", ContentVariables: map[string]string{"1": "a"}},
		"To without whatsapp:":   {ClientID: brand, From: brandN, To: "+5511987654321", Body: "x"},
		"From not E.164":         {ClientID: brand, From: "whatsapp:123", To: maria, Body: "x"},
		"no client":              {From: brandN, To: maria, Body: "x"},
	}
	for name, m := range cases {
		if _, err := o.Send(context.Background(), m); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Send(ctx, domain.OutboundMessage{ClientID: brand, From: brandN, To: maria, Body: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if o.Len() != 0 {
		t.Errorf("%d messages kept", o.Len())
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := localoutbox.New(localoutbox.WithMax(0)); err == nil {
		t.Error("a zero bound was accepted")
	}
	if _, err := localoutbox.New(localoutbox.WithClock(nil)); err == nil {
		t.Error("a nil clock was accepted")
	}
}

// The log line names the message without its body or the full number.
func TestLogNoBody(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	o := newOutbox(t, localoutbox.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	send(t, o, maria, "segredo do pedido")
	line := buf.String()
	if !strings.Contains(line, domain.Mask(maria)) || strings.Contains(line, "segredo") || strings.Contains(line, "+5511987654321") {
		t.Errorf("log line %q", line)
	}
}

// get calls the handler with a raw query string.
func get(t *testing.T, o *localoutbox.Outbox, method, rawQuery string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, localoutbox.Path+"?"+rawQuery, nil)
	w := httptest.NewRecorder()
	o.Handler().ServeHTTP(w, r)
	return w
}

func TestHandlerList(t *testing.T) {
	t.Parallel()
	clock := domaintest.NewClock()
	o := newOutbox(t, localoutbox.WithClock(clock.Now))
	send(t, o, maria, "primeira")
	clock.Advance(time.Minute)
	send(t, o, joao, "para outro")
	send(t, o, maria, "segunda")

	for name, q := range map[string]string{
		"encoded +":             "to=whatsapp%3A%2B5511987654321",
		"+ encoded, : not":      "to=whatsapp:%2B5511987654321",
		"bare + (a space)":      "to=whatsapp:+5511987654321",
		"upper-case prefix":     "to=WHATSAPP:%2B5511987654321",
		"other parameters kept": "x=1&to=whatsapp:%2B5511987654321",
	} {
		w := get(t, o, http.MethodGet, q)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s", name, w.Code, w.Header().Get("Content-Type"))
		}
		var got []map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 2 || got[0]["body"] != "primeira" || got[1]["body"] != "segunda" {
			t.Fatalf("%s: %v, want maria's two messages oldest first", name, got)
		}
		for _, k := range []string{"to", "from", "body", "at", "sid"} {
			if _, ok := got[0][k]; !ok {
				t.Errorf("%s: field %q missing from %v", name, k, got[0])
			}
		}
		if got[0]["to"] != maria || got[0]["from"] != brandN {
			t.Errorf("%s: to/from = %v/%v", name, got[0]["to"], got[0]["from"])
		}
		if _, ok := got[0]["contentSid"]; ok {
			t.Errorf("%s: contentSid present on a text message", name)
		}
		at, err := time.Parse(time.RFC3339, got[0]["at"].(string))
		if err != nil || !at.Equal(clock.Now().Add(-time.Minute)) {
			t.Errorf("%s: at = %v (%v), want RFC 3339 %v", name, got[0]["at"], err, clock.Now().Add(-time.Minute))
		}
	}
}

func TestHandlerEmptyIsArray(t *testing.T) {
	t.Parallel()
	o := newOutbox(t)
	w := get(t, o, http.MethodGet, "to=whatsapp:%2B5511987654321")
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "[]" {
		t.Fatalf("%d %q, want 200 []", w.Code, w.Body.String())
	}
}

func TestHandlerProblems(t *testing.T) {
	t.Parallel()
	o := newOutbox(t)
	cases := []struct {
		name, method, query string
		status              int
	}{
		{"no to", http.MethodGet, "", http.StatusBadRequest},
		{"empty to", http.MethodGet, "to=", http.StatusBadRequest},
		{"bare number", http.MethodGet, "to=%2B5511987654321", http.StatusBadRequest},
		{"not E.164", http.MethodGet, "to=whatsapp:%2B0123", http.StatusBadRequest},
		{"letters", http.MethodGet, "to=whatsapp:maria", http.StatusBadRequest},
		{"two spaces", http.MethodGet, "to=whatsapp:++5511987654321", http.StatusBadRequest},
		{"POST", http.MethodPost, "to=whatsapp:%2B5511987654321", http.StatusMethodNotAllowed},
	}
	for _, c := range cases {
		w := get(t, o, c.method, c.query)
		if w.Code != c.status || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem+json", c.name, w.Code, w.Header().Get("Content-Type"), c.status)
			continue
		}
		var p map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if p["type"] != "about:blank" || p["title"] != http.StatusText(c.status) || p["status"] != float64(c.status) || p["detail"] == "" {
			t.Errorf("%s: problem %v", c.name, p)
		}
		if strings.Contains(w.Body.String(), "5511987654321") {
			t.Errorf("%s: the number is echoed unmasked: %s", c.name, w.Body.String())
		}
	}
	if w := get(t, o, http.MethodPost, "to=whatsapp:%2B5511987654321"); w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("405 without Allow: %v", w.Header())
	}
}
