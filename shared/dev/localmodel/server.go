// Package localmodel is the local model stand-in: the local stack's and the tests' Amazon
// Bedrock Runtime. It speaks Converse's wire format (restJson1: POST
// /model/{modelId}/converse with {"messages","system","inferenceConfig","toolConfig"},
// answers {"output":{"message"},"stopReason","usage","metrics"}, errors as a status code,
// the X-Amzn-ErrorType header and {"message"}), so the real AWS SDK client, and the
// platform's adapter over it (package bedrock), talk to it unchanged once the Bedrock
// Runtime endpoint points here. It reads requests with its own wire types, never the SDK's,
// so a client that writes a member wrong is caught rather than agreed with.
//
// What answers is a Brain: Script (canned turns, for tests) here; the engine's rules brain
// elsewhere. The Server does what is the same for every brain:
//
//   - it validates the request as Bedrock does, in part: a known model id (WithModels), at
//     least one message, the conversation starting with a user turn and alternating roles,
//     every content block with exactly one member it knows, each toolResult answering a
//     toolUse of the assistant turn just before it and each toolUse answered by the next
//     user turn, a toolConfig whenever tool blocks are present, tool names as Bedrock
//     allows them, input schemas that are JSON objects. A broken request is a 400
//     ValidationException, an unknown model a 404 ResourceNotFoundException;
//   - it completes the Brain's answer: the role, an id for each tool call without one
//     ("tu-1", "tu-2", ... counting per Server), the stop reason when the Brain left it
//     empty (tool_use when the answer calls a tool, end_turn otherwise), the latency;
//   - it measures the usage itself, overriding whatever the Brain set, with a token
//     estimate and a simulation of the prompt cache (see Tokens and CacheTTL): every brain
//     is measured the same way.
//
// A test also drives failures through it: Throttle (429 ThrottlingException), Stall (a late
// answer) and Malformed (a 200 the client cannot read), and reads what arrived with
// Requests.
//
// It logs nothing: prompts and answers carry customers' messages.
package localmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Brain answers a Converse call. modelID is the model of the call (unescaped from the
// path). Answer may be called concurrently. An error of type *Error is written in its
// shape; any other error is a 500 InternalServerException.
type Brain interface {
	Answer(modelID string, req Request) (Response, error)
}

// BrainFunc adapts a function to Brain.
type BrainFunc func(modelID string, req Request) (Response, error)

// Answer implements Brain.
func (f BrainFunc) Answer(modelID string, req Request) (Response, error) { return f(modelID, req) }

// Error is an error answer in the AWS restJson1 shape: Status, the X-Amzn-ErrorType header
// Type, and the body {"message": Message}. Messages must not echo prompts: the client puts
// them into its errors, and errors end in logs.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

// Errors Converse answers, and their status codes.
const (
	ValidationException       = "ValidationException"       // 400
	ResourceNotFoundException = "ResourceNotFoundException" // 404
	ModelTimeoutException     = "ModelTimeoutException"     // 408
	ThrottlingException       = "ThrottlingException"       // 429
	InternalServerException   = "InternalServerException"   // 500
)

// validationError is a 400 ValidationException.
func validationError(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: ValidationException, Message: fmt.Sprintf(format, args...)}
}

// maxBody bounds a request body (Bedrock's own limit is larger; prompts here are small).
const maxBody = 8 << 20

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock of the prompt cache simulation (default time.Now), so a test can
// let a cached prefix expire without waiting.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithModels restricts the model ids the Server accepts (any, by default); another is
// answered 404 ResourceNotFoundException, as Bedrock answers an unknown model or a profile
// the caller may not use.
func WithModels(ids ...string) Option {
	return func(s *Server) {
		s.models = map[string]bool{}
		for _, id := range ids {
			s.models[id] = true
		}
	}
}

// Received is a request as the Server read it.
type Received struct {
	// ModelID is the model id of the path, unescaped.
	ModelID string
	Request Request
	// Header is the request's HTTP header (the SDK's signature is in Authorization).
	Header http.Header
}

// Server is the http.Handler of the local model. Make one with NewServer.
type Server struct {
	brain  Brain
	now    func() time.Time
	models map[string]bool // nil: any

	mu        sync.Mutex
	received  []receivedRaw
	cache     prefixCache
	toolSeq   int
	reqSeq    int
	throttle  int
	stall     time.Duration
	malformed *string
}

// receivedRaw keeps the body as it came, so Requests can hand out copies that share nothing.
type receivedRaw struct {
	modelID string
	body    []byte
	header  http.Header
}

// NewServer returns a Server answering with brain.
func NewServer(brain Brain, opts ...Option) *Server {
	s := &Server{brain: brain, now: time.Now, cache: prefixCache{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Throttle makes the next n Converse calls answer 429 ThrottlingException, as Bedrock does
// when a quota of tokens or requests per minute is used up.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Stall makes the next Converse call wait d (or until the client gives up) before it is
// handled as usual: a model that answers late.
func (s *Server) Stall(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall = d
}

// Malformed makes the next Converse call answer 200 with body as it is (invalid JSON, or a
// JSON body without what Converse promises), without asking the Brain.
func (s *Server) Malformed(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformed = &body
}

// Requests returns the Converse calls received so far, in order, throttled and refused ones
// included (not those whose body was not JSON). The result shares nothing with the Server.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	raw := append([]receivedRaw(nil), s.received...)
	s.mu.Unlock()
	out := make([]Received, 0, len(raw))
	for _, r := range raw {
		var req Request
		_ = json.Unmarshal(r.body, &req) // it was read once already
		out = append(out, Received{ModelID: r.modelID, Request: req, Header: r.header.Clone()})
	}
	return out
}

// ServeHTTP serves POST /model/{modelId}/converse; anything else is a 404
// UnknownOperationException.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	s.reqSeq++
	w.Header().Set("X-Amzn-Requestid", "local-"+strconv.Itoa(s.reqSeq))
	s.mu.Unlock()

	modelID, ok := converseModelID(r)
	if !ok {
		writeError(w, &Error{Status: http.StatusNotFound, Type: "UnknownOperationException", Message: "localmodel serves POST /model/{modelId}/converse only"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, validationError("could not read the request body"))
		return
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, validationError("Malformed input request, please reformat your input and try again."))
		return
	}

	s.mu.Lock()
	s.received = append(s.received, receivedRaw{modelID: modelID, body: body, header: r.Header.Clone()})
	stall := s.stall
	s.stall = 0
	throttled := s.throttle > 0
	if throttled {
		s.throttle--
	}
	malformed := s.malformed
	if !throttled {
		s.malformed = nil
	}
	s.mu.Unlock()

	if stall > 0 {
		t := time.NewTimer(stall)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client gave up: nobody reads an answer
		}
	}
	if throttled {
		writeError(w, &Error{Status: http.StatusTooManyRequests, Type: ThrottlingException, Message: "Too many requests, please wait before trying again."})
		return
	}
	if malformed != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, *malformed)
		return
	}
	if s.models != nil && !s.models[modelID] {
		writeError(w, &Error{Status: http.StatusNotFound, Type: ResourceNotFoundException, Message: "Model not found or not accessible: " + modelID})
		return
	}
	if err := validate(req); err != nil {
		writeError(w, err)
		return
	}

	resp, err := s.brain.Answer(modelID, req)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Status: http.StatusInternalServerError, Type: InternalServerException, Message: "the local model's brain failed"}
		}
		writeError(w, e)
		return
	}
	if resp.Output.Message == nil {
		writeError(w, &Error{Status: http.StatusInternalServerError, Type: InternalServerException, Message: "the local model's brain gave no message"})
		return
	}
	msg := s.complete(*resp.Output.Message)
	resp.Output.Message = &msg
	if resp.StopReason == "" {
		resp.StopReason = StopEndTurn
		for _, c := range msg.Content {
			if c.ToolUse != nil {
				resp.StopReason = StopToolUse
			}
		}
	}

	s.mu.Lock()
	usage := s.cache.inputUsage(modelID, req, s.now())
	s.mu.Unlock()
	usage.OutputTokens = outputTokens(&msg)
	usage.TotalTokens = usage.InputTokens + usage.OutputTokens + usage.CacheReadInputTokens + usage.CacheWriteInputTokens
	resp.Usage = usage
	resp.Metrics = Metrics{LatencyMs: time.Since(start).Milliseconds()}
	writeJSON(w, http.StatusOK, resp)
}

// complete returns a copy of the Brain's message, with the assistant role and an id for
// each tool call without one; the Brain's own values are left untouched (a Script reuses
// them).
func (s *Server) complete(m Message) Message {
	out := Message{Role: "assistant", Content: make([]ContentBlock, 0, len(m.Content))}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range m.Content {
		if c.ToolUse != nil {
			tu := *c.ToolUse
			if tu.ToolUseID == "" {
				s.toolSeq++
				tu.ToolUseID = "tu-" + strconv.Itoa(s.toolSeq)
			}
			if len(tu.Input) == 0 {
				tu.Input = json.RawMessage("{}")
			}
			c.ToolUse = &tu
		}
		out.Content = append(out.Content, c)
	}
	return out
}

// converseModelID returns the model id of a POST /model/{modelId}/converse request. The id
// is read from the escaped path: an ARN carries ':' and '/', which the SDK escapes (%3A,
// %2F), and a '/' unescaped before the split would cut the id in two.
func converseModelID(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		return "", false
	}
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/model/") || !strings.HasSuffix(p, "/converse") {
		return "", false
	}
	escaped := strings.TrimSuffix(strings.TrimPrefix(p, "/model/"), "/converse")
	if escaped == "" || strings.Contains(escaped, "/") {
		return "", false
	}
	id, err := url.PathUnescape(escaped)
	if err != nil || id == "" {
		return "", false
	}
	return id, true
}

// toolName is the pattern Bedrock allows for a tool's name.
var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// validate refuses what Bedrock refuses, in part (see the package documentation). Messages
// name positions, never content.
func validate(req Request) *Error {
	if len(req.Messages) == 0 {
		return validationError("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
	}
	for i, b := range req.System {
		if (b.Text != "") == (b.CachePoint != nil) {
			return validationError("system.%d must have exactly one of text and cachePoint", i)
		}
	}
	if ic := req.InferenceConfig; ic != nil {
		if ic.MaxTokens != nil && *ic.MaxTokens < 1 {
			return validationError("inferenceConfig.maxTokens must be at least 1")
		}
		if ic.Temperature != nil && (*ic.Temperature < 0 || *ic.Temperature > 1) {
			return validationError("inferenceConfig.temperature must be between 0 and 1")
		}
	}
	tools := map[string]bool{}
	if tc := req.ToolConfig; tc != nil {
		if len(tc.Tools) == 0 {
			return validationError("toolConfig.tools must not be empty")
		}
		for i, t := range tc.Tools {
			switch {
			case t.ToolSpec != nil && t.CachePoint == nil:
				if !toolName.MatchString(t.ToolSpec.Name) {
					return validationError("toolConfig.tools.%d.toolSpec.name is not a valid tool name", i)
				}
				if tools[t.ToolSpec.Name] {
					return validationError("toolConfig.tools.%d.toolSpec.name repeats a tool name", i)
				}
				tools[t.ToolSpec.Name] = true
				if !isObject(t.ToolSpec.InputSchema.JSON) {
					return validationError("toolConfig.tools.%d.toolSpec.inputSchema.json must be a JSON object", i)
				}
			case t.CachePoint != nil && t.ToolSpec == nil:
			default:
				return validationError("toolConfig.tools.%d must have exactly one of toolSpec and cachePoint", i)
			}
		}
	}

	var pending map[string]bool // the toolUse ids of the last assistant turn, unanswered
	for i, m := range req.Messages {
		want := "user"
		if i%2 == 1 {
			want = "assistant"
		}
		if m.Role != want {
			if i == 0 {
				return validationError("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
			}
			return validationError("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.")
		}
		if len(m.Content) == 0 {
			return validationError("messages.%d.content must not be empty", i)
		}
		answered := map[string]bool{}
		uses := map[string]bool{}
		for j, c := range m.Content {
			n := 0
			if c.Text != "" {
				n++
			}
			if c.ToolUse != nil {
				n++
			}
			if c.ToolResult != nil {
				n++
			}
			if c.CachePoint != nil {
				n++
			}
			if n != 1 {
				return validationError("messages.%d.content.%d must have exactly one member this model reads (text, toolUse, toolResult, cachePoint)", i, j)
			}
			switch {
			case c.ToolUse != nil:
				if m.Role != "assistant" {
					return validationError("messages.%d.content.%d: only an assistant message may carry a toolUse", i, j)
				}
				if req.ToolConfig == nil {
					return validationError("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
				}
				if c.ToolUse.ToolUseID == "" || !toolName.MatchString(c.ToolUse.Name) || !isObject(c.ToolUse.Input) {
					return validationError("messages.%d.content.%d.toolUse needs a toolUseId, a valid name and an object input", i, j)
				}
				uses[c.ToolUse.ToolUseID] = true
			case c.ToolResult != nil:
				if m.Role != "user" {
					return validationError("messages.%d.content.%d: only a user message may carry a toolResult", i, j)
				}
				if req.ToolConfig == nil {
					return validationError("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
				}
				id := c.ToolResult.ToolUseID
				if !pending[id] || answered[id] {
					return validationError("messages.%d.content.%d.toolResult.toolUseId does not match a toolUse of the previous assistant message", i, j)
				}
				answered[id] = true
				switch c.ToolResult.Status {
				case "", "success", "error":
				default:
					return validationError("messages.%d.content.%d.toolResult.status must be success or error", i, j)
				}
				if len(c.ToolResult.Content) == 0 {
					return validationError("messages.%d.content.%d.toolResult.content must not be empty", i, j)
				}
				for k, rc := range c.ToolResult.Content {
					if (rc.Text != "") == (len(rc.JSON) != 0) {
						return validationError("messages.%d.content.%d.toolResult.content.%d must have exactly one of text and json", i, j, k)
					}
				}
			}
		}
		if m.Role == "user" {
			if len(answered) != len(pending) {
				return validationError("messages.%d: every toolUse of the previous assistant message needs a toolResult in this message", i)
			}
			pending = nil
		} else {
			pending = uses
		}
	}
	return nil
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	var v map[string]json.RawMessage
	return len(raw) > 0 && json.Unmarshal(raw, &v) == nil && v != nil
}

// writeError writes e in the restJson1 error shape. An Error without a status or a type
// (a Brain's slip) is written as a 500 InternalServerException.
func writeError(w http.ResponseWriter, e *Error) {
	status, typ := e.Status, e.Type
	if status < 400 || status > 599 || typ == "" {
		status, typ = http.StatusInternalServerError, InternalServerException
	}
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, status, map[string]string{"message": e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		w.Header().Set("X-Amzn-ErrorType", InternalServerException)
		b = []byte(`{"message":"the local model could not write its answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
