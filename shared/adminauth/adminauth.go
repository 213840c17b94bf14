// Package adminauth authenticates the admin API's callers: it verifies the Bearer token of a
// request, a Cognito ID token, and returns who the caller is (Principal).
//
// In AWS the HTTP API's JWT authorizer has checked the token already; the admin function
// checks it again with Verifier, so the function never trusts a header it did not verify
// (a misrouted request, a route added without the authorizer, a local run). Locally (`make
// dev`) the same Verifier checks the tokens of the emulator's user pool (see
// shared/dev/emulator.LocalJWTConfig and `make token`).
//
// # Why ID tokens
//
// The API takes the user pool's ID token, not its access token. The role is the user's
// Cognito group (claim resourcenames.ClaimGroups) and the brand is the custom attribute
// resourcenames.UserAttrClientID (claim resourcenames.ClaimClientID). Cognito puts custom
// attributes in the ID token only: an access token carries the groups but not the brand
// (unless a pre-token-generation trigger, a paid feature tier, adds it), and it names the app
// client in client_id rather than aud. So a token must have token_use "id" and aud equal to
// the app client id; an access token is refused.
//
// # Errors
//
// Verify returns an *Error whose Kind is one of:
//
//   - ErrUnauthenticated (HTTP 401): no token, or one that is not a valid, unexpired ID token
//     of the user pool and app client: malformed, signed by an unknown key or with another
//     algorithm than RS256, tampered with, expired, issued for another pool or client.
//   - ErrNoRole (HTTP 403): a genuine token of a user who has no admin role: in none of the
//     role groups, or in a brand group without a valid brand (clientId). The caller is known
//     but may do nothing; 403 tells the UI to say so rather than to sign in again.
//
// Error.Reason is safe to show to the caller and to log: it never contains the token or any
// of its claims. Any other error (the key set could not be fetched) is internal: the API
// answers 500 or 503 and logs it.
package adminauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Principal is the authenticated caller of the admin API.
type Principal struct {
	// Subject is the user's immutable id in the user pool (claim sub).
	Subject string
	// Username is the name the user signs in with: claim cognito:username, or claim email
	// when the pool signs in by email (its cognito:username is then the sub, a UUID).
	Username string
	// Role is one of resourcenames.AdminRoles: the strongest of the user's groups.
	Role string
	// ClientID is the brand of a brand-admin or brand-viewer; it is empty for a
	// platform-admin, who acts on every brand (a clientId attribute such a user may also
	// have is ignored, so it can never narrow or widen what a platform admin is).
	ClientID string
}

// Error kinds: test with errors.Is.
var (
	// ErrUnauthenticated means the request carries no valid token: HTTP 401.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrNoRole means the token is valid but its user has no usable admin role: HTTP 403.
	ErrNoRole = errors.New("no admin role")
)

// Error is an authentication failure of kind ErrUnauthenticated or ErrNoRole, with a reason
// safe to show ("token expired", "signature invalid", ...).
type Error struct {
	Kind   error
	Reason string
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrUnauthenticated) and errors.Is(err, ErrNoRole) work.
func (e *Error) Unwrap() error { return e.Kind }

func unauthenticated(reason string) *Error { return &Error{Kind: ErrUnauthenticated, Reason: reason} }
func noRole(reason string) *Error          { return &Error{Kind: ErrNoRole, Reason: reason} }

// FromRequest returns the token of r's "Authorization: Bearer <token>" header (the scheme's
// case does not matter). A missing header, another scheme or an empty token is
// ErrUnauthenticated.
func FromRequest(r *http.Request) (string, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", unauthenticated("missing bearer token")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthenticated("authorization scheme is not Bearer")
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", unauthenticated("malformed bearer token")
	}
	return token, nil
}

type principalKey struct{}

// NewContext returns ctx carrying p, for the handlers behind the authentication middleware.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal NewContext put in ctx.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
