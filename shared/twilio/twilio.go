// Package twilio sends WhatsApp messages through Twilio's REST API (twilio-go) with each
// brand's own Twilio account, and checks the signatures Twilio puts on its webhooks.
//
// A brand's credentials come from a domain.CredentialSource on every send (the source caches
// them); the twilio-go client built from them is kept per brand and account, so a warm
// Lambda does not rebuild it for every reply. Errors keep Twilio's status and error code,
// mask phone numbers, and never carry the auth token or the message body.
package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	twiliogo "github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// DefaultTimeout bounds one call to Twilio. twilio-go (v1.31.0) builds its requests without
// the caller's context, so this timeout, not ctx, is what stops a hung call. It is well
// inside a worker Lambda's timeout and matches twilio-go's own default.
const DefaultTimeout = 10 * time.Second

// maxClients bounds the twilio-go clients kept: one per brand (and per account, while a
// brand moves between accounts). A bound far above the brands of an environment only stops
// a bug from growing memory forever.
const maxClients = 1000

// Messenger implements domain.Messenger with Twilio's Messages API. It is safe for
// concurrent use.
type Messenger struct {
	creds domain.CredentialSource
	http  *http.Client

	mu      sync.Mutex
	clients map[clientKey]*restClient
}

var _ domain.Messenger = (*Messenger)(nil)

// clientKey identifies a cached twilio-go client. The token is not part of the key: a
// rotated token replaces the brand's client instead of adding one beside it.
type clientKey struct{ clientID, accountSID string }

type restClient struct {
	authToken string // the token rc was built with
	rc        *twiliogo.RestClient
}

// Option configures a Messenger.
type Option func(*Messenger)

// WithHTTPClient sets the HTTP client every call to Twilio goes through (default: a client
// with DefaultTimeout that does not follow redirects, like twilio-go's own). Tests use it to
// point twilio-go, whose base URL is fixed, at a local server; production can use it to add
// tracing. Give it a Timeout: the caller's context does not reach the request.
func WithHTTPClient(c *http.Client) Option { return func(m *Messenger) { m.http = c } }

// New returns a Messenger that reads each brand's credentials from creds on every send. When
// creds also has a method Invalidate(clientID string) (secrets.Source does), it is called
// after Twilio refuses a brand's token, so a rotated token is read at once rather than after
// the source's cache expires.
func New(creds domain.CredentialSource, opts ...Option) (*Messenger, error) {
	if creds == nil {
		return nil, errors.New("twilio: a credential source is required")
	}
	m := &Messenger{
		creds: creds,
		http: &http.Client{
			Timeout: DefaultTimeout,
			// Twilio's API does not redirect; following one would resend credentials to
			// wherever it points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		clients: map[clientKey]*restClient{},
	}
	for _, o := range opts {
		o(m)
	}
	if m.http == nil {
		return nil, errors.New("twilio: the HTTP client cannot be nil")
	}
	return m, nil
}

// Send implements domain.Messenger: it creates a Message on the brand's account from m.From
// to m.To with either m.Body (free text, only inside the 24-hour window) or m.ContentSID and
// m.ContentVariables (an approved template), and returns the message SID ("SM...").
//
// Errors: EINVALID for a message that breaks the rules before Twilio is called; the
// credential source's error (ENOTFOUND when the brand has no credentials); an *Error for a
// refusal by Twilio, with errors.Is(err, ErrOutsideWindow) for 63016; a wrapped network
// error otherwise. IsPermanent tells which are worth retrying.
func (m *Messenger) Send(ctx context.Context, msg domain.OutboundMessage) (string, error) {
	to, from, err := validate(msg)
	if err != nil {
		return "", err
	}
	// The only point where ctx can stop a send: twilio-go ignores it once the call starts.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	creds, err := m.creds.TwilioCredentials(ctx, msg.ClientID)
	if err != nil {
		return "", fmt.Errorf("twilio: credentials of client %q: %w", msg.ClientID, err)
	}
	if creds.AccountSID == "" || creds.AuthToken == "" {
		return "", domain.Errorf(domain.ENOTFOUND, "client %q has no Twilio credentials", msg.ClientID)
	}

	params := &twapi.CreateMessageParams{}
	// The account is named in the path explicitly: twilio-go only fills it in from the
	// client's account SID, which NewRestClientWithParams leaves empty when given a Client.
	params.SetPathAccountSid(creds.AccountSID)
	params.SetTo(to)
	params.SetFrom(from)
	if msg.ContentSID != "" {
		params.SetContentSid(msg.ContentSID)
		if len(msg.ContentVariables) > 0 {
			vars, err := json.Marshal(msg.ContentVariables)
			if err != nil {
				return "", fmt.Errorf("twilio: encode content variables: %w", err)
			}
			params.SetContentVariables(string(vars))
		}
	} else {
		params.SetBody(msg.Body)
	}

	rc := m.client(msg.ClientID, creds)
	resp, err := rc.Api.CreateMessage(params)
	if err != nil {
		err = toError(err, to, creds.AuthToken, msg.Body)
		var te *Error
		if errors.As(err, &te) && te.Code == CodeAuthenticate {
			// The token was refused: most likely rotated. Drop what was built from it, and
			// the source's copy when it can, so the next attempt reads the secret again.
			m.forget(msg.ClientID, creds.AccountSID)
			if inv, ok := m.creds.(interface{ Invalidate(clientID string) }); ok {
				inv.Invalidate(msg.ClientID)
			}
		}
		return "", fmt.Errorf("twilio: send to %s for client %q: %w", domain.Mask(to), msg.ClientID, err)
	}
	if resp == nil || resp.Sid == nil || *resp.Sid == "" {
		return "", fmt.Errorf("twilio: send to %s for client %q: the response has no message SID", domain.Mask(to), msg.ClientID)
	}
	return *resp.Sid, nil
}

// validate checks an outbound message before any call and returns its To and From in
// canonical form. A message has a brand, WhatsApp addresses, a recipient who is not a sandbox
// customer, and exactly one content: free text or a template. Both at once is refused rather than one silently dropped.
func validate(msg domain.OutboundMessage) (to, from string, err error) {
	if err := resourcenames.ValidateID("clientId", msg.ClientID); err != nil {
		return "", "", domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	if to, err = domain.ParseWhatsAppAddress(msg.To); err != nil {
		return "", "", err
	}
	if domain.IsSandboxNumber(to) {
		// The admin's test chat has its own messenger: a sandbox customer reaching this one
		// is a wiring mistake, and the number belongs to nobody.
		return "", "", domain.Errorf(domain.EINVALID, "%s is a sandbox customer (domain.SandboxNumber): nothing is sent to it", domain.Mask(to))
	}
	if from, err = domain.ParseWhatsAppAddress(msg.From); err != nil {
		return "", "", err
	}
	switch {
	case msg.Body == "" && msg.ContentSID == "":
		return "", "", domain.Errorf(domain.EINVALID, "a message needs a body or a content template (ContentSID)")
	case msg.Body != "" && msg.ContentSID != "":
		return "", "", domain.Errorf(domain.EINVALID, "a message has either a body or a content template (ContentSID), not both")
	case len(msg.ContentVariables) > 0 && msg.ContentSID == "":
		return "", "", domain.Errorf(domain.EINVALID, "content variables need a content template (ContentSID)")
	}
	return to, from, nil
}

// client returns the twilio-go client for a brand's credentials, building it on first use
// and again when the token has changed.
func (m *Messenger) client(clientID string, creds domain.TwilioCredentials) *twiliogo.RestClient {
	key := clientKey{clientID, creds.AccountSID}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.clients[key]; ok && c.authToken == creds.AuthToken {
		return c.rc
	}
	if len(m.clients) >= maxClients {
		for k := range m.clients {
			// Arbitrary eviction: rebuilding a client is cheap, it is only not free.
			delete(m.clients, k)
			break
		}
	}
	// With a Client in the params twilio-go ignores Username and Password and authenticates
	// with the Client's Credentials (HTTP basic auth: account SID, auth token); both are set
	// so the wiring does not depend on which one a later version reads.
	tc := &twclient.Client{
		Credentials: twclient.NewCredentials(creds.AccountSID, creds.AuthToken),
		HTTPClient:  m.http,
	}
	tc.SetAccountSid(creds.AccountSID)
	rc := twiliogo.NewRestClientWithParams(twiliogo.ClientParams{
		Username: creds.AccountSID,
		Password: creds.AuthToken,
		Client:   tc,
	})
	m.clients[key] = &restClient{authToken: creds.AuthToken, rc: rc}
	return rc
}

// forget drops a cached client.
func (m *Messenger) forget(clientID, accountSID string) {
	m.mu.Lock()
	delete(m.clients, clientKey{clientID, accountSID})
	m.mu.Unlock()
}

// cachedClients reports how many twilio-go clients are kept (tests).
func (m *Messenger) cachedClients() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.clients)
}
