package localmodel

import "encoding/json"

// The wire types of Converse, as Bedrock Runtime's restJson1 protocol writes them (member
// names from the service model: messages, system, inferenceConfig, toolConfig, toolUseId,
// cachePoint, ...). Only the members this platform uses are declared; the others (images,
// documents, guardrails, reasoning) are dropped when a request is read, and a content block
// left with no member is refused, as Bedrock refuses a block it cannot read.

// Request is the body of POST /model/{modelId}/converse.
type Request struct {
	Messages        []Message        `json:"messages"`
	System          []SystemBlock    `json:"system,omitempty"`
	InferenceConfig *InferenceConfig `json:"inferenceConfig,omitempty"`
	ToolConfig      *ToolConfig      `json:"toolConfig,omitempty"`
}

// Message is one turn: role "user" or "assistant".
type Message struct {
	Role    string         `json:"role"`
	Content []ContentBlock `json:"content"`
}

// ContentBlock is one block of a message, a union: exactly one member is set.
type ContentBlock struct {
	Text       string      `json:"text,omitempty"`
	ToolUse    *ToolUse    `json:"toolUse,omitempty"`
	ToolResult *ToolResult `json:"toolResult,omitempty"`
	CachePoint *CachePoint `json:"cachePoint,omitempty"`
}

// ToolUse is the model calling a tool. Input is a JSON object.
type ToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

// ToolResult answers the ToolUse of the previous assistant message with id ToolUseID.
// Status is "success", "error" or empty (success).
type ToolResult struct {
	ToolUseID string              `json:"toolUseId"`
	Content   []ToolResultContent `json:"content"`
	Status    string              `json:"status,omitempty"`
}

// ToolResultContent is one block of a ToolResult, a union: Text or JSON.
type ToolResultContent struct {
	Text string          `json:"text,omitempty"`
	JSON json.RawMessage `json:"json,omitempty"`
}

// SystemBlock is one block of the instructions, a union: Text or CachePoint.
type SystemBlock struct {
	Text       string      `json:"text,omitempty"`
	CachePoint *CachePoint `json:"cachePoint,omitempty"`
}

// CachePoint marks the end of a prefix the provider may cache. Type is "default".
type CachePoint struct {
	Type string `json:"type"`
}

// InferenceConfig bounds the answer.
type InferenceConfig struct {
	MaxTokens   *int     `json:"maxTokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"topP,omitempty"`
}

// ToolConfig lists the tools the model may call.
type ToolConfig struct {
	Tools []Tool `json:"tools"`
}

// Tool is one entry of ToolConfig.Tools, a union: a ToolSpec or a CachePoint (which ends a
// cacheable prefix after the tools before it).
type Tool struct {
	ToolSpec   *ToolSpec   `json:"toolSpec,omitempty"`
	CachePoint *CachePoint `json:"cachePoint,omitempty"`
}

// ToolSpec describes a tool; InputSchema.JSON is the JSON Schema of its input (an object).
type ToolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema ToolInputSchema `json:"inputSchema"`
}

// ToolInputSchema wraps the schema as Converse does ({"json": {...}}).
type ToolInputSchema struct {
	JSON json.RawMessage `json:"json"`
}

// Response is the body of a 200 answer.
type Response struct {
	Output     Output  `json:"output"`
	StopReason string  `json:"stopReason"`
	Usage      Usage   `json:"usage"`
	Metrics    Metrics `json:"metrics"`
}

// Output is Converse's output union; Message is its only member.
type Output struct {
	Message *Message `json:"message,omitempty"`
}

// Usage is what a call cost, in tokens. InputTokens excludes the tokens read from or written
// to the prompt cache (CacheReadInputTokens, CacheWriteInputTokens); TotalTokens is the sum
// of all four.
type Usage struct {
	InputTokens           int `json:"inputTokens"`
	OutputTokens          int `json:"outputTokens"`
	TotalTokens           int `json:"totalTokens"`
	CacheReadInputTokens  int `json:"cacheReadInputTokens"`
	CacheWriteInputTokens int `json:"cacheWriteInputTokens"`
}

// Metrics is Converse's latency report.
type Metrics struct {
	LatencyMs int64 `json:"latencyMs"`
}

// The stop reasons the server writes (a Brain may set others).
const (
	StopEndTurn   = "end_turn"
	StopToolUse   = "tool_use"
	StopMaxTokens = "max_tokens"
)
