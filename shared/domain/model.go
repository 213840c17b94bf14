package domain

import (
	"context"
	"encoding/json"
	"errors"
)

// LanguageModel is the port to a chat model with tool use (Amazon Bedrock's Converse API in
// AWS, a local stand-in on the local stack). The conversation engine calls it only for what
// its rules cannot read, hands it tools it validates itself, and never takes a price, a
// total or a state change from it without checking.
//
// Converse runs one model call for the brand of ctx's tenant (its credentials, its model):
// req.ModelID is the brand's model (its application inference profile ARN in AWS).
// Errors: ErrModelThrottled when the provider refused for its rate or quota, ErrModelTimeout
// when ctx's deadline or the adapter's timeout passed, ErrModelBadResponse when the answer
// could not be read; anything else is wrapped as it came. The engine treats every error the
// same way (the rules answer), the kinds are for logs and metrics.
type LanguageModel interface {
	Converse(ctx context.Context, req ModelRequest) (ModelResponse, error)
}

// The model errors a LanguageModel returns (wrapped; test with errors.Is).
var (
	ErrModelThrottled   = errors.New("model: throttled")
	ErrModelTimeout     = errors.New("model: timed out")
	ErrModelBadResponse = errors.New("model: malformed response")
)

// ModelRole is who wrote a ModelMessage.
type ModelRole string

// The two roles of a model conversation.
const (
	RoleUser      ModelRole = "user"
	RoleAssistant ModelRole = "assistant"
)

// ModelStop is why the model stopped.
type ModelStop string

// The stop reasons the engine reads (Converse's stopReason values).
const (
	StopEndTurn   ModelStop = "end_turn"
	StopToolUse   ModelStop = "tool_use"
	StopMaxTokens ModelStop = "max_tokens"
)

// ModelRequest is one call.
type ModelRequest struct {
	// ModelID is the model or inference profile to call.
	ModelID string
	// System is the instructions, in order. A block with CachePoint set ends the static
	// prefix (tools and the system blocks up to it) that the provider may cache between
	// calls; what follows changes from call to call.
	System   []SystemBlock
	Messages []ModelMessage
	Tools    []ModelTool
	// MaxTokens bounds the answer; Temperature is 0 for a deterministic reading.
	MaxTokens   int
	Temperature float64
}

// SystemBlock is a part of the instructions.
type SystemBlock struct {
	Text string
	// CachePoint: the provider may cache everything up to and including this block.
	CachePoint bool
}

// ModelMessage is one turn of the model conversation.
type ModelMessage struct {
	Role    ModelRole
	Content []ModelContent
}

// ModelContent is one block of a message: exactly one of Text, ToolUse and ToolResult.
type ModelContent struct {
	Text       string
	ToolUse    *ToolUse
	ToolResult *ToolResult
}

// ToolUse is the model asking the engine to run a tool.
type ToolUse struct {
	ID    string
	Name  string
	Input json.RawMessage // a JSON object
}

// ToolResult is the engine's answer to a ToolUse.
type ToolResult struct {
	ToolUseID string
	Text      string
	// Error: the call was refused (unknown tool, invalid input, not allowed in this state).
	Error bool
}

// ModelTool is a tool the model may call.
type ModelTool struct {
	Name        string
	Description string
	// InputSchema is the JSON Schema of the tool's input (an object).
	InputSchema json.RawMessage
}

// ModelResponse is the model's answer.
type ModelResponse struct {
	Message ModelMessage
	Stop    ModelStop
	Usage   ModelUsage
}

// ModelUsage is what a call cost, in tokens. InputTokens are the input tokens read at full
// price (not from the prompt cache); CacheReadTokens were read from it; CacheWriteTokens
// were written to it.
type ModelUsage struct {
	InputTokens      int64
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64
}

// Add returns u plus v.
func (u ModelUsage) Add(v ModelUsage) ModelUsage {
	return ModelUsage{
		InputTokens:      u.InputTokens + v.InputTokens,
		OutputTokens:     u.OutputTokens + v.OutputTokens,
		CacheReadTokens:  u.CacheReadTokens + v.CacheReadTokens,
		CacheWriteTokens: u.CacheWriteTokens + v.CacheWriteTokens,
	}
}

// Text returns the message's text blocks joined by a blank line.
func (m ModelMessage) Text() string {
	var out string
	for _, c := range m.Content {
		if c.Text == "" {
			continue
		}
		if out != "" {
			out += "\n\n"
		}
		out += c.Text
	}
	return out
}

// ToolUses returns the message's tool calls, in order.
func (m ModelMessage) ToolUses() []ToolUse {
	var out []ToolUse
	for _, c := range m.Content {
		if c.ToolUse != nil {
			out = append(out, *c.ToolUse)
		}
	}
	return out
}
