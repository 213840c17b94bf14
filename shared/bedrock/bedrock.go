// Package bedrock is the domain.LanguageModel over Amazon Bedrock Runtime's Converse API
// (the AWS SDK's bedrockruntime client). In AWS it calls the brand's application inference
// profile with the brand's own session (see ClientsFrom over awsclients.TenantSessions); on
// the local stack, and in its tests, it calls the local model stand-in
// (shared/dev/localmodel) through the same SDK client, its endpoint overridden.
//
// A call is short on purpose: the engine asks the model only for what its rules cannot
// read, and answers with the rules when the model fails, whatever the failure. So the
// adapter bounds each call (WithTimeout, DefaultTimeout) and lets the SDK retry once at
// most (WithMaxAttempts, DefaultMaxAttempts) with a short backoff: a throttled or slow turn
// fails fast and the customer gets the rules' answer instead of a long silence.
//
// Neither the adapter's errors nor anything else here carries prompts or message text; the
// errors wrap the SDK's, which name the operation, the status and the service's own
// message.
package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithy "github.com/aws/smithy-go"
	smithydocument "github.com/aws/smithy-go/document"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Defaults of a Model.
const (
	// DefaultTimeout bounds one Converse call, retries included: a WhatsApp turn cannot
	// wait much longer, and the rules answer at once.
	DefaultTimeout = 8 * time.Second
	// DefaultMaxAttempts is the SDK's attempts per call: one retry, for a throttle or a
	// transient 5xx, then the error.
	DefaultMaxAttempts = 2
	// maxRetryBackoff caps the SDK's wait before a retry (its own cap is 20 s).
	maxRetryBackoff = time.Second
)

// Clients hands out a tenant's Bedrock Runtime client (ClientsFrom builds them from
// awsclients' tenant sessions).
type Clients interface {
	BedrockRuntime(ctx context.Context, tenant string) (*bedrockruntime.Client, error)
}

// Model is the domain.LanguageModel over Converse. Make one with New.
type Model struct {
	clients     Clients
	timeout     time.Duration
	maxAttempts int
}

var _ domain.LanguageModel = (*Model)(nil)

// Option configures a Model.
type Option func(*Model)

// WithTimeout bounds each call (DefaultTimeout by default; d <= 0 keeps the default). The
// caller's own deadline, when earlier, still applies.
func WithTimeout(d time.Duration) Option {
	return func(m *Model) {
		if d > 0 {
			m.timeout = d
		}
	}
}

// WithMaxAttempts sets the SDK's attempts per call, the first included (DefaultMaxAttempts
// by default; n < 1 keeps the default). 1 disables retries.
func WithMaxAttempts(n int) Option {
	return func(m *Model) {
		if n >= 1 {
			m.maxAttempts = n
		}
	}
}

// New returns the Model calling through clients.
func New(clients Clients, opts ...Option) *Model {
	m := &Model{clients: clients, timeout: DefaultTimeout, maxAttempts: DefaultMaxAttempts}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Converse implements domain.LanguageModel: one Converse call of req.ModelID with the
// client of ctx's tenant. A ctx without a tenant is refused (EFORBIDDEN) before any call:
// a model call is always some brand's, on its credentials and its bill.
func (m *Model) Converse(ctx context.Context, req domain.ModelRequest) (domain.ModelResponse, error) {
	tenant := domain.TenantFromContext(ctx)
	if tenant == "" {
		return domain.ModelResponse{}, domain.Errorf(domain.EFORBIDDEN, "bedrock: converse: no tenant in context")
	}
	if req.ModelID == "" {
		return domain.ModelResponse{}, domain.Errorf(domain.EINVALID, "bedrock: converse: no model id")
	}
	in, err := converseInput(req)
	if err != nil {
		return domain.ModelResponse{}, fmt.Errorf("bedrock: converse: %w", err)
	}
	client, err := m.clients.BedrockRuntime(ctx, tenant)
	if err != nil {
		return domain.ModelResponse{}, fmt.Errorf("bedrock: converse: client of tenant %q: %w", tenant, err)
	}

	callCtx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	out, err := client.Converse(callCtx, in, func(o *bedrockruntime.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(retry.AddWithMaxAttempts(o.Retryer, m.maxAttempts), maxRetryBackoff)
	})
	if err != nil {
		return domain.ModelResponse{}, classify(callCtx, err)
	}
	resp, err := modelResponse(out)
	if err != nil {
		return domain.ModelResponse{}, fmt.Errorf("bedrock: converse: %w: %w", domain.ErrModelBadResponse, err)
	}
	return resp, nil
}

// classify wraps err with the domain's model error it is, if any:
//
//   - ErrModelThrottled: ThrottlingException (a rate), ServiceQuotaExceededException (a
//     quota) and ModelNotReadyException (Bedrock's 429 while it brings the model up: it
//     asks to come back later, as a throttle does);
//   - ErrModelTimeout: the call's deadline passed (the adapter's timeout or ctx's), a
//     network timeout, or the service's ModelTimeoutException;
//   - ErrModelBadResponse: an answer the SDK could not deserialize.
//
// Anything else (a refusal, a 5xx, a cancellation by the caller) is wrapped as it came.
func classify(callCtx context.Context, err error) error {
	var (
		throttled    *types.ThrottlingException
		quota        *types.ServiceQuotaExceededException
		notReady     *types.ModelNotReadyException
		modelTimeout *types.ModelTimeoutException
		netErr       net.Error
		canceled     *aws.RequestCanceledError
		deser        *smithy.DeserializationError
	)
	var kind error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		kind = domain.ErrModelTimeout
	case errors.As(err, &throttled), errors.As(err, &quota), errors.As(err, &notReady):
		kind = domain.ErrModelThrottled
	case errors.As(err, &modelTimeout), errors.As(err, &netErr) && netErr.Timeout():
		kind = domain.ErrModelTimeout
	case errors.As(err, &canceled) && !errors.Is(err, context.Canceled):
		kind = domain.ErrModelTimeout
	case errors.As(err, &deser):
		kind = domain.ErrModelBadResponse
	case errors.Is(callCtx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
		// The deadline passed and the transport said so in its own words.
		kind = domain.ErrModelTimeout
	default:
		return fmt.Errorf("bedrock: converse: %w", err)
	}
	return fmt.Errorf("bedrock: converse: %w: %w", kind, err)
}

// converseInput maps req to Converse's input. It fails only on a tool input or schema that
// is not a JSON object (the engine's bug, not the model's).
func converseInput(req domain.ModelRequest) (*bedrockruntime.ConverseInput, error) {
	in := &bedrockruntime.ConverseInput{
		ModelId: aws.String(req.ModelID),
		InferenceConfig: &types.InferenceConfiguration{
			Temperature: aws.Float32(float32(req.Temperature)),
		},
	}
	if req.MaxTokens > 0 {
		in.InferenceConfig.MaxTokens = aws.Int32(int32(min(req.MaxTokens, 1<<31-1)))
	}

	caching := false
	for _, b := range req.System {
		if b.Text != "" {
			in.System = append(in.System, &types.SystemContentBlockMemberText{Value: b.Text})
		}
		if b.CachePoint {
			caching = true
			in.System = append(in.System, &types.SystemContentBlockMemberCachePoint{Value: cachePoint()})
		}
	}

	if len(req.Tools) > 0 {
		tc := &types.ToolConfiguration{}
		for _, t := range req.Tools {
			schema, err := objectDocument(t.InputSchema, `{"type":"object","properties":{}}`)
			if err != nil {
				return nil, fmt.Errorf("tool %q: input schema: %w", t.Name, err)
			}
			spec := types.ToolSpecification{
				Name:        aws.String(t.Name),
				InputSchema: &types.ToolInputSchemaMemberJson{Value: schema},
			}
			if t.Description != "" {
				spec.Description = aws.String(t.Description)
			}
			tc.Tools = append(tc.Tools, &types.ToolMemberToolSpec{Value: spec})
		}
		// The tools come first in the prompt: with a cache point of their own they stay
		// cached when only the system blocks after them change. Only when the caller asked
		// for caching at all.
		if caching {
			tc.Tools = append(tc.Tools, &types.ToolMemberCachePoint{Value: cachePoint()})
		}
		in.ToolConfig = tc
	}

	for i, msg := range req.Messages {
		out := types.Message{Role: types.ConversationRole(msg.Role)}
		for j, c := range msg.Content {
			switch {
			case c.ToolUse != nil:
				input, err := objectDocument(c.ToolUse.Input, "{}")
				if err != nil {
					return nil, fmt.Errorf("message %d, block %d: tool %q input: %w", i, j, c.ToolUse.Name, err)
				}
				out.Content = append(out.Content, &types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
					ToolUseId: aws.String(c.ToolUse.ID),
					Name:      aws.String(c.ToolUse.Name),
					Input:     input,
				}})
			case c.ToolResult != nil:
				r := types.ToolResultBlock{
					ToolUseId: aws.String(c.ToolResult.ToolUseID),
					Status:    types.ToolResultStatusSuccess,
				}
				if c.ToolResult.Error {
					r.Status = types.ToolResultStatusError
				}
				if c.ToolResult.Text != "" {
					r.Content = []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: c.ToolResult.Text}}
				} else {
					// Converse refuses a blank text block; an empty object says "nothing".
					r.Content = []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberJson{Value: document.NewLazyDocument(map[string]any{})}}
				}
				out.Content = append(out.Content, &types.ContentBlockMemberToolResult{Value: r})
			case c.Text != "":
				out.Content = append(out.Content, &types.ContentBlockMemberText{Value: c.Text})
			}
			// An empty block carries nothing: Converse would refuse it.
		}
		in.Messages = append(in.Messages, out)
	}
	return in, nil
}

func cachePoint() types.CachePointBlock {
	return types.CachePointBlock{Type: types.CachePointTypeDefault}
}

// objectDocument returns raw, a JSON object, as a document for the SDK (def when raw is
// empty). Numbers keep their literal: the SDK's document encoder writes a
// smithydocument.Number as it is, where a float64 would round a large integer.
func objectDocument(raw json.RawMessage, def string) (document.Interface, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage(def)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return nil, errors.New("not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("not a single JSON object")
	}
	doc := document.NewLazyDocument(smithyNumbers(v))
	// The SDK's serializer drops an encoding error and writes a broken body: check first.
	if _, err := doc.MarshalSmithyDocument(); err != nil {
		return nil, err
	}
	return doc, nil
}

// smithyNumbers returns v with every json.Number turned into a smithydocument.Number (the
// SDK's encoder would write a json.Number as a string).
func smithyNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		return smithydocument.Number(t)
	case map[string]any:
		for k, e := range t {
			t[k] = smithyNumbers(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = smithyNumbers(e)
		}
		return t
	}
	return v
}

// modelResponse maps Converse's output to the domain's. It fails on an answer without a
// message, or with a tool call without an id, a name or an object input; blocks the engine
// does not read (reasoning, citations, ...) are dropped.
func modelResponse(out *bedrockruntime.ConverseOutput) (domain.ModelResponse, error) {
	msgOut, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok || msgOut == nil {
		return domain.ModelResponse{}, errors.New("no output message")
	}
	msg := domain.ModelMessage{Role: domain.ModelRole(msgOut.Value.Role)}
	if msg.Role == "" {
		msg.Role = domain.RoleAssistant
	}
	for i, c := range msgOut.Value.Content {
		switch b := c.(type) {
		case *types.ContentBlockMemberText:
			msg.Content = append(msg.Content, domain.ModelContent{Text: b.Value})
		case *types.ContentBlockMemberToolUse:
			id, name := aws.ToString(b.Value.ToolUseId), aws.ToString(b.Value.Name)
			if id == "" || name == "" {
				return domain.ModelResponse{}, fmt.Errorf("block %d: tool use without an id or a name", i)
			}
			input := json.RawMessage("{}")
			if b.Value.Input != nil {
				raw, err := b.Value.Input.MarshalSmithyDocument()
				if err != nil {
					return domain.ModelResponse{}, fmt.Errorf("block %d: tool %q input: %w", i, name, err)
				}
				var obj map[string]json.RawMessage
				if json.Unmarshal(raw, &obj) != nil || obj == nil {
					return domain.ModelResponse{}, fmt.Errorf("block %d: tool %q input is not a JSON object", i, name)
				}
				input = raw
			}
			msg.Content = append(msg.Content, domain.ModelContent{ToolUse: &domain.ToolUse{ID: id, Name: name, Input: input}})
		}
	}
	resp := domain.ModelResponse{Message: msg, Stop: domain.ModelStop(out.StopReason)}
	if u := out.Usage; u != nil {
		resp.Usage = domain.ModelUsage{
			InputTokens:      int64(aws.ToInt32(u.InputTokens)),
			OutputTokens:     int64(aws.ToInt32(u.OutputTokens)),
			CacheReadTokens:  int64(aws.ToInt32(u.CacheReadInputTokens)),
			CacheWriteTokens: int64(aws.ToInt32(u.CacheWriteInputTokens)),
		}
	}
	return resp, nil
}
