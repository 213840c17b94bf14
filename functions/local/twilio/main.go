// Command twilio is a local Twilio: it speaks the part of Twilio's REST API the platform calls
// (creating a Message, shared/twilio/twiliotest) on 127.0.0.1, accepts the demo brands'
// credentials (shared/dev/demo), records every message it accepts with the time it arrived,
// and can be told to fail for a while, as Twilio does in an incident. The local runner sends
// to it when started with WABOT_TWILIO_API_URL=http://127.0.0.1:<port>; `make load` starts
// one of its own.
//
//	go run ./functions/local/twilio -port 4599
//
// Besides Twilio's API (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth)
// it serves a control API for the load driver, on the same port:
//
//	GET    /local/messages?after=N&wait=2s  messages N+1.. (long poll up to wait), as
//	                                        {"next":M,"messages":[{seq,sid,accountSid,to,from,body,at}]}
//	POST   /local/fail {"status":500,"code":20500,"message":"...","seconds":30}
//	                                        answer every send with that error, for seconds (0: until DELETE)
//	DELETE /local/fail                      accept sends again
//	GET    /local/stats                     {"requests":N,"byStatus":{"201":..,"500":..},"messages":M,"failing":{...}}
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

func main() {
	port := flag.Int("port", 4599, "TCP port on 127.0.0.1")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, *port); err != nil {
		log.Error("local twilio stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	l := newLocal()
	srv := &http.Server{Handler: l.handler(), ReadHeaderTimeout: 5 * time.Second}
	log.Info("local twilio listening", "url", "http://"+ln.Addr().String(), "accounts", len(demo.Tenants()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// local is the Twilio server with its control API.
type local struct {
	tw *twiliotest.Server

	mu    sync.Mutex
	timer *time.Timer // ends the current failure
	gen   int         // generation of the failure, so an old timer does not end a new one
}

func newLocal() *local {
	tw := twiliotest.NewLocal()
	for _, t := range demo.Tenants() {
		tw.AddAccountWith(t.Twilio.AccountSID, t.Twilio.AuthToken)
	}
	return &local{tw: tw}
}

// message is one accepted message as the control API returns it.
type message struct {
	Seq        int       `json:"seq"` // 1-based position among the accepted messages
	SID        string    `json:"sid"`
	AccountSID string    `json:"accountSid"`
	To         string    `json:"to"`
	From       string    `json:"from"`
	Body       string    `json:"body"`
	At         time.Time `json:"at"` // when it was accepted, to the nanosecond
}

type failRequest struct {
	Status  int     `json:"status"`
	Code    int     `json:"code"`
	Message string  `json:"message"`
	Seconds float64 `json:"seconds"`
}

func (l *local) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/2010-04-01/", l.tw)
	mux.HandleFunc("GET /local/messages", l.messages)
	mux.HandleFunc("POST /local/fail", l.fail)
	mux.HandleFunc("DELETE /local/fail", func(w http.ResponseWriter, _ *http.Request) {
		l.setFailure(nil, 0)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /local/stats", func(w http.ResponseWriter, _ *http.Request) {
		total, by := l.tw.RequestCount()
		byStatus := map[string]int{}
		for k, v := range by {
			byStatus[strconv.Itoa(k)] = v
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"requests": total, "byStatus": byStatus, "messages": len(l.tw.Messages()), "failing": l.tw.Failing(),
		})
	})
	return mux
}

func (l *local) messages(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.Atoi(r.URL.Query().Get("after"))
	if r.URL.Query().Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil || after < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "after must be a count of messages already read"})
		return
	}
	wait := time.Duration(0)
	if v := r.URL.Query().Get("wait"); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait < 0 || wait > 30*time.Second {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "wait must be a duration up to 30s"})
			return
		}
	}
	deadline := time.Now().Add(wait)
	var got []twiliotest.Message
	for {
		got = l.tw.MessagesFrom(after)
		if len(got) > 0 || !time.Now().Before(deadline) || r.Context().Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := make([]message, len(got))
	for i, m := range got {
		out[i] = message{Seq: after + i + 1, SID: m.SID, AccountSID: m.AccountSID, To: m.To, From: m.From, Body: m.Body, At: m.Received}
	}
	writeJSON(w, http.StatusOK, map[string]any{"next": after + len(out), "messages": out})
}

func (l *local) fail(w http.ResponseWriter, r *http.Request) {
	var req failRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
		return
	}
	if req.Status < 400 || req.Status > 599 || req.Seconds < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "status must be 4xx or 5xx and seconds not negative"})
		return
	}
	f := twiliotest.Failure{Status: req.Status, Code: req.Code, Message: req.Message}
	switch {
	case f.Code == 0 && f.Status == twiliotest.InternalError.Status:
		f = twiliotest.InternalError
	case f.Code == 0 && f.Status == twiliotest.TooManyRequests.Status:
		f = twiliotest.TooManyRequests
	case f.Message == "":
		f.Message = fmt.Sprintf("local failure %d", f.Status)
	}
	l.setFailure(&f, time.Duration(req.Seconds*float64(time.Second)))
	writeJSON(w, http.StatusOK, f)
}

// setFailure makes the server answer f (nil: accept again), for d when d > 0.
func (l *local) setFailure(f *twiliotest.Failure, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.tw.Fail(f)
	if f != nil && d > 0 {
		gen := l.gen
		l.timer = time.AfterFunc(d, func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.gen == gen {
				l.tw.Fail(nil)
			}
		})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
