package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/secrets"
)

// testAPIKey is as distinctive as testToken, so a leak cannot go unnoticed either.
const testAPIKey = "$aact_ap1KeyShouldNeverLeak0123456789"

// putAsaas creates clientID's Asaas secret with value and deletes it when the test ends.
func (e *env) putAsaas(clientID, value string) {
	e.t.Helper()
	e.create(&secretsmanager.CreateSecretInput{
		Name: aws.String(resourcenames.AsaasSecret(e.name, clientID)), SecretString: aws.String(value),
	})
}

func (e *env) setAsaas(clientID, value string) {
	e.t.Helper()
	if _, err := e.sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(resourcenames.AsaasSecret(e.name, clientID)), SecretString: aws.String(value),
	}); err != nil {
		e.t.Fatal(err)
	}
}

func noPaymentLeak(t *testing.T, err error) {
	t.Helper()
	noLeak(t, err)
	for _, s := range []string{err.Error(), domain.ErrorMessage(err)} {
		if strings.Contains(s, testAPIKey) {
			t.Fatalf("error leaks the API key: %q", s)
		}
	}
}

func TestPaymentCredentialsFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putAsaas("demo-pizzaria", `{"apiKey":"`+testAPIKey+`","webhookToken":"`+testToken+`","note":"extra"}`)
	// The brand's Twilio secret is another secret: the Asaas one is found without it.
	s, _, _ := e.source()
	got, err := s.PaymentCredentials(context.Background(), "demo-pizzaria")
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.PaymentCredentials{APIKey: testAPIKey, WebhookToken: testToken}); got != want {
		t.Fatalf("credentials = %+v, want %+v", got, want)
	}
	if _, err := s.TwilioCredentials(context.Background(), "demo-pizzaria"); !domain.IsNotFound(err) {
		t.Fatalf("the Twilio secret was not created: %v, want ENOTFOUND", err)
	}
}

// One field without the other is returned: the webhook needs the token only, the charges
// the API key only.
func TestPaymentCredentialsPartial(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putAsaas("key-only", `{"apiKey":"`+testAPIKey+`","webhookToken":""}`)
	e.putAsaas("token-only", `{"webhookToken":" `+testToken+` "}`)
	s, _, _ := e.source()
	ctx := context.Background()
	if got, err := s.PaymentCredentials(ctx, "key-only"); err != nil || got != (domain.PaymentCredentials{APIKey: testAPIKey}) {
		t.Fatalf("key only: %+v, %v", got, err)
	}
	if got, err := s.PaymentCredentials(ctx, "token-only"); err != nil || got != (domain.PaymentCredentials{WebhookToken: testToken}) {
		t.Fatalf("token only (trimmed): %+v, %v", got, err)
	}
}

// A missing secret, and one that holds neither field (as the brand's construct creates it),
// are ENOTFOUND, remembered for the missing TTL; a secret filled in is seen after it.
func TestPaymentCredentialsNotConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putAsaas("empty-fields", `{"apiKey":"","webhookToken":""}`)
	e.putAsaas("empty-object", `{}`)
	e.putAsaas("null", `null`)
	s, calls, clock := e.source()
	ctx := context.Background()
	for _, id := range []string{"absent", "empty-fields", "empty-object", "null"} {
		for range 2 {
			_, err := s.PaymentCredentials(ctx, id)
			if !domain.IsNotFound(err) {
				t.Fatalf("%s: %v, want ENOTFOUND", id, err)
			}
		}
	}
	wantCalls(t, calls, 4)

	e.setAsaas("empty-fields", `{"apiKey":"`+testAPIKey+`","webhookToken":"`+testToken+`"}`)
	clock.Advance(secrets.DefaultMissingTTL - time.Second)
	if _, err := s.PaymentCredentials(ctx, "empty-fields"); !domain.IsNotFound(err) {
		t.Fatalf("within the missing TTL: %v, want the remembered ENOTFOUND", err)
	}
	clock.Advance(time.Second)
	if got, err := s.PaymentCredentials(ctx, "empty-fields"); err != nil || got.WebhookToken != testToken {
		t.Fatalf("after the missing TTL: %+v, %v", got, err)
	}
	wantCalls(t, calls, 5)
}

func TestPaymentCredentialsInvalid(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not JSON":                 testToken,
		"truncated":                `{"apiKey":"` + testAPIKey + `","webhookToken":"` + testToken,
		"an array":                 `["` + testToken + `"]`,
		"token not a string":       `{"apiKey":"` + testAPIKey + `","webhookToken":{"v":"` + testToken + `"}}`,
		"key not a string":         `{"apiKey":12345,"webhookToken":"` + testToken + `"}`,
		"token quoted in bad JSON": `{"apiKey":"` + testAPIKey + `","webhookToken":` + testToken + `}`,
	}
	e := newEnv(t)
	i := 0
	for name, value := range cases {
		clientID := "brand-" + string(rune('a'+i))
		i++
		e.putAsaas(clientID, value)
		t.Run(name, func(t *testing.T) {
			s, _, _ := e.source()
			_, err := s.PaymentCredentials(context.Background(), clientID)
			if !errors.Is(err, secrets.ErrInvalidPaymentSecret) {
				t.Fatalf("err = %v, want ErrInvalidPaymentSecret", err)
			}
			if domain.IsNotFound(err) || domain.ErrorCode(err) != domain.EINTERNAL {
				t.Errorf("code = %q, want %q", domain.ErrorCode(err), domain.EINTERNAL)
			}
			if !strings.Contains(err.Error(), resourcenames.AsaasSecret(e.name, clientID)) {
				t.Errorf("error %q does not name the secret", err)
			}
			noPaymentLeak(t, err)
		})
	}
}

// The Asaas credentials have a cache of their own with the same TTL; Invalidate clears both
// caches.
func TestPaymentCredentialsCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put("brand", `{"accountSid":"`+testSID+`","authToken":"`+testToken+`"}`)
	e.putAsaas("brand", `{"apiKey":"`+testAPIKey+`","webhookToken":"old0token0000000"}`)
	s, calls, clock := e.source()
	ctx := context.Background()
	for range 3 {
		if got, err := s.PaymentCredentials(ctx, "brand"); err != nil || got.WebhookToken != "old0token0000000" {
			t.Fatalf("PaymentCredentials = %+v, %v", got, err)
		}
		if got, err := s.TwilioCredentials(ctx, "brand"); err != nil || got.AuthToken != testToken {
			t.Fatalf("TwilioCredentials = %+v, %v", got, err)
		}
	}
	wantCalls(t, calls, 2) // one read of each secret

	e.setAsaas("brand", `{"apiKey":"`+testAPIKey+`","webhookToken":"new0token0000000"}`)
	clock.Advance(secrets.DefaultTTL - time.Second)
	if got, _ := s.PaymentCredentials(ctx, "brand"); got.WebhookToken != "old0token0000000" {
		t.Fatalf("within the TTL the cached token is used, got %q", got.WebhookToken)
	}
	wantCalls(t, calls, 2)
	clock.Advance(time.Second)
	if got, _ := s.PaymentCredentials(ctx, "brand"); got.WebhookToken != "new0token0000000" {
		t.Fatalf("after the TTL the rotated token is read, got %q", got.WebhookToken)
	}
	wantCalls(t, calls, 3) // only the Asaas secret was read
	if _, err := s.TwilioCredentials(ctx, "brand"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, calls, 4) // the Twilio entry expired at the same time, in its own cache

	e.setAsaas("brand", `{"apiKey":"`+testAPIKey+`","webhookToken":"newer0token00000"}`)
	s.Invalidate("brand")
	if got, _ := s.PaymentCredentials(ctx, "brand"); got.WebhookToken != "newer0token00000" {
		t.Fatalf("after Invalidate the secret is read again, got %q", got.WebhookToken)
	}
	if _, err := s.TwilioCredentials(ctx, "brand"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, calls, 6) // both caches were cleared
}

// A failure to reach Secrets Manager is returned, not remembered, and leaks nothing.
func TestPaymentCredentialsTransient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putAsaas("brand", `{"apiKey":"`+testAPIKey+`","webhookToken":"`+testToken+`"}`)
	s, calls, _ := e.source()
	calls.fail.Store(1)
	ctx := context.Background()
	_, err := s.PaymentCredentials(ctx, "brand")
	if !errors.Is(err, errThrottled) || domain.IsNotFound(err) || errors.Is(err, secrets.ErrInvalidPaymentSecret) {
		t.Fatalf("err = %v, want the throttling error, neither missing nor invalid", err)
	}
	noPaymentLeak(t, err)
	if got, err := s.PaymentCredentials(ctx, "brand"); err != nil || got.WebhookToken != testToken {
		t.Fatalf("retry: %+v, %v", got, err)
	}
	wantCalls(t, calls, 2)
}

func TestPaymentCredentialsInvalidClientID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s, calls, _ := e.source()
	for _, id := range []string{"", "Brand", "../other/asaas", "a/b"} {
		if _, err := s.PaymentCredentials(context.Background(), id); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("clientId %q: %v, want EINVALID", id, err)
		}
	}
	wantCalls(t, calls, 0)
}
