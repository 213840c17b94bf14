package secrets_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/domain/domaintest"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/secrets"
)

const (
	testSID = "AC0123456789abcdef0123456789abcdef"
	// testToken is distinctive so a leak into an error message cannot go unnoticed.
	testToken = "tok3nSh0uldNeverLeak9f8e7d6c5b4a"
)

// env is one test's private environment in the emulator: its own environment name, so its
// secret names collide with no other test's.
type env struct {
	t    *testing.T
	name string
	sm   *secretsmanager.Client
	cfg  aws.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := emulatortest.Config(t)
	return &env{t: t, name: "t" + emulatortest.UniqueSuffix(t), sm: secretsmanager.NewFromConfig(cfg), cfg: cfg}
}

// put creates clientID's Twilio secret with value and deletes it when the test ends.
func (e *env) put(clientID, value string) {
	e.t.Helper()
	e.create(&secretsmanager.CreateSecretInput{
		Name: aws.String(resourcenames.TwilioSecret(e.name, clientID)), SecretString: aws.String(value),
	})
}

func (e *env) create(in *secretsmanager.CreateSecretInput) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.sm.CreateSecret(ctx, in); err != nil {
		e.t.Fatalf("create secret %s: %v", aws.ToString(in.Name), err)
	}
	e.t.Cleanup(func() {
		_, _ = e.sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{
			SecretId: in.Name, ForceDeleteWithoutRecovery: aws.Bool(true),
		})
	})
}

// errThrottled stands for any failure to reach Secrets Manager.
var errThrottled = errors.New("ThrottlingException: Rate exceeded")

// counting wraps the emulator's client and counts the calls that reach it.
type counting struct {
	secrets.API
	calls atomic.Int32
	fail  atomic.Int32 // the next fail calls return a transient error instead
}

func (c *counting) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	if c.fail.Add(-1) >= 0 {
		return nil, errThrottled
	}
	c.fail.Store(0)
	return c.API.GetSecretValue(ctx, in, optFns...)
}

// source returns a Source over the emulator, with a test clock and a call counter.
func (e *env) source(opts ...secrets.Option) (*secrets.Source, *counting, *domaintest.Clock) {
	e.t.Helper()
	clock := domaintest.NewClock()
	api, err := secrets.FromTenantClients(awsclients.NewStatic(e.cfg))(context.Background(), "any")
	if err != nil {
		e.t.Fatal(err)
	}
	c := &counting{API: api}
	s, err := secrets.New(e.name, secrets.SingleClient(c), append([]secrets.Option{secrets.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return s, c, clock
}

func wantCalls(t *testing.T, c *counting, want int32) {
	t.Helper()
	if got := c.calls.Load(); got != want {
		t.Fatalf("Secrets Manager was called %d times, want %d", got, want)
	}
}

// noLeak fails when err's text, or what a user would be shown, contains the token.
func noLeak(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{err.Error(), domain.ErrorMessage(err)} {
		if strings.Contains(s, testToken) {
			t.Fatalf("error leaks the auth token: %q", s)
		}
	}
}

func TestFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("demo-pizzaria", `{"accountSid":"`+testSID+`","authToken":"`+testToken+`","note":"extra fields are fine"}`)
	s, _, _ := e.source()
	got, err := s.TwilioCredentials(context.Background(), "demo-pizzaria")
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.TwilioCredentials{AccountSID: testSID, AuthToken: testToken}); got != want {
		t.Fatalf("credentials = %+v, want %+v", got, want)
	}
}

// The SDK client obtained through awsclients.TenantClients reads the same secret.
func TestFromTenantClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand", `{"accountSid":"`+testSID+`","authToken":"`+testToken+`"}`)
	s, err := secrets.New(e.name, secrets.FromTenantClients(awsclients.NewStatic(e.cfg)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.TwilioCredentials(context.Background(), "brand"); err != nil || got.AuthToken != testToken {
		t.Fatalf("TwilioCredentials = %+v, %v", got, err)
	}
}

type nilClients struct{ awsclients.TenantClients }

func (nilClients) SecretsManager(context.Context, string) (*secretsmanager.Client, error) {
	return nil, nil
}

func TestFromTenantClientsRefusesNilClient(t *testing.T) {
	t.Parallel()
	if _, err := secrets.FromTenantClients(nilClients{})(context.Background(), "brand"); err == nil {
		t.Fatal("a nil client was handed out")
	}
}

// A missing secret is ENOTFOUND, remembered for the missing TTL and no longer: once an
// operator creates it, it is found within that time.
func TestMissingIsNotFoundForAShortWhile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s, calls, clock := e.source()
	ctx := context.Background()
	for range 3 {
		_, err := s.TwilioCredentials(ctx, "brand")
		if !domain.IsNotFound(err) {
			t.Fatalf("missing secret: %v, want ENOTFOUND", err)
		}
	}
	wantCalls(t, calls, 1)

	e.put("brand", `{"accountSid":"`+testSID+`","authToken":"`+testToken+`"}`)
	clock.Advance(secrets.DefaultMissingTTL - time.Second)
	if _, err := s.TwilioCredentials(ctx, "brand"); !domain.IsNotFound(err) {
		t.Fatalf("within the missing TTL: %v, want the remembered ENOTFOUND", err)
	}
	wantCalls(t, calls, 1)

	clock.Advance(time.Second)
	if got, err := s.TwilioCredentials(ctx, "brand"); err != nil || got.AuthToken != testToken {
		t.Fatalf("after the missing TTL: %+v, %v; want the new secret", got, err)
	}
	wantCalls(t, calls, 2)
}

func TestInvalidSecrets(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not JSON":                  testToken,
		"truncated JSON":            `{"accountSid":"` + testSID + `","authToken":"` + testToken,
		"JSON but not an object":    `["` + testToken + `"]`,
		"CDK placeholder":           `{"accountSid":"","authToken":"` + testToken + `"}`,
		"no accountSid":             `{"authToken":"` + testToken + `"}`,
		"accountSid not a SID":      `{"accountSid":"SK0123456789abcdef0123456789abcdef","authToken":"` + testToken + `"}`,
		"accountSid too short":      `{"accountSid":"AC123","authToken":"` + testToken + `"}`,
		"accountSid not a string":   `{"accountSid":12345,"authToken":"` + testToken + `"}`,
		"no authToken":              `{"accountSid":"` + testSID + `"}`,
		"empty authToken":           `{"accountSid":"` + testSID + `","authToken":""}`,
		"authToken not a string":    `{"accountSid":"` + testSID + `","authToken":{"v":"` + testToken + `"}}`,
		"token where the sid goes":  `{"accountSid":"` + testToken + `","authToken":"` + testToken + `"}`,
		"null fields":               `{"accountSid":null,"authToken":null}`,
		"empty object":              `{}`,
		"trailing garbage":          `{"accountSid":"` + testSID + `","authToken":"` + testToken + `"} x`,
		"token quoted in bad JSON":  `{"accountSid":"` + testSID + `","authToken":` + testToken + `}`,
		"object with the wrong key": `{"account_sid":"` + testSID + `","auth_token":"` + testToken + `"}`,
	}
	e := newEnv(t)
	i := 0
	for name, value := range cases {
		clientID := "brand-" + string(rune('a'+i))
		i++
		e.put(clientID, value)
		t.Run(name, func(t *testing.T) {
			s, _, _ := e.source()
			_, err := s.TwilioCredentials(context.Background(), clientID)
			if !errors.Is(err, secrets.ErrInvalidSecret) {
				t.Fatalf("err = %v, want ErrInvalidSecret", err)
			}
			if code := domain.ErrorCode(err); code != domain.EINTERNAL {
				t.Errorf("code = %q, want %q", code, domain.EINTERNAL)
			}
			if !strings.Contains(err.Error(), resourcenames.TwilioSecret(e.name, clientID)) {
				t.Errorf("error %q does not name the secret", err)
			}
			noLeak(t, err)
		})
	}
}

func TestBinarySecretIsInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(&secretsmanager.CreateSecretInput{
		Name:         aws.String(resourcenames.TwilioSecret(e.name, "brand")),
		SecretBinary: []byte(`{"accountSid":"` + testSID + `","authToken":"` + testToken + `"}`),
	})
	s, _, _ := e.source()
	_, err := s.TwilioCredentials(context.Background(), "brand")
	if !errors.Is(err, secrets.ErrInvalidSecret) {
		t.Fatalf("err = %v, want ErrInvalidSecret", err)
	}
	noLeak(t, err)
}

// An invalid secret is remembered like a missing one, and a fix is seen after that.
func TestInvalidSecretIsRememberedForAShortWhile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand", `{"accountSid":"","authToken":"placeholder"}`)
	s, calls, clock := e.source()
	ctx := context.Background()
	for range 2 {
		if _, err := s.TwilioCredentials(ctx, "brand"); !errors.Is(err, secrets.ErrInvalidSecret) {
			t.Fatalf("err = %v, want ErrInvalidSecret", err)
		}
	}
	wantCalls(t, calls, 1)
	if _, err := e.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:     aws.String(resourcenames.TwilioSecret(e.name, "brand")),
		SecretString: aws.String(`{"accountSid":"` + testSID + `","authToken":"` + testToken + `"}`),
	}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(secrets.DefaultMissingTTL)
	if got, err := s.TwilioCredentials(ctx, "brand"); err != nil || got.AuthToken != testToken {
		t.Fatalf("after the fix: %+v, %v", got, err)
	}
	wantCalls(t, calls, 2)
}

// Credentials are read once per TTL, and again when it has passed, so a rotation is seen.
func TestCacheHitAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand", `{"accountSid":"`+testSID+`","authToken":"old0token"}`)
	s, calls, clock := e.source()
	ctx := context.Background()
	for range 5 {
		if got, err := s.TwilioCredentials(ctx, "brand"); err != nil || got.AuthToken != "old0token" {
			t.Fatalf("TwilioCredentials = %+v, %v", got, err)
		}
	}
	wantCalls(t, calls, 1)

	if _, err := e.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:     aws.String(resourcenames.TwilioSecret(e.name, "brand")),
		SecretString: aws.String(`{"accountSid":"` + testSID + `","authToken":"new0token"}`),
	}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(secrets.DefaultTTL - time.Second)
	if got, _ := s.TwilioCredentials(ctx, "brand"); got.AuthToken != "old0token" {
		t.Fatalf("within the TTL the cached token is used, got %q", got.AuthToken)
	}
	wantCalls(t, calls, 1)

	clock.Advance(time.Second)
	if got, _ := s.TwilioCredentials(ctx, "brand"); got.AuthToken != "new0token" {
		t.Fatalf("after the TTL the rotated token is read, got %q", got.AuthToken)
	}
	wantCalls(t, calls, 2)

	// Invalidate forces a read at once.
	s.Invalidate("brand")
	if _, err := s.TwilioCredentials(ctx, "brand"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, calls, 3)
}

// Brands are cached apart: one brand's credentials are never another's.
func TestBrandsAreCachedApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand-a", `{"accountSid":"`+testSID+`","authToken":"tokenA"}`)
	e.put("brand-b", `{"accountSid":"`+testSID+`","authToken":"tokenB"}`)
	s, _, _ := e.source()
	ctx := context.Background()
	for range 2 {
		for id, want := range map[string]string{"brand-a": "tokenA", "brand-b": "tokenB"} {
			if got, err := s.TwilioCredentials(ctx, id); err != nil || got.AuthToken != want {
				t.Fatalf("%s: %+v, %v; want token %s", id, got, err, want)
			}
		}
	}
}

// A failure to reach Secrets Manager is returned as it is and not remembered: the next call
// tries again.
func TestTransientErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand", `{"accountSid":"`+testSID+`","authToken":"`+testToken+`"}`)
	s, calls, _ := e.source()
	calls.fail.Store(1)
	ctx := context.Background()
	_, err := s.TwilioCredentials(ctx, "brand")
	if !errors.Is(err, errThrottled) {
		t.Fatalf("err = %v, want the throttling error", err)
	}
	if domain.IsNotFound(err) || errors.Is(err, secrets.ErrInvalidSecret) {
		t.Fatalf("a throttle is neither missing nor invalid: %v", err)
	}
	if got, err := s.TwilioCredentials(ctx, "brand"); err != nil || got.AuthToken != testToken {
		t.Fatalf("retry: %+v, %v", got, err)
	}
	wantCalls(t, calls, 2)
}

// Concurrent misses for one brand share one read.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand", `{"accountSid":"`+testSID+`","authToken":"`+testToken+`"}`)
	s, calls, _ := e.source()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.TwilioCredentials(context.Background(), "brand"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := calls.calls.Load(); n < 1 || n > 2 {
		// One in practice; two if a goroutine misses after the first load has finished and
		// the race detector slowed everything down. Twenty would mean no sharing at all.
		t.Fatalf("%d reads for 20 concurrent misses", n)
	}
}

// A clientId that is not one is refused before it can name a secret.
func TestInvalidClientID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s, calls, _ := e.source()
	for _, id := range []string{"", "Brand", "../other/twilio", "a/b", strings.Repeat("x", resourcenames.MaxIDLength+1)} {
		if _, err := s.TwilioCredentials(context.Background(), id); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("clientId %q: %v, want EINVALID", id, err)
		}
	}
	wantCalls(t, calls, 0)
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	src := secrets.SingleClient(nil)
	cases := map[string]func() (*secrets.Source, error){
		"no env":        func() (*secrets.Source, error) { return secrets.New("", src) },
		"no source":     func() (*secrets.Source, error) { return secrets.New("dev", nil) },
		"zero TTL":      func() (*secrets.Source, error) { return secrets.New("dev", src, secrets.WithTTL(0)) },
		"negative miss": func() (*secrets.Source, error) { return secrets.New("dev", src, secrets.WithMissingTTL(-time.Second)) },
		"zero bound":    func() (*secrets.Source, error) { return secrets.New("dev", src, secrets.WithMaxEntries(0)) },
		"nil clock":     func() (*secrets.Source, error) { return secrets.New("dev", src, secrets.WithClock(nil)) },
	}
	for name, f := range cases {
		if _, err := f(); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := secrets.New("dev", src); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}
