package adminauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// DefaultLeeway is the clock skew allowed on exp, iat and nbf when Config.Leeway is zero.
const DefaultLeeway = 30 * time.Second

// maxTokenBytes caps the token Verify parses: Cognito ID tokens are a few kilobytes.
const maxTokenBytes = 16 << 10

// Config says which tokens a Verifier accepts.
type Config struct {
	// Issuer is the user pool's issuer, compared exactly with the iss claim:
	// https://cognito-idp.<region>.amazonaws.com/<poolId> (resourcenames.EnvVarJWTIssuer).
	Issuer string
	// Audience is the app client id the ID token must be issued to (claim aud,
	// resourcenames.EnvVarJWTAudience).
	Audience string
	// JWKSURL is where the pool's signing keys are; default Issuer + "/.well-known/jwks.json".
	// It must be https, or http on a loopback address (the local emulator).
	JWKSURL string
	// HTTPClient fetches the key set; default a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Leeway is the clock skew allowed on exp, iat and nbf; zero means DefaultLeeway.
	Leeway time.Duration
}

// Verifier checks admin API tokens. It is safe for concurrent use; build one per process
// (at cold start): it caches the pool's keys.
type Verifier struct {
	issuer, audience string
	parser           *jwt.Parser
	keys             *keySet
}

// NewVerifier checks cfg and returns a Verifier. It fetches nothing: the key set is fetched
// on the first Verify.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("adminauth: Issuer is required")
	}
	if cfg.Audience == "" {
		return nil, errors.New("adminauth: Audience is required")
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimRight(cfg.Issuer, "/") + "/.well-known/jwks.json"
	}
	if err := checkKeySetURL(cfg.JWKSURL); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Leeway < 0 {
		return nil, errors.New("adminauth: Leeway must not be negative")
	}
	return &Verifier{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		parser: jwt.NewParser(
			jwt.WithTimeFunc(cfg.Now),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
		),
		keys: &keySet{url: cfg.JWKSURL, client: cfg.HTTPClient, now: cfg.Now},
	}, nil
}

// checkKeySetURL accepts https, and http only on a loopback host: keys fetched in clear text
// over a network could be replaced by anyone on the way.
func checkKeySetURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("adminauth: JWKSURL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("adminauth: JWKSURL %q must be https (http only on a loopback address)", raw)
}

// claims are the parts of a Cognito ID token the API reads. The JSON names are
// resourcenames.ClaimGroups and resourcenames.ClaimClientID (a test keeps them equal).
type claims struct {
	jwt.RegisteredClaims
	TokenUse string   `json:"token_use"`
	Username string   `json:"cognito:username"`
	Email    string   `json:"email"`
	Groups   []string `json:"cognito:groups"`
	ClientID string   `json:"custom:clientId"`
}

// Verify checks rawToken and returns its user. The token must be an RS256-signed Cognito ID
// token (token_use "id") of the configured issuer and app client (aud), signed by a key of
// the pool's key set, not expired, not issued or valid only in the future (both within the
// leeway). Its user must be in at least one role group; a brand role needs a valid clientId.
//
// Errors: *Error of kind ErrUnauthenticated (401) or ErrNoRole (403), see the package doc;
// any other error means the key set could not be fetched.
func (v *Verifier) Verify(ctx context.Context, rawToken string) (Principal, error) {
	if rawToken == "" {
		return Principal{}, unauthenticated("missing bearer token")
	}
	if len(rawToken) > maxTokenBytes {
		return Principal{}, unauthenticated("token malformed")
	}
	var c claims
	var keyErr error
	_, err := v.parser.ParseWithClaims(rawToken, &c, func(t *jwt.Token) (any, error) {
		// RS256 only: "none" and the HMAC algorithms (which would verify with the public key
		// as a shared secret) are refused before any key is looked up.
		if t.Method != jwt.SigningMethodRS256 {
			keyErr = unauthenticated("unsupported algorithm")
			return nil, keyErr
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			keyErr = unauthenticated("unknown signing key")
			return nil, keyErr
		}
		k, err := v.keys.key(ctx, kid)
		keyErr = err
		return k, err
	})
	if keyErr != nil {
		return Principal{}, keyErr
	}
	if err != nil {
		return Principal{}, tokenError(err)
	}
	// The issuer, the token kind and the audience are checked here rather than by the parser so
	// that an access token is reported as such, not as a wrong audience (it has none).
	switch {
	case c.Issuer != v.issuer:
		return Principal{}, unauthenticated("wrong issuer")
	case c.TokenUse != "id":
		return Principal{}, unauthenticated("not an ID token")
	case len(c.Audience) != 1 || c.Audience[0] != v.audience:
		return Principal{}, unauthenticated("wrong audience")
	case c.Subject == "":
		return Principal{}, unauthenticated("token has no subject")
	}
	return principal(c)
}

// tokenError maps the JWT library's errors to a reason safe to show.
func tokenError(err error) *Error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthenticated("token expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthenticated("token not valid yet")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthenticated("token has no expiry")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthenticated("signature invalid")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// An alg the library does not know: the keyfunc never ran.
		return unauthenticated("unsupported algorithm")
	default:
		return unauthenticated("token malformed")
	}
}

// principal picks the strongest role of the user's groups and checks the brand.
func principal(c claims) (Principal, error) {
	p := Principal{Subject: c.Subject, Username: c.Username}
	if c.Username == c.Subject && c.Email != "" {
		// A pool that signs in by email names its users by a UUID, the sub: the email is
		// the name the user knows and signs in with.
		p.Username = c.Email
	}
	rank := -1
	for _, g := range c.Groups {
		if i := slices.Index(resourcenames.AdminRoles, g); i > rank {
			rank = i
		}
	}
	if rank < 0 {
		return Principal{}, noRole("user is in no admin group")
	}
	p.Role = resourcenames.AdminRoles[rank]
	if p.Role == resourcenames.RolePlatformAdmin {
		return p, nil
	}
	if resourcenames.ValidateID(resourcenames.UserAttrClientID, c.ClientID) != nil {
		return Principal{}, noRole("brand role without a valid clientId")
	}
	p.ClientID = c.ClientID
	return p, nil
}
