package localmodel

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Script is a Brain for tests: it answers from canned turns. Each entry matches the last
// message of a request:
//
//   - a user message that carries tool results matches the OnTool entries of the tools
//     they answer (the tool's name is found by the toolUseId in the assistant message
//     before it);
//   - a user message of text matches the OnUser entries whose text is a substring of it,
//     case-insensitively (the message's text blocks joined by a line break). An empty
//     substring matches every user text: registered last, it is a fallback.
//
// The first matching entry, in registration order, answers; an entry answers as many times
// as it matches. No match is a 400 ValidationException ("no script entry matched ..."),
// which the client sees as an error. The Server completes the answer (tool call ids, the
// stop reason, the usage).
//
//	s := localmodel.NewScript()
//	s.OnUser("meio calabresa", localmodel.Call("add_item", map[string]any{"item_id": "pizza-calabresa", "quantity": 1}))
//	s.OnTool("add_item", localmodel.Say("Anotado! Mais alguma coisa?"))
//	srv := httptest.NewServer(localmodel.NewServer(s))
type Script struct {
	mu      sync.Mutex
	entries []scriptEntry
}

type scriptEntry struct {
	user   string // lower case; used when tool is ""
	tool   string
	blocks []ContentBlock
}

// NewScript returns an empty Script.
func NewScript() *Script { return &Script{} }

// OnUser adds an entry answering blocks (in order) to a user text containing substr. It
// returns s, to chain entries.
func (s *Script) OnUser(substr string, blocks ...ContentBlock) *Script {
	return s.add(scriptEntry{user: strings.ToLower(substr), blocks: blocks})
}

// OnTool adds an entry answering blocks (in order) to the results of the tool named name.
// It returns s, to chain entries.
func (s *Script) OnTool(name string, blocks ...ContentBlock) *Script {
	return s.add(scriptEntry{tool: name, blocks: blocks})
}

func (s *Script) add(e scriptEntry) *Script {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
	return s
}

// Say is a text block.
func Say(text string) ContentBlock { return ContentBlock{Text: text} }

// Call is a call of the tool name with input, which must marshal to a JSON object (a map or
// a struct; nil is {}); it panics otherwise, as a broken test fixture should. The Server
// gives the call its id ("tu-1", "tu-2", ... counting per Server).
func Call(name string, input any) ContentBlock {
	raw := json.RawMessage("{}")
	if input != nil {
		b, err := json.Marshal(input)
		if err != nil {
			panic(fmt.Sprintf("localmodel.Call(%q): %v", name, err))
		}
		if !isObject(b) {
			panic(fmt.Sprintf("localmodel.Call(%q): the input must be a JSON object, not %s", name, b))
		}
		raw = b
	}
	return ContentBlock{ToolUse: &ToolUse{Name: name, Input: raw}}
}

// Answer implements Brain.
func (s *Script) Answer(_ string, req Request) (Response, error) {
	if len(req.Messages) == 0 {
		return Response{}, validationError("no script entry matched: no messages")
	}
	last := req.Messages[len(req.Messages)-1]
	var (
		texts []string
		tools []string
	)
	for _, c := range last.Content {
		switch {
		case c.ToolResult != nil:
			tools = append(tools, req.ToolName(c.ToolResult.ToolUseID))
		case c.Text != "":
			texts = append(texts, c.Text)
		}
	}
	text := strings.ToLower(strings.Join(texts, "\n"))

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		var ok bool
		switch {
		case last.Role != "user":
		case len(tools) > 0:
			ok = e.tool != "" && slices.Contains(tools, e.tool)
		default:
			ok = e.tool == "" && strings.Contains(text, e.user)
		}
		if ok {
			return Response{Output: Output{Message: &Message{Role: "assistant", Content: copyBlocks(e.blocks)}}}, nil
		}
	}
	// The message names tools, never the user's text: errors end in logs.
	if len(tools) > 0 {
		return Response{}, validationError("no script entry matched the results of %s", strings.Join(tools, ", "))
	}
	return Response{}, validationError("no script entry matched the last %s message (%d characters of text)", last.Role, len([]rune(text)))
}

// ToolName returns the name of the tool whose call id the last message's result answers:
// the call of that id in the last assistant message before it ("" when there is none).
func (r Request) ToolName(id string) string {
	msgs := r.Messages
	for i := len(msgs) - 2; i >= 0; i-- {
		if msgs[i].Role != "assistant" {
			continue
		}
		for _, c := range msgs[i].Content {
			if c.ToolUse != nil && c.ToolUse.ToolUseID == id {
				return c.ToolUse.Name
			}
		}
		return ""
	}
	return ""
}

// copyBlocks returns a copy of blocks that shares no ToolUse with them.
func copyBlocks(blocks []ContentBlock) []ContentBlock {
	out := make([]ContentBlock, len(blocks))
	for i, b := range blocks {
		if b.ToolUse != nil {
			tu := *b.ToolUse
			tu.Input = append(json.RawMessage(nil), tu.Input...)
			b.ToolUse = &tu
		}
		out[i] = b
	}
	return out
}

var _ Brain = (*Script)(nil)
