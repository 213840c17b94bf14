package adminauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wabot-platform/wabot/shared/adminauth"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const (
	testIssuer   = "https://cognito-idp.sa-east-1.amazonaws.com/sa-east-1_TestPool"
	testAudience = "testappclientid"
)

// rsaKeys are generated once: 2048-bit generation takes a moment.
var (
	keysOnce sync.Once
	key1     *rsa.PrivateKey
	key2     *rsa.PrivateKey
)

func testKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if key1, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if key2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key1, key2
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// jwksServer serves a key set that a test can change, and counts the fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, keys map[string]*rsa.PublicKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sa-east-1_TestPool/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		var doc struct {
			Keys []map[string]string `json:"keys"`
		}
		for kid, k := range s.keys {
			doc.Keys = append(doc.Keys, map[string]string{
				"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(keys map[string]*rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) url() string { return s.URL + "/sa-east-1_TestPool/.well-known/jwks.json" }

type fixture struct {
	clock    *clock
	jwks     *jwksServer
	verifier *adminauth.Verifier
	key      *rsa.PrivateKey
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	k1, _ := testKeys(t)
	f := &fixture{clock: &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, key: k1}
	f.jwks = newJWKSServer(t, map[string]*rsa.PublicKey{"kid-1": &k1.PublicKey})
	v, err := adminauth.NewVerifier(adminauth.Config{
		Issuer: testIssuer, Audience: testAudience, JWKSURL: f.jwks.url(), Now: f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.verifier = v
	return f
}

// idClaims are the claims of a Cognito ID token of a brand-admin of demo-burger.
func (f *fixture) idClaims() jwt.MapClaims {
	now := f.clock.Now()
	return jwt.MapClaims{
		"iss":                       testIssuer,
		"aud":                       testAudience,
		"sub":                       "5f1c3e9a-0000-4000-8000-000000000001",
		"token_use":                 "id",
		"cognito:username":          "brand-admin.demo-burger@wabot.local",
		"iat":                       now.Unix(),
		"auth_time":                 now.Unix(),
		"exp":                       now.Add(time.Hour).Unix(),
		resourcenames.ClaimGroups:   []string{resourcenames.RoleBrandAdmin},
		resourcenames.ClaimClientID: "demo-burger",
	}
}

func sign(t *testing.T, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) token(t *testing.T, edit func(jwt.MapClaims)) string {
	t.Helper()
	c := f.idClaims()
	if edit != nil {
		edit(c)
	}
	return sign(t, f.key, "kid-1", c)
}

// wantErr checks err is an *adminauth.Error of kind with reason, and that it does not repeat
// the token.
func wantErr(t *testing.T, err error, kind error, reason, token string) {
	t.Helper()
	var ae *adminauth.Error
	if !errors.As(err, &ae) || !errors.Is(err, kind) {
		t.Fatalf("err = %v, want %v: %s", err, kind, reason)
	}
	if ae.Reason != reason {
		t.Errorf("reason = %q, want %q", ae.Reason, reason)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) > 8 && strings.Contains(err.Error(), part) {
			t.Errorf("error %q contains part of the token", err)
		}
	}
}

func TestVerifyValidToken(t *testing.T) {
	f := newFixture(t)
	p, err := f.verifier.Verify(context.Background(), f.token(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := adminauth.Principal{
		Subject:  "5f1c3e9a-0000-4000-8000-000000000001",
		Username: "brand-admin.demo-burger@wabot.local",
		Role:     resourcenames.RoleBrandAdmin,
		ClientID: "demo-burger",
	}
	if p != want {
		t.Errorf("principal = %+v, want %+v", p, want)
	}
}

// TestVerifyEmailSignIn: a pool that signs in by email puts the sub in cognito:username and
// the email in its own claim; the principal's Username is the email.
func TestVerifyEmailSignIn(t *testing.T) {
	f := newFixture(t)
	p, err := f.verifier.Verify(context.Background(), f.token(t, func(c jwt.MapClaims) {
		c["cognito:username"] = c["sub"]
		c["email"] = "ana@brand.example"
	}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Username != "ana@brand.example" || p.Subject != "5f1c3e9a-0000-4000-8000-000000000001" {
		t.Errorf("principal = %+v", p)
	}
	// With a real username, an email claim does not replace it.
	p, err = f.verifier.Verify(context.Background(), f.token(t, func(c jwt.MapClaims) { c["email"] = "ana@brand.example" }))
	if err != nil || p.Username != "brand-admin.demo-burger@wabot.local" {
		t.Errorf("principal = %+v, %v", p, err)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	f := newFixture(t)
	_, k2 := testKeys(t)
	valid := f.token(t, nil)
	parts := strings.Split(valid, ".")

	// tampered: the payload says platform-admin, the signature is the brand-admin's.
	tamperedClaims := f.idClaims()
	tamperedClaims[resourcenames.ClaimGroups] = []string{resourcenames.RolePlatformAdmin}
	payload, _ := json.Marshal(tamperedClaims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]

	header := func(h map[string]any) string {
		b, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	algNone := header(map[string]any{"alg": "none", "typ": "JWT", "kid": "kid-1"}) + "." + parts[1] + "."

	// HS256 keyed with the RSA public key (as PEM and as DER): the classic confusion attack.
	der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hmacToken := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, f.idClaims())
		tok.Header["kid"] = "kid-1"
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	for _, tc := range []struct {
		name, token, reason string
	}{
		{"expired", f.token(t, func(c jwt.MapClaims) {
			c["iat"] = f.clock.Now().Add(-2 * time.Hour).Unix()
			c["exp"] = f.clock.Now().Add(-31 * time.Second).Unix()
		}), "token expired"},
		{"no expiry", f.token(t, func(c jwt.MapClaims) { delete(c, "exp") }), "token has no expiry"},
		{"issued in the future", f.token(t, func(c jwt.MapClaims) { c["iat"] = f.clock.Now().Add(time.Minute).Unix() }), "token not valid yet"},
		{"not before in the future", f.token(t, func(c jwt.MapClaims) { c["nbf"] = f.clock.Now().Add(time.Minute).Unix() }), "token not valid yet"},
		{"tampered payload", tampered, "signature invalid"},
		{"signed by another key under a known kid", sign(t, k2, "kid-1", f.idClaims()), "signature invalid"},
		{"wrong issuer", f.token(t, func(c jwt.MapClaims) { c["iss"] = "https://cognito-idp.sa-east-1.amazonaws.com/sa-east-1_Other" }), "wrong issuer"},
		{"issuer with a trailing slash", f.token(t, func(c jwt.MapClaims) { c["iss"] = testIssuer + "/" }), "wrong issuer"},
		{"wrong audience", f.token(t, func(c jwt.MapClaims) { c["aud"] = "anotherclient" }), "wrong audience"},
		{"two audiences", f.token(t, func(c jwt.MapClaims) { c["aud"] = []string{testAudience, "anotherclient"} }), "wrong audience"},
		{"access token", f.token(t, func(c jwt.MapClaims) {
			c["token_use"] = "access"
			c["client_id"] = testAudience
			delete(c, "aud")
		}), "not an ID token"},
		{"no subject", f.token(t, func(c jwt.MapClaims) { delete(c, "sub") }), "token has no subject"},
		{"alg none", algNone, "unsupported algorithm"},
		{"HS256 with the PEM public key as secret", hmacToken(pemKey), "unsupported algorithm"},
		{"HS256 with the DER public key as secret", hmacToken(der), "unsupported algorithm"},
		{"unknown alg", header(map[string]any{"alg": "XS999", "kid": "kid-1"}) + "." + parts[1] + "." + parts[2], "unsupported algorithm"},
		{"no kid", sign(t, f.key, "", f.idClaims()), "unknown signing key"},
		{"not a JWT", "not-a-token", "token malformed"},
		{"garbage payload", parts[0] + ".!!!." + parts[2], "token malformed"},
		{"empty", "", "missing bearer token"},
		{"huge", strings.Repeat("a", 17<<10), "token malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.verifier.Verify(context.Background(), tc.token)
			wantErr(t, err, adminauth.ErrUnauthenticated, tc.reason, tc.token)
			if errors.Is(err, adminauth.ErrNoRole) {
				t.Error("a 401 error is also ErrNoRole")
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	f := newFixture(t)
	// Expired 20 s ago and issued 20 s ahead: both inside the default 30 s leeway.
	tok := f.token(t, func(c jwt.MapClaims) {
		c["exp"] = f.clock.Now().Add(-20 * time.Second).Unix()
		c["iat"] = f.clock.Now().Add(20 * time.Second).Unix()
	})
	if _, err := f.verifier.Verify(context.Background(), tok); err != nil {
		t.Errorf("within the leeway: %v", err)
	}
	f.clock.Advance(15 * time.Second)
	_, err := f.verifier.Verify(context.Background(), tok)
	wantErr(t, err, adminauth.ErrUnauthenticated, "token expired", tok)
}

func TestVerifyRoles(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name     string
		groups   any // nil: no claim
		clientID any // nil: no claim
		role     string
		client   string
		reason   string // ErrNoRole's reason when role is ""
	}{
		{"no groups claim", nil, "demo-burger", "", "", "user is in no admin group"},
		{"empty groups", []string{}, "demo-burger", "", "", "user is in no admin group"},
		{"only other groups", []string{"us-east-1_Google", "admins"}, "demo-burger", "", "", "user is in no admin group"},
		{"brand viewer", []string{resourcenames.RoleBrandViewer}, "demo-pizzaria", resourcenames.RoleBrandViewer, "demo-pizzaria", ""},
		{"brand admin without clientId", []string{resourcenames.RoleBrandAdmin}, nil, "", "", "brand role without a valid clientId"},
		{"brand viewer with an empty clientId", []string{resourcenames.RoleBrandViewer}, "", "", "", "brand role without a valid clientId"},
		{"brand admin with an invalid clientId", []string{resourcenames.RoleBrandAdmin}, "Demo_Burger", "", "", "brand role without a valid clientId"},
		{"strongest wins: admin over viewer", []string{resourcenames.RoleBrandViewer, "other", resourcenames.RoleBrandAdmin}, "demo-burger", resourcenames.RoleBrandAdmin, "demo-burger", ""},
		{"strongest wins: platform admin, brand ignored", []string{resourcenames.RoleBrandAdmin, resourcenames.RolePlatformAdmin, resourcenames.RoleBrandViewer}, "demo-burger", resourcenames.RolePlatformAdmin, "", ""},
		{"platform admin without clientId", []string{resourcenames.RolePlatformAdmin}, nil, resourcenames.RolePlatformAdmin, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := f.token(t, func(c jwt.MapClaims) {
				delete(c, resourcenames.ClaimGroups)
				delete(c, resourcenames.ClaimClientID)
				if tc.groups != nil {
					c[resourcenames.ClaimGroups] = tc.groups
				}
				if tc.clientID != nil {
					c[resourcenames.ClaimClientID] = tc.clientID
				}
			})
			p, err := f.verifier.Verify(context.Background(), tok)
			if tc.role == "" {
				wantErr(t, err, adminauth.ErrNoRole, tc.reason, tok)
				if errors.Is(err, adminauth.ErrUnauthenticated) {
					t.Error("a 403 error is also ErrUnauthenticated")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Role != tc.role || p.ClientID != tc.client {
				t.Errorf("role %q client %q, want %q %q", p.Role, p.ClientID, tc.role, tc.client)
			}
		})
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	f := newFixture(t)
	k1, k2 := testKeys(t)
	ctx := context.Background()
	if _, err := f.verifier.Verify(ctx, f.token(t, nil)); err != nil {
		t.Fatal(err)
	}
	if n := f.jwks.fetches.Load(); n != 1 {
		t.Fatalf("%d key set fetches after the first token, want 1", n)
	}
	// A token of a key the pool does not publish yet: one refetch finds nothing.
	f.clock.Advance(2 * time.Minute)
	rotated := sign(t, k2, "kid-2", f.idClaims())
	_, err := f.verifier.Verify(ctx, rotated)
	wantErr(t, err, adminauth.ErrUnauthenticated, "unknown signing key", rotated)
	if n := f.jwks.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after an unknown kid, want 2", n)
	}
	// The pool rotates: within the minute the set is not fetched again, however many
	// unknown kids arrive.
	f.jwks.setKeys(map[string]*rsa.PublicKey{"kid-1": &k1.PublicKey, "kid-2": &k2.PublicKey})
	for i := 0; i < 5; i++ {
		_, err = f.verifier.Verify(ctx, rotated)
		wantErr(t, err, adminauth.ErrUnauthenticated, "unknown signing key", rotated)
	}
	if n := f.jwks.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches within the minute, want 2", n)
	}
	// A minute later the new key is fetched and verifies; the old one still does.
	f.clock.Advance(61 * time.Second)
	if _, err := f.verifier.Verify(ctx, sign(t, k2, "kid-2", f.idClaims())); err != nil {
		t.Fatalf("after the rotation: %v", err)
	}
	if _, err := f.verifier.Verify(ctx, f.token(t, nil)); err != nil {
		t.Fatalf("old key after the rotation: %v", err)
	}
	if n := f.jwks.fetches.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
	// The pool removes kid-1: after an hour the cached keys are fetched again and kid-1 no
	// longer verifies.
	f.jwks.setKeys(map[string]*rsa.PublicKey{"kid-2": &k2.PublicKey})
	f.clock.Advance(time.Hour)
	old := f.token(t, nil)
	_, err = f.verifier.Verify(ctx, old)
	wantErr(t, err, adminauth.ErrUnauthenticated, "unknown signing key", old)
}

func TestVerifyKeySetUnavailable(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, nil)
	f.jwks.Close()
	_, err := f.verifier.Verify(context.Background(), tok)
	if err == nil || errors.Is(err, adminauth.ErrUnauthenticated) || errors.Is(err, adminauth.ErrNoRole) {
		t.Fatalf("err = %v, want an internal error (the token may be fine)", err)
	}
	var ae *adminauth.Error
	if errors.As(err, &ae) {
		t.Errorf("an unreachable key set is an *adminauth.Error: %v", err)
	}
}

func TestVerifyConcurrentFirstUse(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.verifier.Verify(context.Background(), tok)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.jwks.fetches.Load(); n != 1 {
		t.Errorf("%d fetches for 20 concurrent first verifications, want 1", n)
	}
}

func TestNewVerifierConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  adminauth.Config
		ok   bool
	}{
		{"default key set URL is https", adminauth.Config{Issuer: testIssuer, Audience: testAudience}, true},
		{"loopback http", adminauth.Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: "http://127.0.0.1:4566/p/.well-known/jwks.json"}, true},
		{"localhost http", adminauth.Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: "http://localhost:4566/p/.well-known/jwks.json"}, true},
		{"http on the network", adminauth.Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: "http://cognito.example.com/jwks.json"}, false},
		{"http issuer, default key set", adminauth.Config{Issuer: "http://cognito.example.com/p", Audience: testAudience}, false},
		{"relative key set URL", adminauth.Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: "/jwks.json"}, false},
		{"no issuer", adminauth.Config{Audience: testAudience}, false},
		{"no audience", adminauth.Config{Issuer: testIssuer}, false},
		{"negative leeway", adminauth.Config{Issuer: testIssuer, Audience: testAudience, Leeway: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := adminauth.NewVerifier(tc.cfg)
			if (err == nil) != tc.ok {
				t.Errorf("NewVerifier: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestDefaultKeySetURL checks that without JWKSURL the keys are read at
// <issuer>/.well-known/jwks.json, as Cognito publishes them.
func TestDefaultKeySetURL(t *testing.T) {
	k1, _ := testKeys(t)
	jwks := newJWKSServer(t, map[string]*rsa.PublicKey{"kid-1": &k1.PublicKey})
	// An httptest server is http on 127.0.0.1, which the loopback rule allows.
	issuer := jwks.URL + "/sa-east-1_TestPool"
	v, err := adminauth.NewVerifier(adminauth.Config{Issuer: issuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok := sign(t, k1, "kid-1", jwt.MapClaims{
		"iss": issuer, "aud": testAudience, "sub": "s", "token_use": "id",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		resourcenames.ClaimGroups: []string{resourcenames.RolePlatformAdmin},
	})
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if jwks.fetches.Load() != 1 {
		t.Errorf("the key set was not read at the default URL")
	}
}

func TestFromRequest(t *testing.T) {
	for _, tc := range []struct {
		header, token string
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi"},
		{"bearer abc.def.ghi", "abc.def.ghi"},
		{"BEARER   abc.def.ghi  ", "abc.def.ghi"},
		{"", ""},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"Basic dXNlcjpwYXNz", ""},
		{"Bearer a b", ""},
		{"abc.def.ghi", ""},
	} {
		r := httptest.NewRequest(http.MethodGet, "/admin/v1/brands", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		got, err := adminauth.FromRequest(r)
		if tc.token == "" {
			if !errors.Is(err, adminauth.ErrUnauthenticated) {
				t.Errorf("%q: err = %v, want ErrUnauthenticated", tc.header, err)
			}
			continue
		}
		if err != nil || got != tc.token {
			t.Errorf("%q: %q, %v; want %q", tc.header, got, err, tc.token)
		}
	}
}

func TestContext(t *testing.T) {
	if _, ok := adminauth.FromContext(context.Background()); ok {
		t.Error("a bare context has a principal")
	}
	p := adminauth.Principal{Subject: "s", Username: "u", Role: resourcenames.RoleBrandViewer, ClientID: "demo-burger"}
	got, ok := adminauth.FromContext(adminauth.NewContext(context.Background(), p))
	if !ok || !reflect.DeepEqual(got, p) {
		t.Errorf("FromContext = %+v, %v", got, ok)
	}
}
