package localmodel_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/localmodel"
)

// clock is a settable clock for the cache simulation.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// post sends a Converse request for model and returns the status, the X-Amzn-ErrorType
// header and the body.
func post(t *testing.T, h http.Handler, escapedModel string, req any) (int, string, []byte) {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/model/"+escapedModel+"/converse", bytes.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body.Bytes()
}

func converse(t *testing.T, h http.Handler, model string, req localmodel.Request) localmodel.Response {
	t.Helper()
	status, typ, body := post(t, h, model, req)
	if status != http.StatusOK {
		t.Fatalf("status %d %s: %s", status, typ, body)
	}
	var resp localmodel.Response
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

const (
	toolName   = "add_item"
	toolDesc   = "Adiciona um item ao carrinho."
	toolSchema = `{"type":"object","properties":{"item_id":{"type":"string"}}}`
	static     = "Você é o atendente da Pizzaria Demo. Seja breve e cordial."
)

func user(text string) localmodel.Message {
	return localmodel.Message{Role: "user", Content: []localmodel.ContentBlock{{Text: text}}}
}

// request is a request whose static prefix is the tool and the first system block
// (cachePoint after it when cached), then dynamic state and a user message.
func request(system0, state, userText string, cached, toolsCachePoint bool) localmodel.Request {
	req := localmodel.Request{
		ToolConfig: &localmodel.ToolConfig{Tools: []localmodel.Tool{
			{ToolSpec: &localmodel.ToolSpec{Name: toolName, Description: toolDesc, InputSchema: localmodel.ToolInputSchema{JSON: json.RawMessage(toolSchema)}}},
		}},
		System:   []localmodel.SystemBlock{{Text: system0}},
		Messages: []localmodel.Message{user(userText)},
	}
	if toolsCachePoint {
		req.ToolConfig.Tools = append(req.ToolConfig.Tools, localmodel.Tool{CachePoint: &localmodel.CachePoint{Type: "default"}})
	}
	if cached {
		req.System = append(req.System, localmodel.SystemBlock{CachePoint: &localmodel.CachePoint{Type: "default"}})
	}
	req.System = append(req.System, localmodel.SystemBlock{Text: state})
	return req
}

// The server's usage: a prefix up to a cache point is written once, then read while it
// lives; inputTokens counts only what follows the last cache point; no cache point means
// everything is input.
func TestUsageAndPromptCache(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	// The Brain's own usage is overridden.
	brain := localmodel.BrainFunc(func(string, localmodel.Request) (localmodel.Response, error) {
		return localmodel.Response{
			Output: localmodel.Output{Message: &localmodel.Message{Content: []localmodel.ContentBlock{{Text: "Claro! Qual tamanho?"}}}},
			Usage:  localmodel.Usage{InputTokens: 999999},
		}, nil
	})
	h := localmodel.NewServer(brain, localmodel.WithClock(clk.now))
	tok := localmodel.Tokens
	tools := tok(toolName) + tok(toolDesc) + tok(toolSchema)
	prefix := tools + tok(static)
	out := tok("Claro! Qual tamanho?")
	rest := func(state, text string) int { return tok(state) + tok(text) }

	type want struct{ input, read, write int }
	check := func(name string, resp localmodel.Response, w want) {
		t.Helper()
		u := resp.Usage
		if u.InputTokens != w.input || u.CacheReadInputTokens != w.read || u.CacheWriteInputTokens != w.write || u.OutputTokens != out ||
			u.TotalTokens != w.input+w.read+w.write+out {
			t.Errorf("%s: usage %+v, want input %d, read %d, write %d, output %d", name, u, w.input, w.read, w.write, out)
		}
	}

	const model = "model-a"
	check("first", converse(t, h, model, request(static, "Carrinho: vazio.", "quero uma pizza", true, false)),
		want{input: rest("Carrinho: vazio.", "quero uma pizza"), write: prefix})
	check("same prefix", converse(t, h, model, request(static, "Carrinho: 1 pizza.", "e um refrigerante", true, false)),
		want{input: rest("Carrinho: 1 pizza.", "e um refrigerante"), read: prefix})

	// A read renews the prefix's life; past CacheTTL without use, it is written again.
	clk.advance(4 * time.Minute)
	check("renewed", converse(t, h, model, request(static, "s", "u", true, false)), want{input: rest("s", "u"), read: prefix})
	clk.advance(4 * time.Minute)
	check("still alive", converse(t, h, model, request(static, "s", "u", true, false)), want{input: rest("s", "u"), read: prefix})
	clk.advance(localmodel.CacheTTL + time.Second)
	check("expired", converse(t, h, model, request(static, "s", "u", true, false)), want{input: rest("s", "u"), write: prefix})

	// Another prefix, another model: written.
	other := "Você é o atendente da Hamburgueria Demo."
	check("other prefix", converse(t, h, model, request(other, "s", "u", true, false)),
		want{input: rest("s", "u"), write: tools + tok(other)})
	check("other model", converse(t, h, "model-b", request(static, "s", "u", true, false)),
		want{input: rest("s", "u"), write: prefix})

	// With a cache point after the tools too (the same prefix up to the system's, still
	// cached, and now the tools' alone), a changed system block still reads the tools.
	check("tools cached", converse(t, h, model, request(static, "s", "u", true, true)),
		want{input: rest("s", "u"), read: prefix})
	changed := static + " Hoje há promoção."
	check("tools read, system written", converse(t, h, model, request(changed, "s", "u", true, true)),
		want{input: rest("s", "u"), read: tools, write: tok(changed)})

	// No cache point: everything is input, nothing is remembered.
	check("uncached", converse(t, h, model, request("x", "s", "u", false, false)),
		want{input: tools + tok("x") + rest("s", "u")})
	check("uncached again", converse(t, h, model, request("x", "s", "u", false, false)),
		want{input: tools + tok("x") + rest("s", "u")})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "a": 1, "abcd": 1, "abcde": 2, "ação": 1, "pão de queijo": 4} {
		if got := localmodel.Tokens(s); got != want {
			t.Errorf("Tokens(%q) = %d, want %d", s, got, want)
		}
	}
}

// A Script answers user text by substring and tool results by the tool's name; the server
// numbers the calls; what matches nothing is a ValidationException that does not echo the
// user's text.
func TestScript(t *testing.T) {
	t.Parallel()
	s := localmodel.NewScript().
		OnUser("Meio Calabresa", localmodel.Say("Vou anotar."), localmodel.Call("add_item", map[string]any{"item_id": "pizza-calabresa"})).
		OnTool("add_item", localmodel.Say("Anotado!")).
		OnUser("cardápio", localmodel.Call("show_menu", nil))
	h := localmodel.NewServer(s)
	tools := &localmodel.ToolConfig{Tools: []localmodel.Tool{
		{ToolSpec: &localmodel.ToolSpec{Name: "add_item", InputSchema: localmodel.ToolInputSchema{JSON: json.RawMessage(toolSchema)}}},
		{ToolSpec: &localmodel.ToolSpec{Name: "show_menu", InputSchema: localmodel.ToolInputSchema{JSON: json.RawMessage(`{"type":"object"}`)}}},
	}}

	req := localmodel.Request{ToolConfig: tools, Messages: []localmodel.Message{user("quero MEIO calabresa, meio mussarela")}}
	r1 := converse(t, h, "m", req)
	msg := r1.Output.Message
	if r1.StopReason != localmodel.StopToolUse || msg == nil || msg.Role != "assistant" || len(msg.Content) != 2 ||
		msg.Content[0].Text != "Vou anotar." || msg.Content[1].ToolUse == nil || msg.Content[1].ToolUse.ToolUseID != "tu-1" {
		t.Fatalf("first answer = %+v", r1)
	}

	req.Messages = append(req.Messages, *msg, localmodel.Message{Role: "user", Content: []localmodel.ContentBlock{
		{ToolResult: &localmodel.ToolResult{ToolUseID: "tu-1", Content: []localmodel.ToolResultContent{{Text: "ok"}}, Status: "success"}},
	}})
	r2 := converse(t, h, "m", req)
	if r2.StopReason != localmodel.StopEndTurn || r2.Output.Message.Content[0].Text != "Anotado!" {
		t.Errorf("second answer = %+v", r2)
	}

	// The same entry answers again, with the next id.
	r3 := converse(t, h, "m", localmodel.Request{ToolConfig: tools, Messages: []localmodel.Message{user("outra meio calabresa")}})
	if tu := r3.Output.Message.Content[1].ToolUse; tu.ToolUseID != "tu-2" || string(tu.Input) != `{"item_id":"pizza-calabresa"}` {
		t.Errorf("third answer's call = %+v", tu)
	}
	r4 := converse(t, h, "m", localmodel.Request{ToolConfig: tools, Messages: []localmodel.Message{user("me manda o cardápio")}})
	if tu := r4.Output.Message.Content[0].ToolUse; tu == nil || tu.Name != "show_menu" || tu.ToolUseID != "tu-3" || string(tu.Input) != `{}` {
		t.Errorf("fourth answer = %+v", r4.Output.Message)
	}

	status, typ, body := post(t, h, "m", localmodel.Request{Messages: []localmodel.Message{user("um hambúrguer secreto")}})
	if status != http.StatusBadRequest || typ != localmodel.ValidationException || strings.Contains(string(body), "secreto") {
		t.Errorf("unmatched: %d %s %s", status, typ, body)
	}
}

// The server refuses what Bedrock refuses, in Bedrock's error shape, and takes the model id
// from the escaped path.
func TestValidationAndErrors(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:bedrock:sa-east-1:111111111111:application-inference-profile/abc123"
	h := localmodel.NewServer(localmodel.NewScript().OnUser("", localmodel.Say("oi")), localmodel.WithModels(arn))
	escaped := "arn%3Aaws%3Abedrock%3Asa-east-1%3A111111111111%3Aapplication-inference-profile%2Fabc123"

	if status, typ, body := post(t, h, escaped, localmodel.Request{Messages: []localmodel.Message{user("oi")}}); status != http.StatusOK {
		t.Fatalf("escaped ARN: %d %s %s", status, typ, body)
	}
	if got := h.Requests(); len(got) != 1 || got[0].ModelID != arn {
		t.Errorf("requests = %+v", got)
	}
	if status, typ, _ := post(t, h, "other-model", localmodel.Request{Messages: []localmodel.Message{user("oi")}}); status != http.StatusNotFound || typ != localmodel.ResourceNotFoundException {
		t.Errorf("unknown model: %d %s", status, typ)
	}

	orphan := localmodel.Request{
		ToolConfig: &localmodel.ToolConfig{Tools: []localmodel.Tool{{ToolSpec: &localmodel.ToolSpec{Name: "t", InputSchema: localmodel.ToolInputSchema{JSON: json.RawMessage(`{}`)}}}}},
		Messages: []localmodel.Message{{Role: "user", Content: []localmodel.ContentBlock{
			{ToolResult: &localmodel.ToolResult{ToolUseID: "tu-9", Content: []localmodel.ToolResultContent{{Text: "ok"}}}},
		}}},
	}
	for name, req := range map[string]any{
		"no messages":        localmodel.Request{},
		"assistant first":    localmodel.Request{Messages: []localmodel.Message{{Role: "assistant", Content: []localmodel.ContentBlock{{Text: "oi"}}}}},
		"not alternating":    localmodel.Request{Messages: []localmodel.Message{user("a"), user("b")}},
		"empty block":        localmodel.Request{Messages: []localmodel.Message{{Role: "user", Content: []localmodel.ContentBlock{{}}}}},
		"orphan tool result": orphan,
		"unknown member":     map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"image": map[string]any{}}}}}},
		"bad temperature":    map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "oi"}}}}, "inferenceConfig": map[string]any{"temperature": 2}},
	} {
		if status, typ, body := post(t, h, escaped, req); status != http.StatusBadRequest || typ != localmodel.ValidationException || !json.Valid(body) {
			t.Errorf("%s: %d %s %s", name, status, typ, body)
		}
	}

	h.Throttle(1)
	if status, typ, body := post(t, h, escaped, localmodel.Request{Messages: []localmodel.Message{user("oi")}}); status != http.StatusTooManyRequests || typ != localmodel.ThrottlingException ||
		string(body) != `{"message":"Too many requests, please wait before trying again."}` {
		t.Errorf("throttled: %d %s %s", status, typ, body)
	}
	h.Malformed(`{"output":{}}`)
	if status, _, body := post(t, h, escaped, localmodel.Request{Messages: []localmodel.Message{user("oi")}}); status != http.StatusOK || string(body) != `{"output":{}}` {
		t.Errorf("malformed: %d %s", status, body)
	}
	if status, _, _ := post(t, h, escaped, localmodel.Request{Messages: []localmodel.Message{user("oi")}}); status != http.StatusOK {
		t.Errorf("after the hooks: %d", status)
	}

	r := httptest.NewRequest(http.MethodGet, "/model/m/converse", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotFound {
		t.Errorf("GET: %d", w.Code)
	}
}
