package privacy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/privacy"
)

func TestPseudonym(t *testing.T) {
	t.Parallel()
	key := []byte(strings.Repeat("k", privacy.MinKeyBytes))
	p := privacy.Pseudonym(key, pizzaria, customer)
	if p != privacy.Pseudonym(key, pizzaria, customer) {
		t.Error("the pseudonym of one number in one brand is not stable")
	}
	if !privacy.IsPseudonym(p) || len(p) != len(privacy.PseudonymPrefix)+32 {
		t.Errorf("pseudonym %q is not of the reserved form", p)
	}
	if _, err := domain.ParseWhatsAppAddress(p); err == nil {
		t.Errorf("pseudonym %q is a WhatsApp address", p)
	}
	if strings.Contains(p, "5511987654321") || strings.Contains(p, "4321") {
		t.Errorf("pseudonym %q shows the number", p)
	}
	distinct := map[string]string{
		"another brand":    privacy.Pseudonym(key, burger, customer),
		"another customer": privacy.Pseudonym(key, pizzaria, other),
		"another key":      privacy.Pseudonym([]byte(strings.Repeat("K", privacy.MinKeyBytes)), pizzaria, customer),
		// The separator keeps brand and number apart.
		"a shifted brand": privacy.Pseudonym(key, pizzaria+"|whatsapp:+55", "11987654321"),
	}
	for what, q := range distinct {
		if q == p {
			t.Errorf("%s gives the same pseudonym %q", what, p)
		}
	}
	for _, s := range []string{customer, "anon:", "anon:" + strings.Repeat("a", 31), "anon:" + strings.Repeat("1", 32), "ANON:" + p[5:]} {
		if privacy.IsPseudonym(s) {
			t.Errorf("IsPseudonym(%q) = true", s)
		}
	}
}

func TestStaticKeys(t *testing.T) {
	t.Parallel()
	if k, err := privacy.LocalPseudonymKey.PseudonymKey(context.Background()); err != nil || len(k) < privacy.MinKeyBytes {
		t.Errorf("LocalPseudonymKey = %d bytes, %v", len(k), err)
	}
	if _, err := privacy.StaticKey("short").PseudonymKey(context.Background()); err == nil {
		t.Error("a 5-byte key is accepted")
	}
}

// In AWS the key is a Secrets Manager secret, read once.
func TestSecretKey(t *testing.T) {
	t.Parallel()
	sm := secretsmanager.NewFromConfig(emulatortest.Config(t))
	ctx := context.Background()
	suffix := emulatortest.UniqueSuffix(t)
	value := strings.Repeat("s3cr3t-", 8)
	put := func(name, v string) {
		t.Helper()
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
		})
	}
	good := "wabot/test/_platform/pseudonym-key-" + suffix
	put(good, value)
	src := privacy.NewSecretKey(sm, good)
	k, err := src.PseudonymKey(ctx)
	if err != nil || string(k) != value {
		t.Fatalf("key from the secret = %d bytes, %v", len(k), err)
	}
	// Read once: a changed secret does not change the key of a running function.
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(good), SecretString: aws.String(strings.Repeat("x", 40))}); err != nil {
		t.Fatal(err)
	}
	if k, err := src.PseudonymKey(ctx); err != nil || string(k) != value {
		t.Errorf("second read = %d bytes, %v; want the first key", len(k), err)
	}

	short := "wabot/test/_platform/short-" + suffix
	put(short, "tiny-secret-value")
	_, err = privacy.NewSecretKey(sm, short).PseudonymKey(ctx)
	if err == nil || strings.Contains(err.Error(), "tiny-secret-value") {
		t.Errorf("a short key = %v, want an error that does not show it", err)
	}
	if _, err := privacy.NewSecretKey(sm, "wabot/test/_platform/absent-"+suffix).PseudonymKey(ctx); err == nil {
		t.Error("an absent secret gives a key")
	}
}
