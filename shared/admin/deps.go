package admin

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/secrets"
)

// Deps are what the API needs. Auth, Repos, Integrations and Queues are required; the rest
// is optional, and a route whose part is missing answers 501.
type Deps struct {
	// Auth verifies bearer tokens (adminauth.Verifier in AWS and locally).
	Auth Authenticator
	// Repos reaches the brands' data: in AWS through sessions of the tenant admin role,
	// tagged with the brand of each request (the brand list and the audit use the admin
	// function's own role).
	Repos *dynamo.Repositories
	// Integrations writes and inspects the brands' Twilio and Asaas secrets.
	Integrations *secrets.Integrations
	// Queues reads queue depths (the stores' POS queues and dead-letter queues, the inbound
	// dead-letter queue).
	Queues QueueDepths
	// InboundDLQURL is the inbound dead-letter queue, for the platform's depths.
	InboundDLQURL string
	// Env is the environment: store queue names derive from it.
	Env string
	// Operator acts on live conversations (the conversation engine).
	Operator Operator
	// Sandbox runs the engine for test chats.
	Sandbox Sandbox
	// Privacy exports and erases a customer's data.
	Privacy Privacy
	// Metrics reads the daily counters.
	Metrics MetricsReader
	// Texts validates and previews conversation texts and prompts.
	Texts Texts
	// AfterRequest, when set, runs after every request (the daily counters' flush).
	AfterRequest func(context.Context)
	Now          func() time.Time
	Logger       *slog.Logger
}

func (d *Deps) check() error {
	switch {
	case d.Auth == nil:
		return errors.New("admin: Auth is required")
	case d.Repos == nil:
		return errors.New("admin: Repos is required")
	case d.Integrations == nil:
		return errors.New("admin: Integrations is required")
	case d.Queues == nil:
		return errors.New("admin: Queues is required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return nil
}

// QueueDepths reads a queue's approximate depths with the tenant's credentials ("" for
// the platform's queues).
type QueueDepths interface {
	Depth(ctx context.Context, tenant, queueURL string) (QueueDepth, error)
}

// QueueDepth is SQS's approximate counts of a queue.
type QueueDepth struct {
	Visible  int64 `json:"visible"`
	InFlight int64 `json:"inFlight"`
	Delayed  int64 `json:"delayed"`
}

// Operator is what the API asks of the conversation engine for a live conversation.
type Operator interface {
	// ResetConversation deletes the live conversation and returns it as it was.
	ResetConversation(ctx context.Context, clientID, phone string) (*domain.Conversation, error)
	Handoff(ctx context.Context, clientID, phone string) (*domain.Conversation, error)
	Resume(ctx context.Context, clientID, phone string) (*domain.Conversation, error)
	OperatorMessage(ctx context.Context, clientID, phone, body string) (*domain.Conversation, error)
	// CancelOrder cancels an order that is not cancelled yet: it removes the order's unpaid
	// charge or refunds its payment, sends order.cancelled to the store's POS queue if the
	// order had reached it, and tells the customer. An order already cancelled is returned
	// unchanged; ENOTFOUND when the brand has no such order. A test order is cancelled the
	// same way (it never reached a POS).
	CancelOrder(ctx context.Context, clientID, orderID, reason string) (*domain.Order, error)
}

// Sandbox runs test chats: *conversation.Sandbox.
type Sandbox interface {
	Send(ctx context.Context, clientID, storeID, operatorID, text string) (conversation.SandboxResult, error)
	Reset(ctx context.Context, clientID, operatorID string) error
	// Conversation is the operator's live test conversation, ENOTFOUND when there is none.
	Conversation(ctx context.Context, clientID, operatorID string) (*domain.Conversation, error)
}

// Privacy answers LGPD requests: *privacy.Service.
type Privacy interface {
	Export(ctx context.Context, clientID, phone string) (*privacy.Export, error)
	EraseCustomer(ctx context.Context, clientID, phone string) (domain.ErasureReport, error)
}

// MetricsReader reads the daily counters.
type MetricsReader interface {
	Daily(ctx context.Context, clientID, from, to, storeID string) (MetricsView, error)
}

// DayView is one store's (or, without storeId, the brand's counts no store was known for)
// counters of one day, with its conversion (orders / conversations).
type DayView struct {
	domain.DailyCounters
	Conversion float64 `json:"conversion"`
}

// MetricsView is a brand's daily counters over a range of days (São Paulo's days), with
// their totals.
type MetricsView struct {
	ClientID   string        `json:"clientId"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	Days       []DayView     `json:"days"`
	Totals     domain.Counts `json:"totals"`
	Conversion float64       `json:"conversion"`
}

// Texts validates and previews the brand's conversation texts and prompt template.
type Texts interface {
	// Catalog lists every text with its defaults and the brand's overrides.
	Catalog(c *domain.Client) any
	ValidateTexts(texts map[string]map[domain.Language]string) error
	PreviewText(c *domain.Client, lang domain.Language, id string) (string, error)
	PromptVariables() any
	ValidatePrompt(tmpl string) error
	RenderPrompt(ctx context.Context, c *domain.Client, storeID string, lang domain.Language, tmpl string) (string, error)
}

func errNotConfigured(part string) error {
	return &apiError{status: 501, kind: "not-configured", title: "Not configured", detail: part + " is not configured in this deployment"}
}
