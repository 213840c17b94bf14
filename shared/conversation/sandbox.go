package conversation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
)

// Sandbox is the admin's test chat (seed 5.2): an operator writes to a brand as a customer
// would and sees the bot's answers, run by the real engine over the real data (the brand's
// configuration, stores, menu and text overrides), for a sandbox customer of their own
// (domain.SandboxNumber of their user id). What differs from a customer's turn:
//
//   - the replies are captured and returned, never sent (the sandbox's own messenger; the
//     Twilio messenger also refuses a sandbox number);
//   - orders are placed with Test set and never published to a store's POS (there is no
//     publisher; the POS publisher also refuses them): a paid-at-the-door order stops at
//     CONFIRMED, "test order: not sent to the point of sale";
//   - nothing is counted in the metrics but the model's calls and tokens (metrics.ModelUsage):
//     the brand pays for them whoever asks, so they count in its daily counters and its
//     daily token budget; its messages, conversations, orders, fallbacks and cache hits do
//     not;
//   - the turn runs synchronously, one at a time per operator and brand, and says what the
//     model did for it (SandboxResult.Model).
//
// With Deps.Model the test chat reads messages as the WhatsApp bot does: the rules first,
// the model for what they cannot read, within the brand's daily budget (Deps.ModelSpend).
//
// The sandbox customer's conversation, mapping and orders are stored like a customer's (the
// store's conversation list shows them: domain.IsSandboxNumber tells them apart) until Reset
// or their TTL.
type Sandbox struct {
	svc *Service
	mu  sync.Mutex
	ops map[string]*opLock
}

type opLock struct {
	mu    sync.Mutex
	users int
}

// SandboxResult is what one message to the sandbox produced.
type SandboxResult struct {
	// Replies are the bot's messages, as the customer would get them (one per WhatsApp
	// message; a template shows as "[template <ContentSid>]").
	Replies []string `json:"replies"`
	// StateBefore and StateAfter are the conversation's state before and after the message
	// ("" when there was none).
	StateBefore domain.State `json:"stateBefore"`
	StateAfter  domain.State `json:"stateAfter"`
	// Conversation is the sandbox conversation after the message; nil when there is none
	// (after an erasure, or an answer that creates none).
	Conversation *domain.Conversation `json:"conversation,omitempty"`
	// Order is the order the message placed, if any (a test order).
	Order *domain.Order `json:"order,omitempty"`
	// Model is what the language model did for the message; nil when the engine did not turn
	// to it (the rules read the message, or there is no model).
	Model *SandboxModel `json:"model,omitempty"`
}

// SandboxModel is the language model's part of one sandbox message: its calls, their tokens
// (as Bedrock reports them, the figures the brand's daily counters and budget add up) and
// the tools it called.
type SandboxModel struct {
	// Calls are the model calls made (tool rounds included, a failed call too): 0 when the
	// answer came from the answer cache or the brand's daily budget is spent.
	Calls int `json:"calls"`
	// InputTokens are the input tokens read at full price (not from the prompt cache);
	// OutputTokens the tokens generated; CacheReadTokens and CacheWriteTokens the input
	// tokens read from and written to the prompt cache. The budget counts input, output and
	// cache writes.
	InputTokens      int64 `json:"inputTokens"`
	OutputTokens     int64 `json:"outputTokens"`
	CacheReadTokens  int64 `json:"cacheReadTokens"`
	CacheWriteTokens int64 `json:"cacheWriteTokens"`
	// Tools are the names of the tools the model called, in order, one per call of a tool
	// (empty when it called none).
	Tools []string `json:"tools"`
	// Cached: the answer is the answer cache's (the same question at the same store within
	// AnswerTTL), no call made.
	Cached bool `json:"cached"`
	// Fallback: the model was asked but the engine's own texts answered; FallbackReason says
	// why: "error" (a call failed: throttled, timed out, malformed), "budget" (the brand's
	// daily token budget is spent, no call made), "refused" (its reply failed the engine's
	// check) or "calls" (it used its four calls without a final answer).
	Fallback       bool   `json:"fallback"`
	FallbackReason string `json:"fallbackReason,omitempty"`
}

// MaxSandboxText bounds a sandbox message: WhatsApp's longest body.
const MaxSandboxText = 4096

// NewSandbox returns a sandbox over d, the Deps of New but for Messenger and Publisher, which
// it replaces (they are ignored), and Metrics, which gets only the model's calls and tokens
// (metrics.ModelUsage). With Orders nil no order can be placed; Eraser, when set, also
// serves Reset; Model, ModelID and ModelSpend are the model's as for New.
func NewSandbox(d Deps) (*Sandbox, error) {
	d.Messenger = capturingMessenger{}
	d.Publisher = nil
	d.Metrics = metrics.Only(d.Metrics, metrics.ModelUsage()...)
	svc, err := newService(d, true)
	if err != nil {
		return nil, err
	}
	return &Sandbox{svc: svc, ops: map[string]*opLock{}}, nil
}

// Send runs text through the engine as the message of operatorID's sandbox customer to the
// brand clientID, and returns what the customer would see. storeID, when given, pins the
// sandbox customer to that store of the brand first (ENOTFOUND when the brand has no such
// store), as if they had chosen it; "" leaves their mapping as it is (a first message then
// gets the store list of a brand with several). EINVALID for an empty operatorID or text, or
// a text longer than MaxSandboxText; EFORBIDDEN when ctx carries another tenant.
func (sb *Sandbox) Send(ctx context.Context, clientID, storeID, operatorID, text string) (SandboxResult, error) {
	var res SandboxResult
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return res, err
	}
	switch {
	case strings.TrimSpace(operatorID) == "":
		return res, domain.InvalidField("operatorId", "the operator is required")
	case strings.TrimSpace(text) == "":
		return res, domain.InvalidField("text", "a message is required")
	case utf8.RuneCountInString(text) > MaxSandboxText:
		return res, domain.InvalidField("text", "at most %d characters", MaxSandboxText)
	}
	phone := domain.SandboxNumber(operatorID)
	defer sb.lock(clientID + "|" + phone)()
	s := sb.svc
	client, err := s.dir.Brand(ctx, clientID)
	if err != nil {
		return res, err
	}
	if storeID != "" {
		if err := sb.pin(ctx, clientID, storeID, phone); err != nil {
			return res, err
		}
	}
	before, err := s.getConversation(ctx, clientID, phone)
	if err != nil {
		return res, err
	}
	if before != nil {
		res.StateBefore = before.CurrentState
	}
	c := &capture{}
	msg := domain.InboundMessage{
		Version: domain.InboundMessageVersion, ClientID: clientID, MessageSid: sandboxSid(),
		From: phone, To: client.TwilioPhoneNumber, Body: text, ProfileName: "Sandbox",
		ReceivedAt: s.now(),
	}
	if err := s.Handle(context.WithValue(ctx, captureKey{}, c), msg); err != nil {
		return res, err
	}
	after, err := s.getConversation(ctx, clientID, phone)
	if err != nil {
		return res, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	res.Replies = append([]string{}, c.replies...)
	res.Order = c.order
	res.Model = c.model()
	res.Conversation = after
	if after != nil {
		res.StateAfter = after.CurrentState
	}
	return res, nil
}

// Reset forgets operatorID's sandbox customer of the brand: with an eraser, everything the
// platform holds about them (Deps.Eraser: mapping, conversation, records; test orders are
// pseudonymised); without one, the conversation is deleted and the mapping cleared (no store,
// not opted out, no name), which the engine treats as a new customer.
func (sb *Sandbox) Reset(ctx context.Context, clientID, operatorID string) error {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(operatorID) == "" {
		return domain.InvalidField("operatorId", "the operator is required")
	}
	phone := domain.SandboxNumber(operatorID)
	defer sb.lock(clientID + "|" + phone)()
	s := sb.svc
	if s.d.Eraser != nil {
		_, err := s.d.Eraser.EraseCustomer(ctx, clientID, phone)
		return err
	}
	if err := s.d.Conversations.DeleteConversation(ctx, clientID, phone); err != nil {
		return err
	}
	_, err = s.d.Mappings.UpdateMapping(ctx, clientID, phone, func(m *domain.PhoneMapping) error {
		m.StoreID, m.OptedOut, m.CustomerName = "", false, ""
		return nil
	})
	if domain.IsNotFound(err) {
		return nil
	}
	return err
}

// Conversation returns the operator's live test conversation with the brand, ENOTFOUND when
// there is none (never started, started over, or expired).
func (sb *Sandbox) Conversation(ctx context.Context, clientID, operatorID string) (*domain.Conversation, error) {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(operatorID) == "" {
		return nil, domain.InvalidField("operatorId", "the operator is required")
	}
	conv, err := sb.svc.getConversation(ctx, clientID, domain.SandboxNumber(operatorID))
	if err != nil {
		return nil, err
	}
	if conv == nil {
		return nil, domain.Errorf(domain.ENOTFOUND, "no test conversation with %s: send a message to start one", clientID)
	}
	return conv, nil
}

// pin maps the sandbox customer to storeID, a store of the brand.
func (sb *Sandbox) pin(ctx context.Context, clientID, storeID, phone string) error {
	s := sb.svc
	if _, err := s.dir.Store(ctx, clientID, storeID); err != nil {
		return err
	}
	m, err := s.getMapping(ctx, clientID, phone)
	if err != nil {
		return err
	}
	if m != nil && m.StoreID == storeID {
		return nil
	}
	_, err = s.writeMapping(ctx, m, clientID, phone, mappingChange{StoreID: &storeID}, s.now())
	return err
}

// lock serialises the sandbox turns of one operator with one brand; it returns the unlock.
func (sb *Sandbox) lock(key string) func() {
	sb.mu.Lock()
	l := sb.ops[key]
	if l == nil {
		l = &opLock{}
		sb.ops[key] = l
	}
	l.users++
	sb.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		sb.mu.Lock()
		if l.users--; l.users == 0 {
			delete(sb.ops, key)
		}
		sb.mu.Unlock()
	}
}

// sandboxSid is a fresh id shaped like Twilio's MessageSid ("SM" and 32 hex digits).
func sandboxSid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "SM" + hex.EncodeToString(b)
}

// capture collects what one sandbox turn sends and places, and what the model did for it:
// each Send has its own, in its context, so concurrent turns never share one.
type capture struct {
	mu      sync.Mutex
	replies []string
	order   *domain.Order
	calls   int
	usage   domain.ModelUsage
	tools   []string
	ai      aiNote
}

type captureKey struct{}

func captureFrom(ctx context.Context) *capture {
	c, _ := ctx.Value(captureKey{}).(*capture)
	return c
}

// modelCalled records a model call of the turn (made, not answered from the turn's memo).
func (c *capture) modelCalled(resp domain.ModelResponse, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if err != nil {
		return
	}
	c.usage = c.usage.Add(resp.Usage)
	for _, u := range resp.Message.ToolUses() {
		c.tools = append(c.tools, u.Name)
	}
}

// setAI records the model's part of the finished turn.
func (c *capture) setAI(n aiNote) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ai = n
}

// model is the turn's SandboxModel: nil when the engine did not turn to the model. Called
// with c.mu held.
func (c *capture) model() *SandboxModel {
	if !c.ai.tried && c.calls == 0 {
		return nil
	}
	return &SandboxModel{
		Calls: c.calls, InputTokens: c.usage.InputTokens, OutputTokens: c.usage.OutputTokens,
		CacheReadTokens: c.usage.CacheReadTokens, CacheWriteTokens: c.usage.CacheWriteTokens,
		// Cached only when no call was made for the message: a turn computed again after a
		// lost write finds the answer its first computation cached.
		Tools: append([]string{}, c.tools...), Cached: c.ai.cacheHit && c.calls == 0,
		Fallback: c.ai.fallback != "", FallbackReason: c.ai.fallback,
	}
}

func (c *capture) setOrder(o *domain.Order) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *o
	c.order = &cp
}

// capturingMessenger is the sandbox's messenger: it keeps each message in the capture of the
// turn (the context of Sandbox.Send) and sends nothing. Outside a sandbox turn, or to a real
// customer, it refuses.
type capturingMessenger struct{}

func (capturingMessenger) Send(ctx context.Context, m domain.OutboundMessage) (string, error) {
	c := captureFrom(ctx)
	if c == nil || !domain.IsSandboxNumber(m.To) {
		return "", domain.Errorf(domain.EINTERNAL, "the sandbox messenger only answers sandbox turns")
	}
	body := m.Body
	if m.ContentSID != "" {
		body = "[template " + m.ContentSID + "]"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replies = append(c.replies, body)
	return sandboxSid(), nil
}
