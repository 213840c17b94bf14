package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestParsePolicy(t *testing.T) {
	p, err := parsePolicy("")
	if err != nil || p.RetryCount != 1 || !p.RetryOn["ct"] || p.RetryOn["5xx"] || p.TotalTime != 15*time.Second {
		t.Errorf("Twilio's defaults: %+v, %v", p, err)
	}
	p, err = parsePolicy(resourcenames.WebhookRetryFragment)
	if err != nil {
		t.Fatal(err)
	}
	if p.RetryCount != 3 || !p.RetryOn["5xx"] || !p.RetryOn["4xx"] || !p.RetryOn["ct"] || !p.RetryOn["rt"] ||
		p.ConnectTimeout != 2*time.Second || p.ReadTimeout != 5*time.Second {
		t.Errorf("the stack's fragment: %+v", p)
	}
	if p, _ := parsePolicy("#rp=all&rc=5"); !p.RetryOn["4xx"] || !p.RetryOn["rt"] || p.RetryCount != 5 {
		t.Errorf("rp=all: %+v", p)
	}
	for _, bad := range []string{"#rc=6", "#rp=5xx,weird", "#tt=20000", "#ct=50", "#rc=x"} {
		if _, err := parsePolicy(bad); err == nil {
			t.Errorf("parsePolicy(%q) accepted", bad)
		}
	}
}

func TestTwilioHookRetriesPerPolicy(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Twilio-Signature") == "" || r.FormValue("MessageSid") == "" {
			w.WriteHeader(400)
			return
		}
		if calls.Add(1) <= 2 {
			w.WriteHeader(500)
			return
		}
		_, _ = w.Write([]byte("<Response/>"))
	}))
	defer srv.Close()
	params := inboundParams(newSID(), "AC1", "whatsapp:+5511912345678", "whatsapp:+5511990000002", "hi", "x")

	// With rp=5xx a 500 is retried: the third attempt is accepted.
	p, _ := parsePolicy("#rc=3&rp=5xx")
	h := newTwilioHook(srv.URL, p)
	h.backoff = func(int) time.Duration { return time.Millisecond }
	d := h.deliver(context.Background(), "token", params)
	if !d.Accepted || len(d.Attempts) != 3 || d.Attempts[0].Status != 500 {
		t.Errorf("rp=5xx: %+v", d)
	}

	// Twilio's default (rp=ct) gives up on a 500 at once.
	calls.Store(0)
	p, _ = parsePolicy("")
	h = newTwilioHook(srv.URL, p)
	d = h.deliver(context.Background(), "token", params)
	if d.Accepted || len(d.Attempts) != 1 || d.Attempts[0].Class != "5xx" {
		t.Errorf("default policy on a 500: %+v", d)
	}

	// A refused connection is "ct", retried rc times, then given up.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	p, _ = parsePolicy("#rc=2&rp=ct")
	h = newTwilioHook(dead, p)
	h.backoff = func(int) time.Duration { return time.Millisecond }
	d = h.deliver(context.Background(), "token", params)
	if d.Accepted || len(d.Attempts) != 3 || d.Attempts[2].Class != "ct" {
		t.Errorf("refused connection: %+v", d)
	}

	// The total time bounds the retries: with tt=100ms and 1 s between attempts, one attempt.
	calls.Store(0)
	p, _ = parsePolicy("#rc=5&rp=5xx&tt=100")
	h = newTwilioHook(srv.URL, p)
	d = h.deliver(context.Background(), "token", params)
	if d.Accepted || len(d.Attempts) != 1 {
		t.Errorf("total time: %+v", d)
	}
}

func in(sid, body string) domain.HistoryEntry {
	return domain.HistoryEntry{Direction: domain.Inbound, MessageSid: sid, Body: body}
}
func out(body string) domain.HistoryEntry {
	return domain.HistoryEntry{Direction: domain.Outbound, Body: body}
}

func TestMergeSnapshots(t *testing.T) {
	s1 := []domain.HistoryEntry{in("SM1", "oi"), out("a"), in("SM2", "menu"), out("b")}
	// The window moved: SM1 dropped off, SM3 arrived.
	s2 := []domain.HistoryEntry{in("SM2", "menu"), out("b"), in("SM3", "1"), out("c")}
	tl, gaps, rewrites := mergeSnapshots([][]domain.HistoryEntry{s1, s2})
	if len(tl) != 6 || gaps != 0 || rewrites != 0 || tl[4].MessageSid != "SM3" {
		t.Errorf("timeline %v, gaps %d, rewrites %d", tl, gaps, rewrites)
	}
	// A window that shares nothing with the timeline leaves a gap.
	s3 := []domain.HistoryEntry{in("SM9", "x"), out("z")}
	if _, gaps, _ := mergeSnapshots([][]domain.HistoryEntry{s1, s3}); gaps != 1 {
		t.Errorf("gaps = %d, want 1", gaps)
	}
	// A history that changed behind the customer.
	s4 := []domain.HistoryEntry{in("SM2", "menu"), out("CHANGED")}
	if _, _, rewrites := mergeSnapshots([][]domain.HistoryEntry{s1, s4}); rewrites != 1 {
		t.Errorf("rewrites = %d, want 1", rewrites)
	}
}

// a customer's records: each message accepted at t0+i s, replies at Twilio 100 ms later.
type fixture struct {
	t0     time.Time
	ledger []*sent
	tw     []twMessage
}

func (f *fixture) send(sid, body string, at int) {
	t := f.t0.Add(time.Duration(at) * time.Second)
	f.ledger = append(f.ledger, &sent{SID: sid, Body: body, SentAt: t, Accepted: true, AcceptedAt: t.Add(10 * time.Millisecond)})
}

func (f *fixture) reply(body string, at int) {
	f.tw = append(f.tw, twMessage{Body: body, At: f.t0.Add(time.Duration(at)*time.Second + 100*time.Millisecond)})
}

func clean() (*fixture, []domain.HistoryEntry) {
	f := &fixture{t0: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	f.send("SM1", "oi", 0)
	f.reply("menu", 0)
	f.send("SM2", "2 pizzas", 1)
	f.send("SM3", "e uma coca", 1) // a burst: one turn, one reply
	f.reply("cart", 1)
	f.send("SM4", "sim", 2)
	f.reply("Pedido #ABC123 confirmado e enviado para a cozinha! Total", 2)
	h := []domain.HistoryEntry{in("SM1", "oi"), out("menu"), in("SM2", "2 pizzas"), in("SM3", "e uma coca"), out("cart"),
		in("SM4", "sim"), out("Pedido #ABC123 confirmado e enviado para a cozinha! Total")}
	return f, h
}

func TestCheckCustomerClean(t *testing.T) {
	f, h := clean()
	r := checkCustomer("p", f.ledger, [][]domain.HistoryEntry{h}, f.tw, nil)
	if r.failures() != 0 || r.Accepted != 4 || r.RepliesExpected != 3 || len(r.Latencies) != 3 || r.Evidence != nil {
		t.Errorf("clean customer: %+v", r)
	}
	if len(r.OrdersToPOS) != 1 || r.OrdersToPOS[0] != "ABC123" {
		t.Errorf("orders to the POS %v", r.OrdersToPOS)
	}
	if r.Latencies[0] != 90*time.Millisecond {
		t.Errorf("latency %s, want 90ms (acceptance to reply)", r.Latencies[0])
	}
}

func TestCheckCustomerFindsFaults(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry
		check  func(r customerCheck) bool
	}{
		{"an accepted message missing", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			return append(h[:3:3], h[4:]...) // SM3 not recorded
		}, func(r customerCheck) bool { return len(r.Lost) == 1 && r.Lost[0] == "SM3" }},
		{"a message recorded twice", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			return append(h, in("SM4", "sim"), out("again"))
		}, func(r customerCheck) bool { return len(r.Duplicated) == 1 && r.RepliesLost == 1 }},
		{"messages recorded out of order", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			h[2], h[3] = h[3], h[2]
			return h
		}, func(r customerCheck) bool { return len(r.Reordered) == 1 && r.Reordered[0] == "SM3" }},
		{"a turn without a reply", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			f.send("SM5", "oi?", 3)
			return append(h, in("SM5", "oi?"))
		}, func(r customerCheck) bool { return r.Unanswered == 1 }},
		{"a reply sent twice", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			f.reply("cart", 3)
			return h
		}, func(r customerCheck) bool { return r.RepliesDuplicated == 1 }},
		{"a reply never sent", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			f.tw = f.tw[:2]
			return h
		}, func(r customerCheck) bool { return r.RepliesLost == 1 }},
		{"replies out of order", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			// The burst answered as two turns, whose replies reach Twilio swapped.
			h = append(h[:3:3], out("cart 1"), in("SM3", "e uma coca"), out("cart 2"), h[5], h[6])
			f.tw = []twMessage{f.tw[0], {Body: "cart 2", At: f.t0.Add(1200 * time.Millisecond)},
				{Body: "cart 1", At: f.t0.Add(1300 * time.Millisecond)}, f.tw[2]}
			return h
		}, func(r customerCheck) bool { return r.RepliesReordered == 1 && r.RepliesLost == 0 }},
		{"a reply recorded nowhere", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			f.reply("something else", 2)
			return h
		}, func(r customerCheck) bool { return r.RepliesUnexpected == 1 }},
		{"a reply before its message was sent", func(f *fixture, h []domain.HistoryEntry) []domain.HistoryEntry {
			f.tw[1].At = f.t0.Add(500 * time.Millisecond) // before SM3 was sent
			return h
		}, func(r customerCheck) bool { return r.RepliesUnexpected == 1 && r.RepliesLost == 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, h := clean()
			h = c.mutate(f, h)
			r := checkCustomer("p", f.ledger, [][]domain.HistoryEntry{h}, f.tw, nil)
			if !c.check(r) || r.failures() == 0 || r.Evidence == nil {
				t.Errorf("%+v", r)
			}
		})
	}
}

func TestCheckCustomerPIX(t *testing.T) {
	f := &fixture{t0: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	f.send("SM1", "sim", 0)
	f.reply("Pedido #PIX1 registrado! Total: R$ 10,00.", 0)
	f.send("SM2", "sim", 5)
	f.reply("Pedido #PIX2 registrado! Total: R$ 10,00.", 5)
	h := []domain.HistoryEntry{in("SM1", "sim"), out("Pedido #PIX1 registrado! Total: R$ 10,00."), in("SM2", "sim"), out("Pedido #PIX2 registrado! Total: R$ 10,00.")}
	paid := []paidOrder{{OrderID: "PIX1", Status: 200}}
	// Paid, but the customer was never told.
	r := checkCustomer("p", f.ledger, [][]domain.HistoryEntry{h}, f.tw, paid)
	if r.NotificationsLost != 1 || len(r.OrdersToPOS) != 1 || r.OrdersToPOS[0] != "PIX1" || len(r.OrdersNotToPOS) != 1 {
		t.Errorf("%+v", r)
	}
	f.reply("✅ Pagamento recebido! Seu pedido #PIX1 foi enviado para a cozinha.", 2)
	if r := checkCustomer("p", f.ledger, [][]domain.HistoryEntry{h}, f.tw, paid); r.failures() != 0 {
		t.Errorf("told once: %+v", r)
	}
	f.reply("✅ Pagamento recebido! Seu pedido #PIX1 foi enviado para a cozinha.", 3)
	f.reply("✅ Payment received! Your order #PIX2 has been sent to the kitchen.", 6)
	if r := checkCustomer("p", f.ledger, [][]domain.HistoryEntry{h}, f.tw, paid); r.NotificationsDuplicated != 1 || r.NotificationsUnexpected != 1 {
		t.Errorf("told twice, and of an order not paid: %+v", r)
	}
}

func TestCheckPOS(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	rec := func(id, msg, dedup string, at time.Duration) posRecord {
		return posRecord{Store: "demo-burger/vila-madalena", ClientID: "demo-burger", StoreID: "vila-madalena", OrderID: id,
			MessageID: msg, DedupID: dedup, EventType: "ORDER_CONFIRMED", At: t0.Add(at)}
	}
	toPOS := map[string]string{"A": "demo-burger", "B": "demo-burger", "C": "demo-burger", "D": "demo-burger"}
	recs := []posRecord{
		rec("A", "m1", "A:c", 0),
		rec("B", "m2", "B:c", 0), rec("B", "m3", "B:c", time.Minute), // SQS would drop the second
		rec("C", "m4", "C:c", 0), rec("C", "m5", "C:other", time.Minute), // a second publication
		rec("E", "m6", "E:c", 0), // never confirmed to a customer
	}
	wrong := rec("D", "m7", "D:c", 0)
	wrong.Store = "demo-pizzaria/centro"
	recs = append(recs, wrong)
	p := checkPOS(toPOS, map[string]bool{"E": true}, recs, 2)
	if len(p.Lost) != 0 || len(p.Doubled) != 1 || p.DedupRepeats != 1 || len(p.Unexpected) != 1 || len(p.Misrouted) != 1 || p.Redeliveries != 2 {
		t.Errorf("%+v", p)
	}
	p = checkPOS(map[string]string{"Z": "demo-burger"}, nil, nil, 0)
	if len(p.Lost) != 1 || p.failures() != 1 {
		t.Errorf("lost: %+v", p)
	}
}

func TestCheckDLQ(t *testing.T) {
	injected := []poison{{Kind: "a", Body: "p1"}, {Kind: "b", Body: "p2"}}
	d := checkDLQ(injected, []dlqMessage{{Body: "p1", Attrs: map[string]string{"wabotErrorClass": "permanent"}}, {Body: "real customer message"}})
	if d.Parked != 1 || len(d.Missing) != 1 || len(d.Others) != 1 || d.Classes["permanent"] != 1 || d.failures() != 2 {
		t.Errorf("%+v", d)
	}
	if d := checkDLQ(injected, []dlqMessage{{Body: "p2"}, {Body: "p1"}}); d.failures() != 0 || d.Parked != 2 {
		t.Errorf("%+v", d)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if percentile(ds, 50) != 50*time.Millisecond || percentile(ds, 99) != 99*time.Millisecond || percentile(ds, 100) != 100*time.Millisecond {
		t.Errorf("p50 %s p99 %s", percentile(ds, 50), percentile(ds, 99))
	}
	if percentile(nil, 50) != 0 || percentile(ds[:1], 99) != time.Millisecond {
		t.Error("edge cases")
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-duration", "10m", "-customers", "40", "-faults", "restart,twilio,poison"})
	if err != nil || !c.Faults[faultRestart] || !c.Faults[faultTwilio] || !c.Faults[faultPoison] || c.Seed == 0 {
		t.Errorf("%+v, %v", c, err)
	}
	for _, bad := range [][]string{{"-faults", "fire"}, {"-duration", "2h"}, {"-customers", "0"}, {"-restart-at", "1.5"}, {"-fragment", "#rc=9"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}
