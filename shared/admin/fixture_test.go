package admin_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/golang-jwt/jwt/v5"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/dev/localoutbox"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/privacy"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/wire"
	"github.com/wabot-platform/wabot/shared/wire/adminwire"
)

// The admin API's tests run it as it runs in AWS, over the local emulator: tables from the
// synthesized template, the brands' secrets and store queues, the demo brands seeded, and
// tokens verified by adminauth (the real verifier) against a key set the test publishes.

const (
	testIssuer   = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_MATRIX"
	testAudience = "matrixclient0000000000000"
)

// signer mints ID tokens like Cognito's.
type signer struct {
	key  *rsa.PrivateKey
	kid  string
	jwks *httptest.Server
}

func newSigner(tb testing.TB) *signer {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	s := &signer{key: key, kid: "matrix-key"}
	body, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": s.kid,
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	s.jwks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	tb.Cleanup(s.jwks.Close)
	return s
}

// token is a signed ID token for role (and brand), valid for ttl (negative: expired).
func (s *signer) token(tb testing.TB, role, clientID string, ttl time.Duration) string {
	tb.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "token_use": "id", "sub": "sub-" + role + "-" + clientID,
		"cognito:username": role + "." + clientID + "@test", "iat": now.Add(-time.Minute).Unix(), "auth_time": now.Add(-time.Minute).Unix(),
		"exp": now.Add(ttl).Unix(),
	}
	if role != "" {
		claims["cognito:groups"] = []string{role}
	}
	if clientID != "" {
		claims["custom:clientId"] = clientID
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = s.kid
	out, err := t.SignedString(s.key)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// tampered changes the brand in a valid token's payload, keeping its signature.
func tampered(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	_ = json.Unmarshal(payload, &m)
	m["custom:clientId"] = demo.PizzariaID
	m["cognito:groups"] = []string{resourcenames.RolePlatformAdmin}
	b, _ := json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

type fixture struct {
	env     string
	h       *admin.Handler
	srv     *httptest.Server
	signer  *signer
	repos   *dynamo.Repositories
	sm      *secretsmanager.Client
	sqs     *sqs.Client
	logs    *domaintest.LogBuffer
	outbox  *localoutbox.Outbox
	pos     map[string]string // store id -> POS queue URL
	now     time.Time
	tables  resourcenames.Tables
	awsCfg  aws.Config
	clients awsclients.TenantClients
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureWith(tb, nil)
}

// newFixtureWith lets change alter the admin API's table names (the repositories of the
// fixture itself keep the real ones).
func newFixtureWith(tb testing.TB, change func(*resourcenames.Tables)) *fixture {
	tb.Helper()
	return newFixtureOpts(tb, change, nil)
}

// newFixtureOpts is newFixtureWith whose opts (when not nil) also change the admin
// function's options (its model).
func newFixtureOpts(tb testing.TB, change func(*resourcenames.Tables), opts func(*wire.Options)) *fixture {
	tb.Helper()
	ctx := domain.NewPlatformContext(context.Background())
	cfg := emulatortest.Config(tb)
	env := "a" + emulatortest.UniqueSuffix(tb)
	tables := emulatortest.Tables(tb)
	apiTables := tables
	if change != nil {
		change(&apiTables)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	q := sqs.NewFromConfig(cfg)
	tmpl := &emulator.Template{Resources: map[string]emulator.Resource{}}
	for _, tn := range demo.Tenants() {
		id := tn.Client.ClientID
		tmpl.Resources["T"+id] = emulator.Resource{Type: "AWS::SecretsManager::Secret", Properties: map[string]any{"Name": resourcenames.TwilioSecret(env, id)}}
		tmpl.Resources["A"+id] = emulator.Resource{Type: "AWS::SecretsManager::Secret", Properties: map[string]any{"Name": resourcenames.AsaasSecret(env, id)}}
	}
	if _, err := emulator.ApplySecrets(ctx, sm, tmpl, emulator.Options{}); err != nil {
		tb.Fatal(err)
	}
	pos := map[string]string{}
	for _, tn := range demo.Tenants() {
		for _, st := range tn.Stores {
			for _, name := range []string{resourcenames.StoreOrderQueue(env, st.ClientID, st.StoreID), resourcenames.StoreOrderDLQ(env, st.ClientID, st.StoreID)} {
				out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"FifoQueue": "true"}})
				if err != nil {
					tb.Fatal(err)
				}
				if !strings.Contains(name, "-dlq") {
					pos[st.StoreID] = aws.ToString(out.QueueUrl)
				}
				tb.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}) })
			}
		}
	}
	logs := &domaintest.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	box, err := localoutbox.New(localoutbox.WithLogger(log))
	if err != nil {
		tb.Fatal(err)
	}
	s := newSigner(tb)
	dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbound-dlq-" + env + ".fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: dlq.QueueUrl}) })
	acfg := adminwire.AdminConfig{Config: wire.Config{Env: env, Tables: apiTables, TenantRoleARN: "unused", InboundDLQURL: aws.ToString(dlq.QueueUrl)},
		Issuer: testIssuer, Audience: testAudience, JWKSURL: s.jwks.URL + "/jwks.json"}
	acfg.PseudonymKey = privacy.LocalPseudonymKey
	auth, err := adminwire.AdminAuthenticator(acfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	clients := awsclients.NewStatic(cfg)
	now := time.Now()
	wopts := wire.Options{Messenger: box, Logger: log, ConfigTTL: time.Millisecond}
	if opts != nil {
		opts(&wopts)
	}
	h, err := adminwire.NewAdmin(ctx, acfg, clients, auth, wopts)
	if err != nil {
		tb.Fatal(err)
	}
	repos, err := dynamo.New(tables, dynamo.FromTenantClients(clients))
	if err != nil {
		tb.Fatal(err)
	}
	if err := demo.Seed(ctx, env, demo.Targets{Clients: repos, Stores: repos, Menus: repos, Secrets: sm, Queues: q}); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return &fixture{env: env, h: h, srv: srv, signer: s, repos: repos, sm: sm, sqs: q, logs: logs, outbox: box, pos: pos, now: now,
		tables: tables, awsCfg: cfg, clients: clients}
}

// response is an API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("body %s: %v", r.body, err)
	}
}

func (r response) problem(tb testing.TB) admin.Problem {
	tb.Helper()
	if ct := r.header.Get("Content-Type"); ct != admin.ProblemContentType {
		tb.Fatalf("status %d with Content-Type %q, want %s: %s", r.status, ct, admin.ProblemContentType, r.body)
	}
	var p admin.Problem
	r.json(tb, &p)
	return p
}

// do sends a request with token (none when ""), a JSON body (nil: none) and headers.
func (f *fixture) do(tb testing.TB, method, path, token string, body any, headers ...string) response {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		case []byte:
			rd = bytes.NewReader(b)
		default:
			raw, err := json.Marshal(body)
			if err != nil {
				tb.Fatal(err)
			}
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (f *fixture) platform(tb testing.TB) string {
	return f.signer.token(tb, resourcenames.RolePlatformAdmin, "", time.Hour)
}
func (f *fixture) brandAdmin(tb testing.TB, clientID string) string {
	return f.signer.token(tb, resourcenames.RoleBrandAdmin, clientID, time.Hour)
}
func (f *fixture) viewer(tb testing.TB, clientID string) string {
	return f.signer.token(tb, resourcenames.RoleBrandViewer, clientID, time.Hour)
}

// customer gives brand a customer with a mapping to store and a live conversation whose
// last inbound message is a minute old (inside WhatsApp's window). Idempotent.
func (f *fixture) customer(tb testing.TB, clientID, storeID, phone string) {
	tb.Helper()
	ctx := domain.NewContextWithTenant(context.Background(), clientID)
	now := time.Now().UTC()
	m := &domain.PhoneMapping{ClientID: clientID, PhoneNumber: phone, StoreID: storeID, LastInteraction: now}
	if err := f.repos.CreateMapping(ctx, m); err != nil && !domain.IsConflict(err) {
		tb.Fatal(err)
	}
	c := &domain.Conversation{ClientID: clientID, PhoneNumber: phone, SessionID: fmt.Sprintf("s%d", now.UnixNano()), StoreID: storeID,
		CurrentState: domain.StateMenuBrowsing, Language: domain.PtBR, Cart: []domain.CartItem{}, Context: map[string]string{},
		MessageHistory:       []domain.HistoryEntry{{Direction: domain.Inbound, Body: "oi", At: now.Add(-time.Minute), MessageSid: fmt.Sprintf("SM%032d", now.UnixNano()%1e12)}},
		LastMessageTimestamp: now.Add(-time.Minute).UnixMilli()}
	if err := f.repos.CreateConversation(ctx, c); err != nil && !domain.IsConflict(err) {
		tb.Fatal(err)
	}
}

// twilioSecret reads demo-burger's Twilio secret as the runtime would.
func (f *fixture) twilioSecret(t *testing.T) (map[string]string, error) {
	t.Helper()
	out, err := f.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(resourcenames.TwilioSecret(f.env, demo.BurgerID))})
	if err != nil {
		return nil, err
	}
	var m map[string]string
	err = json.Unmarshal([]byte(aws.ToString(out.SecretString)), &m)
	return m, err
}
