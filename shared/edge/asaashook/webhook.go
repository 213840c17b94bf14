// Package asaashook receives Asaas's payment webhook (POST /webhooks/asaas/{clientId}): it
// checks the asaas-access-token header against the brand's webhook token, keeps the events
// that matter to an order (paid, overdue, removed, refunded), drops repeated deliveries, and
// puts the event on the inbound FIFO queue in the order's customer's group, so the worker
// handles it in order with the customer's own messages. It never calls Asaas and never
// waits for the conversation.
//
// Asaas counts only a 200 as delivered: anything else is retried, and repeated failures pause
// the brand's webhook queue at Asaas until someone resumes it. So every event that is
// understood but of no use here gets a 200 (an event of another kind, a charge that is not
// one of our orders), and a 5xx is answered only when retrying can help.
//
// Answers: 200 {"received":true} when the event is queued, was already processed, or is of
// no use here; 400 a body that is not an Asaas event (no id or event, a payment without id
// or with an amount that is not reais and cents); 401 a missing or wrong token, and the same
// 401 with the same body for a brand that does not exist or has no webhook token, so nobody
// can probe which brands exist; 404 a path that names no valid clientId; 405 a method other
// than POST; 413 body too large; 503 while another delivery of the same event holds its
// claim; 500 when the brand, its credentials or the order could not be read, or the event
// could not be queued.
//
// The claim on the event id has two phases, like the Twilio webhook's (see twiliohook): the
// webhook begins it (pending, with a short lease) and releases it when the queue refuses the
// event; the worker completes it once the event is processed (InboundMessage.ClaimKey). The
// 200 is sent only once the event is on the queue.
package asaashook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// PathPrefix is the route's prefix: the brand's clientId follows it. The URL to configure as
// the brand's webhook in Asaas is the public base URL + PathPrefix + clientId.
const PathPrefix = resourcenames.AsaasWebhookPathPrefix

// TokenHeader is the header Asaas sends the webhook's access token in.
const TokenHeader = "asaas-access-token"

// MaxBodyBytes bounds the event: a payment object is a few kilobytes.
const MaxBodyBytes = 64 << 10

// DefaultIdempotencyTTL is how long an event id is remembered: Asaas retries a failed
// delivery for days (and resumes a paused queue whenever someone does).
const DefaultIdempotencyTTL = 30 * 24 * time.Hour

// DefaultClaimLease is how long a delivery holds an event's claim before another delivery
// may take it over: long enough to queue the event, short enough that a crashed delivery's
// retry is not refused for long.
const DefaultClaimLease = 10 * time.Second

// BrandFinder finds a brand by its id (directory.Directory).
type BrandFinder interface {
	Brand(ctx context.Context, clientID string) (*domain.Client, error)
}

// OrderFinder reads an order (domain.OrderRepository).
type OrderFinder interface {
	GetOrder(ctx context.Context, clientID, orderID string) (*domain.Order, error)
}

// Deps are what the handler needs.
type Deps struct {
	Brands         BrandFinder
	Credentials    domain.PaymentCredentialSource
	Orders         OrderFinder
	Idempotency    domain.IdempotencyRepository
	Queue          domain.InboundQueue
	Logger         *slog.Logger
	Now            func() time.Time
	IdempotencyTTL time.Duration // default DefaultIdempotencyTTL
	ClaimLease     time.Duration // default DefaultClaimLease
}

// Handler is the webhook. It is safe for concurrent use.
type Handler struct {
	d Deps
}

// New validates deps and returns the handler.
func New(d Deps) (*Handler, error) {
	if d.Brands == nil || d.Credentials == nil || d.Orders == nil || d.Idempotency == nil || d.Queue == nil {
		return nil, errors.New("asaashook: brands, credentials, orders, idempotency and queue are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IdempotencyTTL == 0 {
		d.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if d.ClaimLease == 0 {
		d.ClaimLease = DefaultClaimLease
	}
	return &Handler{d: d}, nil
}

// Request is a webhook delivery as any front end sees it.
type Request struct {
	Method string
	Path   string // "/webhooks/asaas/{clientId}", unescaped
	Token  string // the asaas-access-token header
	Body   []byte
}

// Response is the answer to Asaas.
type Response struct {
	Status      int
	ContentType string
	Body        string
}

func plain(status int, body string) Response {
	return Response{Status: status, ContentType: "text/plain; charset=utf-8", Body: body}
}

// Received is the body of every 200.
const Received = `{"received":true}`

func received() Response {
	return Response{Status: 200, ContentType: "application/json", Body: Received}
}

// refused is the one answer for a delivery that does not prove it is the brand's Asaas
// webhook: no token, a wrong one, a brand without one, or no such brand.
func refused() Response { return plain(401, "invalid access token\n") }

func unavailable() Response { return plain(500, "temporarily unavailable\n") }

// The "event" attribute of the log lines the stack's alarms count.
const (
	EventRefused = resourcenames.EventAsaasWebhookRefused
	EventFailed  = resourcenames.EventAsaasWebhookFailed
)

// ClientIDFromPath returns the clientId of a webhook path, or false when the path is not
// PathPrefix followed by a valid id.
func ClientIDFromPath(path string) (string, bool) {
	id, ok := strings.CutPrefix(path, PathPrefix)
	if !ok || resourcenames.ValidateID("clientId", id) != nil {
		return "", false
	}
	return id, true
}

// Handle processes one delivery.
func (h *Handler) Handle(ctx context.Context, r Request) Response {
	if r.Method != "POST" {
		return plain(405, "method not allowed\n")
	}
	clientID, ok := ClientIDFromPath(r.Path)
	if !ok {
		return plain(404, "not found\n")
	}
	if len(r.Body) > MaxBodyBytes {
		return plain(413, "request body too large\n")
	}
	ctx = domain.NewContextWithTenant(ctx, clientID)
	log := h.d.Logger.With("clientId", clientID)
	if resp, ok := h.authenticate(ctx, log, clientID, r.Token); !ok {
		return resp
	}

	ev, err := decodeEvent(r.Body)
	if err != nil {
		log.ErrorContext(ctx, "asaas webhook: malformed event", "event", EventFailed, "error", err)
		return plain(400, "malformed event: "+err.Error()+"\n")
	}
	log = log.With("eventId", ev.EventID, "asaasEvent", ev.Type)
	if ev.Kind == "" {
		log.InfoContext(ctx, "asaas webhook: event ignored")
		return received()
	}
	log = log.With("paymentId", ev.PaymentID)

	client, err := h.d.Brands.Brand(ctx, clientID) // cached: authenticate read it
	if err != nil {
		log.ErrorContext(ctx, "asaas webhook cannot read the brand", "event", EventFailed, "error", err)
		return unavailable()
	}
	order, ok := h.order(ctx, log, clientID, ev)
	if !ok {
		return unavailable()
	}
	if order == nil {
		log.InfoContext(ctx, "asaas webhook: unknown payment, not one of the brand's orders", "orderId", ev.OrderID)
		return received()
	}
	log = log.With("orderId", order.OrderID, "from", domain.Mask(order.CustomerPhone))

	key := domain.PaymentClaimKey(ev.EventID)
	state, err := h.d.Idempotency.Begin(ctx, clientID, key, h.d.ClaimLease, h.d.IdempotencyTTL)
	switch {
	case err != nil:
		log.ErrorContext(ctx, "asaas webhook cannot record the event id", "event", EventFailed, "error", err)
		return unavailable()
	case state == domain.ClaimDone:
		log.InfoContext(ctx, "asaas webhook: repeated delivery of a processed event acknowledged")
		return received()
	case state == domain.ClaimInProgress:
		log.InfoContext(ctx, "asaas webhook: another delivery of this event holds its claim")
		return plain(503, "this event is being processed; retry later\n")
	}
	msg := domain.InboundMessage{
		Version:    domain.InboundMessageVersion,
		ClientID:   clientID,
		MessageSid: domain.PaymentMessageSid(ev.EventID),
		From:       order.CustomerPhone,
		To:         client.TwilioPhoneNumber,
		ReceivedAt: h.d.Now().UTC(),
		Payment:    &ev,
	}
	if err := h.d.Queue.Enqueue(ctx, msg); err != nil {
		log.ErrorContext(ctx, "asaas webhook cannot queue the event; Asaas will retry", "event", EventFailed, "error", err)
		if rerr := h.d.Idempotency.Release(context.WithoutCancel(ctx), clientID, key); rerr != nil {
			log.ErrorContext(ctx, "asaas webhook cannot release the event's claim: retries are refused until its lease ends", "error", rerr)
		}
		return unavailable()
	}
	log.InfoContext(ctx, "asaas webhook accepted a payment event", "kind", ev.Kind, "amountCents", ev.AmountCents)
	return received()
}

// authenticate checks token against the brand's webhook token. Every refusal is the same
// answer, whatever its cause (which is logged, never the token). A refusal for a brand that
// exists is logged as EventRefused, with its reason, for the alarm: Asaas pauses a webhook
// after repeated failures. One for an unknown brand is not (anyone can post to any path).
func (h *Handler) authenticate(ctx context.Context, log *slog.Logger, clientID, token string) (Response, bool) {
	_, err := h.d.Brands.Brand(ctx, clientID)
	switch {
	case domain.IsNotFound(err):
		log.InfoContext(ctx, "asaas webhook refused: unknown brand")
		return refused(), false
	case err != nil:
		log.ErrorContext(ctx, "asaas webhook cannot read the brand", "event", EventFailed, "error", err)
		return unavailable(), false
	}
	refuse := func(reason, why string) (Response, bool) {
		log.WarnContext(ctx, "asaas webhook refused: "+why, "event", EventRefused, "reason", reason)
		return refused(), false
	}
	if token == "" {
		return refuse("no_token", "no "+TokenHeader+" header")
	}
	creds, err := h.d.Credentials.PaymentCredentials(ctx, clientID)
	switch {
	case domain.IsNotFound(err):
		return refuse("no_credentials", "the brand has no Asaas credentials")
	case err != nil:
		log.ErrorContext(ctx, "asaas webhook cannot read the brand's Asaas credentials", "event", EventFailed, "error", err)
		return unavailable(), false
	case creds.WebhookToken == "":
		return refuse("no_webhook_token", "the brand has no webhook token configured")
	case !sameToken(token, creds.WebhookToken):
		return refuse("wrong_token", "wrong "+TokenHeader)
	}
	return Response{}, true
}

// sameToken compares in constant time; hashing first makes the time independent of the
// lengths as well (ConstantTimeCompare returns at once on a length mismatch).
func sameToken(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// order reads the event's order: nil (and true) when the charge is not one of the brand's
// orders (no reference, a reference that is no order id, no such order); false when it
// could not be read.
func (h *Handler) order(ctx context.Context, log *slog.Logger, clientID string, ev domain.PaymentEvent) (*domain.Order, bool) {
	if ev.OrderID == "" || len(ev.OrderID) > 64 {
		return nil, true
	}
	o, err := h.d.Orders.GetOrder(ctx, clientID, ev.OrderID)
	switch code := domain.ErrorCode(err); {
	case err == nil:
		return o, true
	case code == domain.ENOTFOUND || code == domain.EINVALID:
		return nil, true
	default:
		log.ErrorContext(ctx, "asaas webhook cannot read the order", "event", EventFailed, "orderId", ev.OrderID, "error", err)
		return nil, false
	}
}
