package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Runtime API paths (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
const (
	pathNext      = "/2018-06-01/runtime/invocation/next"
	pathResponse  = "/2018-06-01/runtime/invocation/{id}/response"
	pathError     = "/2018-06-01/runtime/invocation/{id}/error"
	pathInitError = "/2018-06-01/runtime/init/error"
)

// Outcome is what the function posted back.
type Outcome struct {
	Kind      string // "response", "error" or "init error"
	ID        string // the invocation's request id ("" for an init error)
	Body      []byte
	At        time.Time // when the post arrived
	HandedOut time.Time // when its event was handed out
}

// runtimeAPI serves Lambda's Runtime API on a loopback port for one process: it hands out
// its events in order, one per GET .../next, then holds the next GET until it is closed.
type runtimeAPI struct {
	ln       net.Listener
	srv      *http.Server
	events   chan event
	outcomes chan Outcome
	closed   chan struct{}

	mu        sync.Mutex
	firstNext time.Time
	handedOut map[string]time.Time
	seq       int
}

func startRuntimeAPI(evs []event) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &runtimeAPI{ln: ln, events: make(chan event, len(evs)), outcomes: make(chan Outcome, len(evs)+2),
		closed: make(chan struct{}), handedOut: map[string]time.Time{}}
	for _, e := range evs {
		a.events <- e
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathNext, a.next)
	mux.HandleFunc("POST "+pathResponse, a.post("response"))
	mux.HandleFunc("POST "+pathError, a.post("error"))
	mux.HandleFunc("POST "+pathInitError, a.post("init error"))
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

// Addr is what AWS_LAMBDA_RUNTIME_API holds: host:port.
func (a *runtimeAPI) Addr() string { return a.ln.Addr().String() }

// FirstNext is when the process first asked for an event: its initialisation was over.
func (a *runtimeAPI) FirstNext() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.firstNext
}

// Close stops serving; a GET .../next still waiting is answered with an error.
func (a *runtimeAPI) Close() {
	close(a.closed)
	_ = a.srv.Close()
}

func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	if a.firstNext.IsZero() {
		a.firstNext = time.Now()
	}
	a.mu.Unlock()
	var e event
	select {
	case e = <-a.events:
	case <-a.closed:
		http.Error(w, "shutting down", http.StatusGone)
		return
	case <-r.Context().Done():
		return
	}
	a.mu.Lock()
	a.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", a.seq)
	now := time.Now()
	a.handedOut[id] = now
	a.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(now.Add(e.timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:"+region+":000000000000:function:"+e.function)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(e.payload)
}

func (a *runtimeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
		if err != nil && !errors.Is(err, io.EOF) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := r.PathValue("id")
		a.mu.Lock()
		handed := a.handedOut[id]
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
		a.outcomes <- Outcome{Kind: kind, ID: id, Body: body, At: at, HandedOut: handed}
	}
}
