// Package twiliohook receives Twilio's incoming-message webhook (POST /webhooks/twilio): it finds
// the brand from the number that was called, checks X-Twilio-Signature with that brand's auth
// token, drops retried deliveries, and puts the message on the inbound FIFO queue. It never
// calls a language model and never waits for the conversation: Twilio gives up after 15 s.
//
// Answers: 200 with an empty TwiML <Response/> when the message is accepted (or was already
// processed); 400 malformed form, missing From/To, or a MessageSid that is not Twilio's
// (SM or MM and 32 lowercase hex digits); 403 missing or bad signature, and the same 403 with
// the same body for a number that is no active brand's, so nobody can probe which numbers are
// brands; 413 body too large; 503 while another delivery of the same message holds its claim;
// 500 when the message could not be queued. Twilio retries a 5xx only when the webhook URL
// carries a retry policy (resourcenames.WebhookRetryFragment).
//
// The claim on the MessageSid has two phases (domain.IdempotencyRepository.Begin): pending
// with a short lease while this delivery queues the message, done once the worker has put it
// in the customer's conversation. A crash between the claim and the queue leaves a pending
// claim whose lease runs out, so Twilio's retry is processed instead of being taken for a
// duplicate for 48 hours; a late duplicate that slips through is dropped by the queue's
// deduplication id (the MessageSid) and by the conversation's history.
package twiliohook

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/twilio"
)

// MaxBodyBytes bounds the form: a WhatsApp message is at most 4096 characters, and Twilio's
// other parameters (media URLs, profile, location) add a few kilobytes at most.
const MaxBodyBytes = 64 << 10

// EmptyTwiML tells Twilio there is nothing to reply synchronously: replies go out later
// through the REST API.
const EmptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// DefaultIdempotencyTTL is how long a MessageSid is remembered. Twilio retries within
// minutes; a day also covers a replay by hand.
const DefaultIdempotencyTTL = 48 * time.Hour

// DefaultClaimLease is how long a delivery holds a MessageSid's claim before another delivery
// may take it over. It equals the read timeout of the webhook URL's retry policy (rt=5000 in
// resourcenames.WebhookRetryFragment): when Twilio gives up waiting and retries, the retry can
// take the claim of the attempt it gave up on. Twilio's whole retry window is 15 s, so a longer
// lease would turn a crashed attempt's retries into 503s until Twilio stops trying. If the slow
// attempt was alive after all, both queue the message and SQS drops the second (the MessageSid
// is the deduplication id).
const DefaultClaimLease = 5 * time.Second

// messageSid is Twilio's format for a message SID: SM (a message) or MM (one with media) and
// 32 lowercase hex digits. Anything else is refused before a lookup, a claim or a queue.
var messageSid = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)

// refused is the one answer for a request that is not a valid Twilio delivery to an active
// brand: a missing or bad signature, or a number that is no active brand's.
func refused() Response { return plain(403, "invalid signature\n") }

// busy answers a delivery whose MessageSid another delivery is handling right now.
func busy() Response { return plain(503, "this message is being processed; retry later\n") }

// BrandFinder finds the brand that owns a WhatsApp number (directory.Directory, whose cache
// the webhook shares with every other path of the function).
type BrandFinder interface {
	BrandByNumber(ctx context.Context, number string) (*domain.Client, error)
}

// Deps are what the handler needs. PublicBaseURL is the scheme and host Twilio was configured
// with ("https://api.example.com"); empty means the request's own host over https (API
// Gateway's domain).
type Deps struct {
	Brands         BrandFinder
	Credentials    domain.CredentialSource
	Idempotency    domain.IdempotencyRepository
	Queue          domain.InboundQueue
	PublicBaseURL  string
	Logger         *slog.Logger
	Now            func() time.Time
	IdempotencyTTL time.Duration // default DefaultIdempotencyTTL
	ClaimLease     time.Duration // default DefaultClaimLease
	// Metrics counts each message queued (metrics.MessagesIn) by brand; nil counts nothing.
	Metrics metrics.Recorder
}

// Handler is the webhook. It is safe for concurrent use.
type Handler struct {
	d Deps
}

// New validates deps and returns the handler.
func New(d Deps) (*Handler, error) {
	if d.Brands == nil || d.Credentials == nil || d.Idempotency == nil || d.Queue == nil {
		return nil, errors.New("webhook: brands, credentials, idempotency and queue are required")
	}
	if d.PublicBaseURL != "" {
		u, err := url.Parse(d.PublicBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("webhook: PUBLIC_BASE_URL must be an absolute http(s) URL")
		}
		d.PublicBaseURL = strings.TrimRight(d.PublicBaseURL, "/")
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
	d.Metrics = metrics.Or(d.Metrics)
	return &Handler{d: d}, nil
}

// Request is a webhook delivery as any front end (net/http, API Gateway) sees it.
type Request struct {
	Host        string // the Host the request was sent to (API Gateway: the domain name)
	Path        string // raw path, "/webhooks/twilio"
	RawQuery    string // query string without "?"
	Signature   string // X-Twilio-Signature
	ContentType string
	Body        []byte
}

// Response is the answer to Twilio.
type Response struct {
	Status      int
	ContentType string
	Body        string
}

func plain(status int, body string) Response {
	return Response{Status: status, ContentType: "text/plain; charset=utf-8", Body: body}
}

func accepted() Response {
	return Response{Status: 200, ContentType: "text/xml; charset=utf-8", Body: EmptyTwiML}
}

// Handle processes one delivery.
func (h *Handler) Handle(ctx context.Context, r Request) Response {
	log := h.d.Logger
	if len(r.Body) > MaxBodyBytes {
		return plain(413, "request body too large\n")
	}
	if r.Signature == "" {
		log.WarnContext(ctx, "webhook refused: no X-Twilio-Signature")
		return refused()
	}
	if mt, _, err := mime.ParseMediaType(r.ContentType); err != nil || mt != "application/x-www-form-urlencoded" {
		return plain(400, "expected an application/x-www-form-urlencoded body\n")
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return plain(400, "malformed form body\n")
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0]
	}
	from, errFrom := domain.ParseWhatsAppAddress(params["From"])
	to, errTo := domain.ParseWhatsAppAddress(params["To"])
	sid := params["MessageSid"]
	if errFrom != nil || errTo != nil || !messageSid.MatchString(sid) {
		return plain(400, "From and To must be WhatsApp addresses and MessageSid a Twilio message SID\n")
	}

	client, err := h.d.Brands.BrandByNumber(ctx, to)
	switch {
	case domain.IsNotFound(err):
		log.InfoContext(ctx, "webhook refused: unknown number", "to", domain.Mask(to))
		return refused()
	case err != nil:
		log.ErrorContext(ctx, "webhook cannot look up the number", "to", domain.Mask(to), "error", err)
		return plain(500, "temporarily unavailable\n")
	case !client.IsActive:
		// An inactive brand is no brand from outside (messages queued before it was
		// deactivated get its notice from the worker).
		log.InfoContext(ctx, "webhook refused: inactive client", "clientId", client.ClientID)
		return refused()
	}
	ctx = domain.NewContextWithTenant(ctx, client.ClientID)
	log = log.With("clientId", client.ClientID, "messageSid", sid)

	creds, err := h.d.Credentials.TwilioCredentials(ctx, client.ClientID)
	if err != nil {
		log.ErrorContext(ctx, "webhook cannot read the client's Twilio credentials", "error", err)
		return plain(500, "temporarily unavailable\n")
	}
	if !twilio.ValidSignature(creds.AuthToken, h.signedURL(r), params, r.Signature) {
		log.WarnContext(ctx, "webhook refused: bad X-Twilio-Signature", "from", domain.Mask(from))
		return refused()
	}

	key := domain.InboundClaimKey(sid)
	state, err := h.d.Idempotency.Begin(ctx, client.ClientID, key, h.d.ClaimLease, h.d.IdempotencyTTL)
	switch {
	case err != nil:
		log.ErrorContext(ctx, "webhook cannot record the MessageSid", "error", err)
		return plain(500, "temporarily unavailable\n")
	case state == domain.ClaimDone:
		log.InfoContext(ctx, "webhook: repeated delivery of a processed message acknowledged")
		return accepted()
	case state == domain.ClaimInProgress:
		log.InfoContext(ctx, "webhook: another delivery of this message holds its claim")
		return busy()
	}
	msg := domain.InboundMessage{
		Version:     domain.InboundMessageVersion,
		ClientID:    client.ClientID,
		MessageSid:  sid,
		From:        from,
		To:          to,
		Body:        params["Body"],
		ProfileName: params["ProfileName"],
		ReceivedAt:  h.d.Now().UTC(),
	}
	if n, err := strconv.Atoi(params["NumMedia"]); err == nil && n > 0 && n <= 10 {
		msg.NumMedia = n // media are not processed yet; the engine can say so
	}
	if err := h.d.Queue.Enqueue(ctx, msg); err != nil {
		log.ErrorContext(ctx, "webhook cannot queue the message; Twilio will retry", "error", err)
		if rerr := h.d.Idempotency.Release(context.WithoutCancel(ctx), client.ClientID, key); rerr != nil {
			log.ErrorContext(ctx, "webhook cannot release the MessageSid claim: the retry will be dropped", "error", rerr)
		}
		return plain(500, "temporarily unavailable\n")
	}
	h.d.Metrics.Count(ctx, metrics.MessagesIn, 1, metrics.Dims{ClientID: client.ClientID})
	log.InfoContext(ctx, "webhook accepted a message", "from", domain.Mask(from))
	return accepted()
}

// signedURL is the URL Twilio signed: the URL configured in the console, which is the public
// base URL plus the path (and query string, if the console URL had one).
func (h *Handler) signedURL(r Request) string {
	base := h.d.PublicBaseURL
	if base == "" {
		base = "https://" + r.Host
	}
	u := base + r.Path
	if r.RawQuery != "" {
		u += "?" + r.RawQuery
	}
	return u
}
