// Package asaas charges orders through Asaas's REST API v3 (https://docs.asaas.com) with each
// brand's own Asaas account: PIX charges with their QR code, card charges with Asaas's payment
// page, cancellations and refunds. Asaas publishes no Go SDK, so this is a small client over
// net/http (Client) and the domain.PaymentProvider built on it (Provider).
//
// Money is the thing to get right, twice over. Amounts travel as JSON decimal numbers in
// reais (57.9) and are int64 cents here (Cents), converted exactly, never through a float.
// And a charge must never be created twice for one order: Asaas has no idempotency key, so
// every order's charge carries the order id as its externalReference, a create whose outcome
// is unknown (a timeout, a 5xx) is looked up by it before anything else is tried, and POSTs are
// never retried by the transport. GETs and DELETEs, which are safe to repeat, are.
//
// The API key is sent in the access_token header only; it never appears in an error, a log
// line or a URL.
package asaas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// Asaas's API base URLs (docs.asaas.com, "Authentication"): production, and the sandbox, a
// separate environment with its own accounts and keys.
const (
	ProductionURL = "https://api.asaas.com/v3"
	SandboxURL    = "https://api-sandbox.asaas.com/v3"
)

// DefaultTimeout bounds one request to Asaas (each attempt of a retried GET separately). It
// is well inside a worker Lambda's timeout, and long enough for Asaas's slower calls (a
// payment's creation, a PIX QR code).
const DefaultTimeout = 10 * time.Second

// DefaultUserAgent is sent on every request: Asaas requires a User-Agent of accounts created
// since 2024-06-13 ("Authentication"), and it lets Asaas's support find our calls.
const DefaultUserAgent = "wabot/1.0 (+https://github.com/wabot-platform/wabot)"

// Retries of the requests that are safe to repeat (GET, DELETE): at most this many attempts,
// waiting about defaultBackoff, then twice that, between them (jittered, so brands that failed
// together do not retry together).
const (
	defaultAttempts = 3
	defaultBackoff  = 200 * time.Millisecond
)

// Lookups after a create whose outcome is unknown: Asaas may commit the payment a moment after
// the timeout, so the lookup is tried a few times before the outcome is declared unknown.
const (
	defaultLookupAttempts = 3
	defaultLookupWait     = time.Second
)

// maxBody bounds a response body read into memory: a PIX QR code image is a few kilobytes of
// base64, a page of a list a few more.
const maxBody = 1 << 20

// Option configures a Client or a Provider.
type Option func(*settings)

type settings struct {
	http           *http.Client
	baseURL        string // "" = by the brand's AsaasSandbox (Provider) or ProductionURL (Client)
	userAgent      string
	timeout        time.Duration
	attempts       int
	backoff        time.Duration
	lookupAttempts int
	lookupWait     time.Duration
	now            func() time.Time
	log            *slog.Logger
}

func newSettings(opts []Option) settings {
	s := settings{
		userAgent:      DefaultUserAgent,
		timeout:        DefaultTimeout,
		attempts:       defaultAttempts,
		backoff:        defaultBackoff,
		lookupAttempts: defaultLookupAttempts,
		lookupWait:     defaultLookupWait,
		now:            time.Now,
		log:            slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(&s)
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: s.timeout}
	}
	return s
}

// WithHTTPClient sends the requests with c (a test's transport, a proxy). Its own Timeout, if
// any, applies on top of WithTimeout's.
func WithHTTPClient(c *http.Client) Option { return func(s *settings) { s.http = c } }

// WithBaseURL sends every request to url instead of Asaas's production or sandbox API, for
// every brand: a local stand-in of Asaas (tests, the dev stack).
func WithBaseURL(url string) Option {
	return func(s *settings) { s.baseURL = strings.TrimRight(url, "/") }
}

// WithUserAgent replaces DefaultUserAgent.
func WithUserAgent(ua string) Option {
	return func(s *settings) {
		if ua != "" {
			s.userAgent = ua
		}
	}
}

// WithTimeout bounds each request (each attempt) to d instead of DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// WithRetry sets how many attempts a GET or DELETE gets (at least 1) and the first wait
// between them.
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(s *settings) {
		s.attempts = max(attempts, 1)
		s.backoff = max(backoff, 0)
	}
}

// WithLookup sets how many times, and how far apart, a create whose outcome is unknown is
// looked up before Charge gives up with a transient error.
func WithLookup(attempts int, wait time.Duration) Option {
	return func(s *settings) {
		s.lookupAttempts = max(attempts, 1)
		s.lookupWait = max(wait, 0)
	}
}

// WithClock sets the clock that dates a charge (its due date is today in São Paulo).
func WithClock(now func() time.Time) Option {
	return func(s *settings) {
		if now != nil {
			s.now = now
		}
	}
}

// WithLogger logs what the provider decides (a payment reused, an outcome unknown); nothing
// is logged by default. No line carries the API key, a CPF or a phone number.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) {
		if l != nil {
			s.log = l
		}
	}
}

// Client is Asaas's API v3 for one account (one API key). It is cheap to build and safe for
// concurrent use.
type Client struct {
	baseURL string
	apiKey  string
	s       settings
}

// NewClient returns a client of the account whose API key is apiKey, on Asaas's production
// API unless WithBaseURL says otherwise (SandboxURL for the sandbox).
func NewClient(apiKey string, opts ...Option) *Client {
	s := newSettings(opts)
	base := s.baseURL
	if base == "" {
		base = ProductionURL
	}
	return &Client{baseURL: base, apiKey: apiKey, s: s}
}

// String keeps the API key out of anything that prints a Client.
func (c *Client) String() string { return "asaas.Client(" + c.baseURL + ")" }

// BaseURL is the API the client calls.
func (c *Client) BaseURL() string { return c.baseURL }

// retryable reports whether a request of this method may be sent again after a failure that
// might have reached Asaas: GET reads, and DELETE of a payment ends in the same state however
// many times it is sent (a repeat answers 404, which CancelCharge takes as done).
func retryable(method string) bool { return method == http.MethodGet || method == http.MethodDelete }

// do sends one request and decodes a 2xx answer into out (nil: the body is dropped). path is
// relative to the base URL and carries any query string. body, when not nil, is sent as JSON.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("asaas: %s %s: encoding the request: %w", method, trimQuery(path), err)
		}
	}
	attempts := 1
	if retryable(method) {
		attempts = c.s.attempts
	}
	var err error
	for attempt := 1; ; attempt++ {
		var retry bool
		retry, err = c.once(ctx, method, path, payload, out)
		if err == nil || !retry || attempt >= attempts {
			return err
		}
		if werr := sleep(ctx, jitter(c.s.backoff<<(attempt-1))); werr != nil {
			return err
		}
	}
}

// once sends one attempt. retry says whether the failure is worth another attempt of a
// retryable request: a network error, a 429 or a 5xx.
func (c *Client) once(ctx context.Context, method, path string, payload []byte, out any) (retry bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("asaas: %s %s: %w", method, trimQuery(path), err)
	}
	actx, cancel := context.WithTimeout(ctx, c.s.timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, c.baseURL+path, rd)
	if err != nil {
		return false, fmt.Errorf("asaas: %s %s: %w", method, trimQuery(path), err)
	}
	req.Header.Set("access_token", c.apiKey)
	req.Header.Set("User-Agent", c.s.userAgent)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.s.http.Do(req)
	if err != nil {
		err = c.transportError(method, path, err)
		if !retryable(method) && !notSent(err) {
			err = &UnknownOutcomeError{Method: method, Path: trimQuery(path), Err: err}
		}
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(method, path, resp.StatusCode, data, c.apiKey)
		retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if !retryable(method) && resp.StatusCode >= 500 {
			// Asaas may have done the work before it failed: a 5xx says nothing either way.
			return retry, &UnknownOutcomeError{Method: method, Path: trimQuery(path), Err: e}
		}
		return retry, e
	}
	if rerr != nil {
		err = c.transportError(method, path, rerr)
		if !retryable(method) {
			// Asaas answered 2xx: the work is done, only its answer is lost.
			err = &UnknownOutcomeError{Method: method, Path: trimQuery(path), Err: err}
		}
		return true, err
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		err = fmt.Errorf("asaas: %s %s: decoding the answer (HTTP %d): %w", method, trimQuery(path), resp.StatusCode, err)
		if !retryable(method) {
			err = &UnknownOutcomeError{Method: method, Path: trimQuery(path), Err: err}
		}
		return false, err
	}
	return false, nil
}

// transportError names the request on a network error. The key is in a header, never in the
// URL, so net/http's text cannot hold it; redact is there all the same, should a transport or
// proxy echo headers.
func (c *Client) transportError(method, path string, err error) error {
	text := err.Error()
	if c.apiKey != "" && strings.Contains(text, c.apiKey) {
		return fmt.Errorf("asaas: %s %s: %s", method, trimQuery(path), redact(text, c.apiKey))
	}
	return fmt.Errorf("asaas: %s %s: %w", method, trimQuery(path), err)
}

// notSent reports whether a network error certainly happened before the request reached
// Asaas: the connection was never made (a refused dial, an unknown host). Anything later — a
// reset, a timeout while waiting for the answer — may have reached it.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// trimQuery drops the query string from a path for errors and logs: it holds references
// (order ids), which are not secret, but a path is enough to say what failed.
func trimQuery(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return path[:i]
	}
	return path
}

// jitter returns a duration between d/2 and d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done (its error).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
