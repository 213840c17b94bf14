package bedrock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/bedrock"
	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/domain"
)

// profile is an application inference profile ARN: its ':' and '/' must survive the path.
const profile = "arn:aws:bedrock:sa-east-1:111111111111:application-inference-profile/abc123"

const tenant = "demo-pizzaria"

// exchange is one HTTP exchange as the wire saw it.
type exchange struct {
	escapedPath string
	status      int
	body        []byte
}

// wire wraps the local model's handler and keeps what went over the wire: the escaped path
// of each request and each answer's status and body.
type wire struct {
	h  http.Handler
	mu sync.Mutex
	ex []exchange
}

type teeWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (t *teeWriter) WriteHeader(status int) {
	t.status = status
	t.ResponseWriter.WriteHeader(status)
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.buf.Write(p)
	return t.ResponseWriter.Write(p)
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	tw := &teeWriter{ResponseWriter: rw, status: http.StatusOK}
	w.h.ServeHTTP(tw, r)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ex = append(w.ex, exchange{escapedPath: r.URL.EscapedPath(), status: tw.status, body: tw.buf.Bytes()})
}

func (w *wire) exchanges() []exchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]exchange(nil), w.ex...)
}

// recordingClients is the Clients of the tests: the real SDK client of awsclients.Static,
// pointed at the local model, and a record of the tenants asked for.
type recordingClients struct {
	inner bedrock.Clients
	mu    sync.Mutex
	asked []string
}

func (c *recordingClients) BedrockRuntime(ctx context.Context, tenant string) (*bedrockruntime.Client, error) {
	c.mu.Lock()
	c.asked = append(c.asked, tenant)
	c.mu.Unlock()
	return c.inner.BedrockRuntime(ctx, tenant)
}

func (c *recordingClients) tenants() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.asked...)
}

type fixture struct {
	srv     *localmodel.Server
	wire    *wire
	clients *recordingClients
}

// newFixture serves a local model answering with brain, and returns it with the Clients
// whose SDK client (static test credentials, sa-east-1) calls it.
func newFixture(t *testing.T, brain localmodel.Brain) *fixture {
	t.Helper()
	srv := localmodel.NewServer(brain)
	w := &wire{h: srv}
	hs := httptest.NewServer(w)
	t.Cleanup(hs.Close)
	cfg := aws.Config{
		Region:      "sa-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	static := bedrock.ClientsFrom(awsclients.NewStatic(cfg), hs.URL)
	return &fixture{srv: srv, wire: w, clients: &recordingClients{inner: static}}
}

func tenantCtx() context.Context {
	return domain.NewContextWithTenant(context.Background(), tenant)
}

const addItemSchema = `{"type":"object","properties":{"item_id":{"type":"string"},"size_id":{"type":"string"},"quantity":{"type":"integer","minimum":1}},"required":["item_id","quantity"]}`

func baseRequest(userText string) domain.ModelRequest {
	return domain.ModelRequest{
		ModelID: profile,
		System: []domain.SystemBlock{
			{Text: "Você é o atendente da Pizzaria Demo. Responda em português.", CachePoint: true},
			{Text: "Carrinho: vazio."},
		},
		Tools: []domain.ModelTool{
			{Name: "add_item", Description: "Adiciona um item do cardápio ao carrinho.", InputSchema: json.RawMessage(addItemSchema)},
			{Name: "show_cart", Description: "Mostra o carrinho.", InputSchema: json.RawMessage(`{"type":"object","properties":{}}`)},
		},
		Messages: []domain.ModelMessage{
			{Role: domain.RoleUser, Content: []domain.ModelContent{{Text: userText}}},
		},
		MaxTokens:   512,
		Temperature: 0,
	}
}

func jsonEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: want: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// usageOnWire is the usage the local model wrote in exchange e.
func usageOnWire(t *testing.T, e exchange) localmodel.Usage {
	t.Helper()
	var r localmodel.Response
	if err := json.Unmarshal(e.body, &r); err != nil {
		t.Fatalf("answer on the wire: %v", err)
	}
	return r.Usage
}

func checkUsage(t *testing.T, what string, got domain.ModelUsage, wire localmodel.Usage) {
	t.Helper()
	want := domain.ModelUsage{
		InputTokens:      int64(wire.InputTokens),
		OutputTokens:     int64(wire.OutputTokens),
		CacheReadTokens:  int64(wire.CacheReadInputTokens),
		CacheWriteTokens: int64(wire.CacheWriteInputTokens),
	}
	if got != want {
		t.Errorf("%s usage = %+v, want the wire's %+v", what, got, want)
	}
}

// A tool-use round trip through the real SDK: the request as the server read it (system,
// cache points, tool specs, the path's model id), the tool calls mapped back, then the tool
// results as the server read them, and the usage of both turns.
func TestConverseToolUseRoundTrip(t *testing.T) {
	t.Parallel()
	script := localmodel.NewScript().
		OnUser("meio calabresa",
			localmodel.Say("Vou anotar."),
			localmodel.Call("add_item", map[string]any{"item_id": "pizza-calabresa", "size_id": "grande", "quantity": 1, "ref": json.Number("9007199254740993")}),
			localmodel.Call("show_cart", nil)).
		OnTool("add_item", localmodel.Say("Anotado! Mais alguma coisa?"))
	f := newFixture(t, script)
	m := bedrock.New(f.clients)

	const userText = "quero uma meio calabresa grande"
	req := baseRequest(userText)
	resp, err := m.Converse(tenantCtx(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Stop != domain.StopToolUse || resp.Message.Role != domain.RoleAssistant || resp.Message.Text() != "Vou anotar." {
		t.Errorf("first answer: stop %q, role %q, text %q", resp.Stop, resp.Message.Role, resp.Message.Text())
	}
	uses := resp.Message.ToolUses()
	if len(uses) != 2 || uses[0].ID != "tu-1" || uses[0].Name != "add_item" || uses[1].ID != "tu-2" || uses[1].Name != "show_cart" {
		t.Fatalf("tool uses = %+v", uses)
	}
	// The big integer keeps its literal both ways.
	jsonEqual(t, "add_item input", uses[0].Input, []byte(`{"item_id":"pizza-calabresa","size_id":"grande","quantity":1,"ref":9007199254740993}`))
	if !bytes.Contains(uses[0].Input, []byte("9007199254740993")) {
		t.Errorf("add_item input %s lost the literal 9007199254740993", uses[0].Input)
	}
	jsonEqual(t, "show_cart input", uses[1].Input, []byte(`{}`))

	// The second turn: the assistant's calls, and the results.
	req.Messages = append(req.Messages,
		resp.Message,
		domain.ModelMessage{Role: domain.RoleUser, Content: []domain.ModelContent{
			{ToolResult: &domain.ToolResult{ToolUseID: "tu-1", Text: "ok: 1x Pizza Calabresa (grande)"}},
			{ToolResult: &domain.ToolResult{ToolUseID: "tu-2", Text: "carrinho indisponível", Error: true}},
		}},
	)
	resp2, err := m.Converse(tenantCtx(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp2.Stop != domain.StopEndTurn || resp2.Message.Text() != "Anotado! Mais alguma coisa?" || len(resp2.Message.ToolUses()) != 0 {
		t.Errorf("second answer: stop %q, text %q, tool uses %v", resp2.Stop, resp2.Message.Text(), resp2.Message.ToolUses())
	}

	got := f.srv.Requests()
	if len(got) != 2 {
		t.Fatalf("the server received %d requests, want 2", len(got))
	}
	first := got[0]
	if first.ModelID != profile {
		t.Errorf("model id on the server = %q, want %q", first.ModelID, profile)
	}
	ex := f.wire.exchanges()
	// The SDK escapes the label's ':' and '/'; the server unescaped it whole.
	const wantPath = "/model/arn%3Aaws%3Abedrock%3Asa-east-1%3A111111111111%3Aapplication-inference-profile%2Fabc123/converse"
	if ex[0].escapedPath != wantPath {
		t.Errorf("escaped path = %q, want %q", ex[0].escapedPath, wantPath)
	}
	if auth := first.Header.Get("Authorization"); !strings.Contains(auth, "Credential=test/") || !strings.Contains(auth, "/sa-east-1/bedrock/aws4_request") {
		t.Errorf("Authorization = %q: want a SigV4 signature of the test key for bedrock in sa-east-1", auth)
	}

	sys := first.Request.System
	if len(sys) != 3 || sys[0].Text != req.System[0].Text || sys[1].CachePoint == nil || sys[1].CachePoint.Type != "default" || sys[2].Text != req.System[1].Text {
		t.Errorf("system on the server = %+v: want text, cachePoint default, text", sys)
	}
	tc := first.Request.ToolConfig
	if tc == nil || len(tc.Tools) != 3 {
		t.Fatalf("toolConfig on the server = %+v: want two tools and a cache point", tc)
	}
	if s := tc.Tools[0].ToolSpec; s == nil || s.Name != "add_item" || s.Description != "Adiciona um item do cardápio ao carrinho." {
		t.Errorf("tool 0 = %+v", tc.Tools[0])
	} else {
		jsonEqual(t, "add_item schema", s.InputSchema.JSON, []byte(addItemSchema))
	}
	if s := tc.Tools[1].ToolSpec; s == nil || s.Name != "show_cart" {
		t.Errorf("tool 1 = %+v", tc.Tools[1])
	}
	if cp := tc.Tools[2].CachePoint; cp == nil || cp.Type != "default" || tc.Tools[2].ToolSpec != nil {
		t.Errorf("tool 2 = %+v, want a cache point", tc.Tools[2])
	}
	if ic := first.Request.InferenceConfig; ic == nil || ic.MaxTokens == nil || *ic.MaxTokens != 512 || ic.Temperature == nil || *ic.Temperature != 0 {
		t.Errorf("inferenceConfig = %+v", ic)
	}
	if msgs := first.Request.Messages; len(msgs) != 1 || msgs[0].Role != "user" || len(msgs[0].Content) != 1 || msgs[0].Content[0].Text != userText {
		t.Errorf("messages of the first call = %+v", msgs)
	}

	msgs := got[1].Request.Messages
	if len(msgs) != 3 {
		t.Fatalf("the second call carried %d messages, want 3", len(msgs))
	}
	asst := msgs[1]
	if asst.Role != "assistant" || len(asst.Content) != 3 || asst.Content[0].Text != "Vou anotar." ||
		asst.Content[1].ToolUse == nil || asst.Content[1].ToolUse.ToolUseID != "tu-1" || asst.Content[1].ToolUse.Name != "add_item" ||
		asst.Content[2].ToolUse == nil || asst.Content[2].ToolUse.ToolUseID != "tu-2" {
		t.Errorf("assistant message on the server = %+v", asst)
	} else {
		jsonEqual(t, "echoed add_item input", asst.Content[1].ToolUse.Input, uses[0].Input)
		if !bytes.Contains(asst.Content[1].ToolUse.Input, []byte("9007199254740993")) {
			t.Errorf("echoed input %s lost the literal 9007199254740993", asst.Content[1].ToolUse.Input)
		}
	}
	results := msgs[2]
	if results.Role != "user" || len(results.Content) != 2 {
		t.Fatalf("tool results message = %+v", results)
	}
	for i, want := range []struct{ id, status, text string }{
		{"tu-1", "success", "ok: 1x Pizza Calabresa (grande)"},
		{"tu-2", "error", "carrinho indisponível"},
	} {
		r := results.Content[i].ToolResult
		if r == nil || r.ToolUseID != want.id || r.Status != want.status || len(r.Content) != 1 || r.Content[0].Text != want.text {
			t.Errorf("tool result %d on the server = %+v, want %+v", i, r, want)
		}
	}

	// Usage: the adapter reports what the wire said; the first call wrote the prefix (tools
	// and the first system block), the second read it.
	if len(ex) != 2 {
		t.Fatalf("%d exchanges, want 2", len(ex))
	}
	w1, w2 := usageOnWire(t, ex[0]), usageOnWire(t, ex[1])
	checkUsage(t, "first", resp.Usage, w1)
	checkUsage(t, "second", resp2.Usage, w2)
	if resp.Usage.CacheWriteTokens == 0 || resp.Usage.CacheReadTokens != 0 || resp.Usage.InputTokens == 0 || resp.Usage.OutputTokens == 0 {
		t.Errorf("first usage = %+v: want a cache write, input and output", resp.Usage)
	}
	if resp2.Usage.CacheReadTokens != resp.Usage.CacheWriteTokens || resp2.Usage.CacheWriteTokens != 0 {
		t.Errorf("second usage = %+v: want the first call's %d cache write tokens read", resp2.Usage, resp.Usage.CacheWriteTokens)
	}

	if ts := f.clients.tenants(); !reflect.DeepEqual(ts, []string{tenant, tenant}) {
		t.Errorf("tenants asked = %q, want %q twice", ts, tenant)
	}
}

// A throttled call fails as ErrModelThrottled after a bounded number of attempts, and its
// error carries no prompt.
func TestConverseThrottled(t *testing.T) {
	t.Parallel()
	const userText = "quero uma meio calabresa"
	for _, tc := range []struct {
		name     string
		opts     []bedrock.Option
		attempts int
	}{
		{"default retries", nil, bedrock.DefaultMaxAttempts},
		{"no retry", []bedrock.Option{bedrock.WithMaxAttempts(1)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, localmodel.NewScript().OnUser("", localmodel.Say("oi")))
			f.srv.Throttle(100)
			start := time.Now()
			_, err := bedrock.New(f.clients, tc.opts...).Converse(tenantCtx(), baseRequest(userText))
			if !errors.Is(err, domain.ErrModelThrottled) {
				t.Fatalf("err = %v, want ErrModelThrottled", err)
			}
			if errors.Is(err, domain.ErrModelTimeout) || errors.Is(err, domain.ErrModelBadResponse) {
				t.Errorf("err = %v is of more than one kind", err)
			}
			if n := len(f.srv.Requests()); n != tc.attempts {
				t.Errorf("the server saw %d attempts, want %d", n, tc.attempts)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("a throttled call took %v", d)
			}
			for _, e := range f.wire.exchanges() {
				if e.status != http.StatusTooManyRequests {
					t.Errorf("status on the wire = %d, want 429", e.status)
				}
			}
			if strings.Contains(err.Error(), userText) || strings.Contains(err.Error(), "atendente") {
				t.Errorf("the error carries the prompt: %v", err)
			}
		})
	}
}

// A model that answers later than the adapter's timeout (or the caller's deadline) fails
// as ErrModelTimeout, promptly.
func TestConverseTimeout(t *testing.T) {
	t.Parallel()
	t.Run("adapter timeout", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, localmodel.NewScript().OnUser("", localmodel.Say("oi")))
		f.srv.Stall(5 * time.Second)
		start := time.Now()
		_, err := bedrock.New(f.clients, bedrock.WithTimeout(200*time.Millisecond)).Converse(tenantCtx(), baseRequest("oi"))
		if !errors.Is(err, domain.ErrModelTimeout) {
			t.Fatalf("err = %v, want ErrModelTimeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the call returned after %v, want about 200ms", d)
		}
		if n := len(f.srv.Requests()); n != 1 {
			t.Errorf("the server saw %d attempts, want 1 (no retry past the deadline)", n)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, localmodel.NewScript().OnUser("", localmodel.Say("oi")))
		f.srv.Stall(5 * time.Second)
		ctx, cancel := context.WithTimeout(tenantCtx(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := bedrock.New(f.clients).Converse(ctx, baseRequest("oi"))
		if !errors.Is(err, domain.ErrModelTimeout) {
			t.Fatalf("err = %v, want ErrModelTimeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the call returned after %v", d)
		}
	})
	t.Run("caller cancel is not a timeout", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, localmodel.NewScript().OnUser("", localmodel.Say("oi")))
		f.srv.Stall(5 * time.Second)
		ctx, cancel := context.WithCancel(tenantCtx())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := bedrock.New(f.clients).Converse(ctx, baseRequest("oi"))
		if err == nil || errors.Is(err, domain.ErrModelTimeout) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled, not a timeout", err)
		}
	})
}

// Answers the adapter cannot read fail as ErrModelBadResponse.
func TestConverseMalformed(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"invalid JSON":       `{"output":{"message":{"role":"assistant","content":[{"text":"oi"`,
		"no message":         `{"output":{}}`,
		"empty body":         `{}`,
		"tool use sem nome":  `{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"x","input":{}}}]}},"stopReason":"tool_use"}`,
		"tool use sem id":    `{"output":{"message":{"role":"assistant","content":[{"toolUse":{"name":"add_item","input":{}}}]}},"stopReason":"tool_use"}`,
		"input not a object": `{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"x","name":"add_item","input":[1]}}]}},"stopReason":"tool_use"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, localmodel.NewScript().OnUser("", localmodel.Say("oi")))
			f.srv.Malformed(body)
			_, err := bedrock.New(f.clients).Converse(tenantCtx(), baseRequest("oi"))
			if !errors.Is(err, domain.ErrModelBadResponse) {
				t.Fatalf("err = %v, want ErrModelBadResponse", err)
			}
			if n := len(f.srv.Requests()); n != 1 {
				t.Errorf("the server saw %d attempts, want 1", n)
			}
		})
	}
}

// The service's own error answers map to the domain's kinds by their type.
func TestConverseServiceErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		typ    string
		want   error // nil: none of the kinds
	}{
		{http.StatusTooManyRequests, "ThrottlingException", domain.ErrModelThrottled},
		{http.StatusBadRequest, "ServiceQuotaExceededException", domain.ErrModelThrottled},
		{http.StatusTooManyRequests, "ModelNotReadyException", domain.ErrModelThrottled},
		{http.StatusRequestTimeout, "ModelTimeoutException", domain.ErrModelTimeout},
		{http.StatusInternalServerError, "InternalServerException", nil},
		{http.StatusForbidden, "AccessDeniedException", nil},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			t.Parallel()
			brain := localmodel.BrainFunc(func(string, localmodel.Request) (localmodel.Response, error) {
				return localmodel.Response{}, &localmodel.Error{Status: tc.status, Type: tc.typ, Message: "refused"}
			})
			f := newFixture(t, brain)
			_, err := bedrock.New(f.clients, bedrock.WithMaxAttempts(1)).Converse(tenantCtx(), baseRequest("oi"))
			if err == nil || !strings.Contains(err.Error(), tc.typ) {
				t.Fatalf("err = %v, want the %s", err, tc.typ)
			}
			for _, kind := range []error{domain.ErrModelThrottled, domain.ErrModelTimeout, domain.ErrModelBadResponse} {
				if errors.Is(err, kind) != (kind == tc.want) {
					t.Errorf("err = %v: errors.Is(%v) = %v", err, kind, errors.Is(err, kind))
				}
			}
		})
	}
}

// Other refusals are wrapped as they came: none of the three kinds.
func TestConverseOtherErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, localmodel.NewScript().OnUser("pizza", localmodel.Say("oi")))
	_, err := bedrock.New(f.clients).Converse(tenantCtx(), baseRequest("um hambúrguer"))
	if err == nil || errors.Is(err, domain.ErrModelThrottled) || errors.Is(err, domain.ErrModelTimeout) || errors.Is(err, domain.ErrModelBadResponse) {
		t.Fatalf("err = %v, want a plain error", err)
	}
	if !strings.Contains(err.Error(), "ValidationException") || strings.Contains(err.Error(), "hambúrguer") {
		t.Errorf("err = %v: want the ValidationException, without the user's text", err)
	}
}

// The adapter calls with the client of ctx's tenant, and refuses a ctx without one (no
// scope, or platform scope) before any call.
func TestConverseTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t, localmodel.NewScript().OnUser("", localmodel.Say("oi")))
	m := bedrock.New(f.clients)
	for name, ctx := range map[string]context.Context{
		"no scope":       context.Background(),
		"platform scope": domain.NewPlatformContext(context.Background()),
	} {
		_, err := m.Converse(ctx, baseRequest("oi"))
		if domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("%s: err = %v, want EFORBIDDEN", name, err)
		}
	}
	if ts := f.clients.tenants(); len(ts) != 0 {
		t.Errorf("clients asked for %q without a tenant", ts)
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("the server saw %d calls without a tenant", n)
	}

	if _, err := m.Converse(domain.NewContextWithTenant(context.Background(), "demo-burger"), baseRequest("oi")); err != nil {
		t.Fatal(err)
	}
	if ts := f.clients.tenants(); !reflect.DeepEqual(ts, []string{"demo-burger"}) {
		t.Errorf("tenants asked = %q, want [demo-burger]", ts)
	}
}

// fakeSTS answers AssumeRole (the awsquery protocol) with credentials whose key names the
// session's clientId tag.
func fakeSTS(t *testing.T) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("Action") != "AssumeRole" || form.Get("Tags.member.1.Key") != "clientId" {
			http.Error(w, "unexpected STS call", http.StatusBadRequest)
			return
		}
		key := "ASIA" + strings.ToUpper(strings.ReplaceAll(form.Get("Tags.member.1.Value"), "-", ""))
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/tenant-access/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
    <Credentials><AccessKeyId>`+key+`</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`</Expiration></Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>`)
	}))
	t.Cleanup(hs.Close)
	return hs
}

// Through awsclients.TenantSessions, a brand's model calls are signed with the brand's own
// session (AssumeRole tagged with its clientId) and go to ClientsFrom's endpoint, while the
// other clients keep the config's endpoint.
func TestConverseWithTenantSessions(t *testing.T) {
	t.Parallel()
	sts := fakeSTS(t)
	srv := localmodel.NewServer(localmodel.NewScript().OnUser("", localmodel.Say("oi")))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	cfg := aws.Config{
		Region:       "sa-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("PLATFORM", "s", ""),
		BaseEndpoint: aws.String(sts.URL),
	}
	sessions, err := awsclients.NewTenantSessions(cfg, "arn:aws:iam::111111111111:role/tenant-access")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bedrock.New(bedrock.ClientsFrom(sessions, hs.URL)).Converse(tenantCtx(), baseRequest("oi")); err != nil {
		t.Fatal(err)
	}
	got := srv.Requests()
	if len(got) != 1 {
		t.Fatalf("the local model saw %d calls, want 1", len(got))
	}
	if auth := got[0].Header.Get("Authorization"); !strings.Contains(auth, "Credential=ASIADEMOPIZZARIA/") {
		t.Errorf("Authorization = %q: want the brand's session key", auth)
	}
	if tok := got[0].Header.Get("X-Amz-Security-Token"); tok != "token" {
		t.Errorf("X-Amz-Security-Token = %q, want the session's", tok)
	}
	ddb, err := sessions.DynamoDB(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	if ep := aws.ToString(ddb.Options().BaseEndpoint); ep != sts.URL {
		t.Errorf("DynamoDB endpoint = %q, want the config's %q", ep, sts.URL)
	}
}
