package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/dev/localmodel/standin"
)

// The shared runner's language model is a local Converse server (WABOT_BEDROCK_ENDPOINT)
// that the tests script per message: a golden transcript's "~" lines say what the model
// answers to the message above them, and every other conversation is answered by the
// stand-in brain, as under `make dev`. The runner reaches it through the real Bedrock
// adapter (aws-sdk-go-v2's bedrockruntime client), so this is the wire format end to end.

// modelRouter is the Brain of that server: the Script registered for a message (found in
// the request's customer texts, so the tool rounds of that turn follow it), else the
// stand-in.
type modelRouter struct {
	mu     sync.Mutex
	routes []modelRoute
	calls  map[string]int // requests answered per routed message
}

type modelRoute struct {
	message string // lower case
	brain   localmodel.Brain
}

var (
	router    = &modelRouter{calls: map[string]int{}}
	modelSrv  *localmodel.Server
	modelHTTP *httptest.Server
)

// startModel serves the router (once, with the shared runner).
func startModel() string {
	modelSrv = localmodel.NewServer(router)
	modelHTTP = httptest.NewServer(modelSrv)
	return modelHTTP.URL
}

// route makes script answer the conversation turn whose customer message is message.
func (r *modelRouter) route(message string, script localmodel.Brain) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.routes = append(r.routes, modelRoute{message: strings.ToLower(message), brain: script})
}

// callsFor is how many model calls the turn of message made.
func (r *modelRouter) callsFor(message string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[strings.ToLower(message)]
}

// Answer implements localmodel.Brain.
func (r *modelRouter) Answer(modelID string, req localmodel.Request) (localmodel.Response, error) {
	last := ""
	for _, m := range req.Messages {
		if m.Role != "user" {
			continue
		}
		for _, c := range m.Content {
			if c.Text != "" {
				last = strings.ToLower(c.Text)
			}
		}
	}
	r.mu.Lock()
	var brain localmodel.Brain = standin.Brain{}
	for _, rt := range r.routes {
		if last == rt.message {
			brain = rt.brain
			r.calls[rt.message]++
		}
	}
	r.mu.Unlock()
	return brain.Answer(modelID, req)
}

// scriptFor builds the Script of a golden turn's "~" lines: "~ <tool> {json input}" calls
// (answered together, first), then "~ say <text>", the model's final answer.
func scriptFor(message string, lines []string) (*localmodel.Script, error) {
	var calls []localmodel.ContentBlock
	var tools []string
	say := ""
	for _, l := range lines {
		name, rest, _ := strings.Cut(l, " ")
		if name == "say" {
			say = rest
			continue
		}
		var in map[string]any
		if err := json.Unmarshal([]byte(rest), &in); err != nil {
			return nil, fmt.Errorf("~ %s: the input is not a JSON object: %v", name, err)
		}
		calls = append(calls, localmodel.Call(name, in))
		tools = append(tools, name)
	}
	if say == "" {
		return nil, fmt.Errorf("the model lines of %q have no ~ say", message)
	}
	s := localmodel.NewScript()
	if len(calls) == 0 {
		return s.OnUser(message, localmodel.Say(say)), nil
	}
	s.OnUser(message, calls...)
	for _, t := range tools {
		s.OnTool(t, localmodel.Say(say))
	}
	return s, nil
}

// The runner serves the stand-in itself at /_local/bedrock (the model of `make dev` when no
// other is set), speaking Converse: a question about delivery is a store_info call.
func TestRunnerServesTheStandIn(t *testing.T) {
	base := stack(t)
	body := `{"messages":[{"role":"user","content":[{"text":"voces entregam no itaim?"}]}],` +
		`"toolConfig":{"tools":[{"toolSpec":{"name":"store_info","inputSchema":{"json":{"type":"object"}}}}]}}`
	resp, err := http.Post(base+localModelPath+"/model/"+url.PathEscape("arn:aws:bedrock:us-east-1:000000000000:application-inference-profile/x")+"/converse",
		"application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out localmodel.Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if out.StopReason != "tool_use" || out.Output.Message == nil || out.Output.Message.Content[0].ToolUse == nil ||
		out.Output.Message.Content[0].ToolUse.Name != "store_info" || out.Usage.InputTokens == 0 {
		t.Errorf("the stand-in answered %+v", out)
	}
}
