// Package twiliotest stands in for Twilio in tests: a local server that speaks the part of
// Twilio's REST API the platform calls (creating a Message), an HTTP client that carries
// twilio-go's requests to it, and Sign, which signs webhook requests as Twilio does.
//
// twilio-go's base URL (https://api.twilio.com) cannot be configured, so the server is not
// reached by URL: Server.Client returns an *http.Client whose transport sends every request
// to the local server whatever its URL says, keeping the Host header, so the server can
// check that twilio-go meant to talk to api.twilio.com. Give that client to the code under
// test (twilio.WithHTTPClient).
//
// The server follows Twilio's documented behaviour for what it implements: HTTP basic auth
// with the account SID and auth token (401, error 20003, when wrong), form-encoded
// parameters, 201 with the Message resource as JSON, and Twilio's error JSON
// ({"code","message","more_info","status"}) for refusals.
package twiliotest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// InvalidNumber is refused as a To with Twilio's error 21211 ("not a valid phone number"),
// like the magic number of Twilio's test credentials (+15005550001). Any To that is not a
// WhatsApp address (whatsapp:+E.164) is refused the same way.
const InvalidNumber = "whatsapp:+15005550001"

// Failure is a Twilio error the server answers every message request with, after checking
// the credentials, while it is set (Server.Fail).
type Failure struct {
	Status  int    // HTTP status
	Code    int    // Twilio error code
	Message string // Twilio's message
}

// Failures Twilio can answer a send with.
var (
	// OutsideWindow is WhatsApp's refusal of free text more than 24 hours after the
	// customer's last message.
	OutsideWindow = Failure{Status: 400, Code: 63016, Message: "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template."}
	// InternalError is a failure on Twilio's side.
	InternalError = Failure{Status: 500, Code: 20500, Message: "An internal server error has occurred"}
	// TooManyRequests is Twilio's rate limit.
	TooManyRequests = Failure{Status: 429, Code: 20429, Message: "Too Many Requests"}
)

// Request is one request the server received, whatever it answered.
type Request struct {
	Method      string
	Host        string // the Host header: api.twilio.com when twilio-go sent it
	Path        string
	Username    string // HTTP basic auth user ("" when none)
	AuthOK      bool   // the basic auth matched an account
	ContentType string
	UserAgent   string
	Form        url.Values
	Status      int    // the status answered
	SID         string // the message created, when Status is 201
}

// Message is a message the server accepted.
type Message struct {
	SID              string
	AccountSID       string
	To               string
	From             string
	Body             string
	ContentSID       string
	ContentVariables string // JSON, as received
	DateCreated      time.Time
	// Received is when the server accepted the message, to the nanosecond (DateCreated is
	// truncated to the second, as Twilio writes it).
	Received time.Time
}

// Server is a local Twilio. It is safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	client *http.Client
	creds  domain.TwilioCredentials

	mu       sync.Mutex
	accounts map[string]string // account SID -> auth token
	requests []Request
	messages []Message
	failure  *Failure
}

// NewLocal returns a server that is not listening anywhere, for a process that serves it on
// its own (functions/local/twilio): Server implements http.Handler. It has no account until
// AddAccount or AddAccountWith, and Client and URL return nil and "".
func NewLocal() *Server {
	return &Server{accounts: map[string]string{}}
}

// NewServer starts a server with one account (Credentials) and stops it when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{accounts: map[string]string{}}
	s.creds = s.AddAccount()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	s.client = &http.Client{
		Transport: &rewrite{target: s.srv.URL, base: s.srv.Client().Transport},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return s
}

// Credentials returns the server's first account.
func (s *Server) Credentials() domain.TwilioCredentials { return s.creds }

// AddAccount creates another account with a random SID and auth token, shaped like
// Twilio's ("AC" and 32 hex digits; 32 hex digits).
func (s *Server) AddAccount() domain.TwilioCredentials {
	c := domain.TwilioCredentials{AccountSID: "AC" + randomHex(16), AuthToken: randomHex(16)}
	s.mu.Lock()
	s.accounts[c.AccountSID] = c.AuthToken
	s.mu.Unlock()
	return c
}

// AddAccountWith adds an account with the given SID and auth token (a local stack's seeded
// brands), or gives an existing account that token.
func (s *Server) AddAccountWith(accountSID, authToken string) domain.TwilioCredentials {
	c := domain.TwilioCredentials{AccountSID: accountSID, AuthToken: authToken}
	s.mu.Lock()
	s.accounts[accountSID] = authToken
	s.mu.Unlock()
	return c
}

// Rotate gives an account a new auth token, as an operator does in Twilio's console after a
// leak: the old token is refused from now on.
func (s *Server) Rotate(accountSID string) domain.TwilioCredentials {
	c := domain.TwilioCredentials{AccountSID: accountSID, AuthToken: randomHex(16)}
	s.mu.Lock()
	s.accounts[accountSID] = c.AuthToken
	s.mu.Unlock()
	return c
}

// Client returns an HTTP client that sends every request, whatever its URL, to the server
// (nil for a server made by NewLocal: see RewriteClient).
func (s *Server) Client() *http.Client { return s.client }

// URL returns the server's own base URL, for tests that call it directly ("" for a server
// made by NewLocal).
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// ServeHTTP answers a request as Twilio's REST API would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// Failing returns the failure set by Fail, nil when none.
func (s *Server) Failing() *Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure == nil {
		return nil
	}
	f := *s.failure
	return &f
}

// Fail makes every following message request fail with f (after the credentials are
// checked); Fail(nil) makes the server accept messages again.
func (s *Server) Fail(f *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		s.failure = nil
		return
	}
	c := *f
	s.failure = &c
}

// Requests returns every request received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Form = maps.Clone(r.Form)
		out[i] = r
	}
	return out
}

// Messages returns the messages accepted, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// MessagesFrom returns the messages accepted after the first i, oldest first: a reader that
// remembers how many it has seen gets only the new ones.
func (s *Server) MessagesFrom(i int) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 {
		i = 0
	}
	if i >= len(s.messages) {
		return nil
	}
	return slices.Clone(s.messages[i:])
}

// RequestCount returns how many requests the server received, and how many of them it
// answered with each status.
func (s *Server) RequestCount() (total int, byStatus map[int]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byStatus = map[int]int{}
	for _, r := range s.requests {
		byStatus[r.Status]++
	}
	return len(s.requests), byStatus
}

var messagesPath = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages\.json$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{
		Method: r.Method, Host: r.Host, Path: r.URL.Path,
		ContentType: r.Header.Get("Content-Type"), UserAgent: r.Header.Get("User-Agent"),
	}
	status, body := s.handle(r, &req)
	s.mu.Lock()
	req.Status = status
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// handle answers one request: the status and the JSON body.
func (s *Server) handle(r *http.Request, req *Request) (int, any) {
	user, pass, hasAuth := r.BasicAuth()
	req.Username = user
	s.mu.Lock()
	token, known := s.accounts[user]
	failure := s.failure
	s.mu.Unlock()
	if !hasAuth || !known || subtle.ConstantTimeCompare([]byte(token), []byte(pass)) != 1 {
		return twilioError(401, 20003, "Authenticate")
	}
	req.AuthOK = true

	m := messagesPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return twilioError(404, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
	}
	if m[1] != user {
		// An account reaches only its own resources (subaccounts are not modelled).
		return twilioError(404, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
	}
	if r.Method != http.MethodPost {
		return twilioError(405, 20004, "Method not allowed")
	}
	if ct, _, _ := mime.ParseMediaType(req.ContentType); ct != "application/x-www-form-urlencoded" {
		return twilioError(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
	}
	if err := r.ParseForm(); err != nil {
		return twilioError(400, 20001, "The request body could not be parsed")
	}
	req.Form = r.PostForm

	if failure != nil {
		return twilioError(failure.Status, failure.Code, failure.Message)
	}
	f := r.PostForm
	to, from := f.Get("To"), f.Get("From")
	switch {
	case to == "":
		return twilioError(400, 21604, "A 'To' phone number is required.")
	case from == "":
		return twilioError(400, 21603, "A 'From' phone number is required.")
	case !validWhatsApp(to) || to == InvalidNumber:
		return twilioError(400, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
	case !validWhatsApp(from):
		return twilioError(400, 21212, fmt.Sprintf("Invalid From Number (caller ID): %s", from))
	case f.Get("Body") == "" && f.Get("ContentSid") == "":
		return twilioError(400, 21619, "A text message body or media urls must be specified.")
	case f.Get("ContentVariables") != "" && !jsonObject(f.Get("ContentVariables")):
		return twilioError(400, 21656, "The ContentVariables Parameter is invalid.")
	}

	now := time.Now()
	msg := Message{
		SID: "SM" + randomHex(16), AccountSID: user, To: to, From: from,
		Body: f.Get("Body"), ContentSID: f.Get("ContentSid"), ContentVariables: f.Get("ContentVariables"),
		DateCreated: now.UTC().Truncate(time.Second), Received: now,
	}
	req.SID = msg.SID
	s.mu.Lock()
	s.messages = append(s.messages, msg)
	s.mu.Unlock()
	return http.StatusCreated, messageResource(msg)
}

// messageResource is the Message resource as Twilio's API documents it, in the state of a
// message just accepted.
func messageResource(m Message) map[string]any {
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s", m.AccountSID, m.SID)
	date := m.DateCreated.Format(time.RFC1123Z) // RFC 2822, as Twilio writes dates
	return map[string]any{
		"account_sid":           m.AccountSID,
		"api_version":           "2010-04-01",
		"body":                  m.Body,
		"date_created":          date,
		"date_sent":             nil,
		"date_updated":          date,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  m.From,
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.SID,
		"status":                "queued",
		"subresource_uris":      map[string]string{"media": uri + "/Media.json"},
		"to":                    m.To,
		"uri":                   uri + ".json",
	}
}

// twilioError is Twilio's error body.
func twilioError(status, code int, message string) (int, any) {
	return status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	}
}

func validWhatsApp(s string) bool {
	canonical, err := domain.ParseWhatsAppAddress(s)
	return err == nil && canonical == s
}

func jsonObject(s string) bool {
	var v map[string]any
	return json.Unmarshal([]byte(s), &v) == nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// RewriteClient returns an HTTP client that sends every request, whatever its URL, to baseURL
// (scheme and host of a local Twilio such as functions/local/twilio), keeping the request's
// Host header, with timeout and without following redirects, like twilio.DefaultTimeout's
// client. Give it to twilio.WithHTTPClient.
func RewriteClient(baseURL string, timeout time.Duration) (*http.Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twiliotest: %q is not an http(s) base URL", baseURL)
	}
	return &http.Client{
		Transport: &rewrite{target: u.Scheme + "://" + u.Host, base: http.DefaultTransport},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// rewrite sends every request to target, keeping the request's Host header.
type rewrite struct {
	target string
	base   http.RoundTripper
}

func (t *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	u, err := url.Parse(t.target)
	if err != nil {
		return nil, err
	}
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host = u.Scheme, u.Host
	if out.Host == "" {
		out.Host = r.URL.Host
	}
	return t.base.RoundTrip(out)
}

// Sign returns the X-Twilio-Signature Twilio would send with a request to url carrying the
// form parameters params, for an account whose auth token is authToken. It follows Twilio's
// documented algorithm on its own (not through twilio-go), so a test can check the
// platform's validation against it: take the full URL, append each parameter's name and
// value with the names sorted, sign the result with HMAC-SHA1 keyed by the auth token, and
// encode it in base64.
func Sign(authToken, url string, params map[string]string) string {
	var b strings.Builder
	b.WriteString(url)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// StaticCredentials is a domain.CredentialSource over a map from clientId to credentials,
// for tests that need no Secrets Manager: ENOTFOUND for a brand not in the map.
type StaticCredentials map[string]domain.TwilioCredentials

// TwilioCredentials implements domain.CredentialSource.
func (c StaticCredentials) TwilioCredentials(_ context.Context, clientID string) (domain.TwilioCredentials, error) {
	creds, ok := c[clientID]
	if !ok {
		return domain.TwilioCredentials{}, domain.Errorf(domain.ENOTFOUND, "client %q has no Twilio credentials", clientID)
	}
	return creds, nil
}
