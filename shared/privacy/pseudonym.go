package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/wabot-platform/wabot/shared/domain"
)

// PseudonymPrefix starts every pseudonym written in place of a customer's number: a reserved
// form that no WhatsApp address can take ("whatsapp:+..."), so a pseudonymised order can
// never be mistaken for a number to message, nor be put back in the customer index.
const PseudonymPrefix = domain.PseudonymPrefix

// pseudonymBytes is how much of the HMAC a pseudonym keeps: 160 bits, 32 base32 characters.
const pseudonymBytes = 20

// pseudonymDomain separates this use of the key from any other (versioned: a new scheme
// would be "v2").
const pseudonymDomain = "wabot/customer-pseudonym/v1"

// MinKeyBytes is the shortest pseudonymisation key accepted: HMAC-SHA256's block of security.
const MinKeyBytes = 32

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Pseudonym is the pseudonym of the customer phoneNumber (canonical WhatsApp address) of the
// brand clientID under key: PseudonymPrefix and 32 lower-case base32 characters of
// HMAC-SHA256(key, "wabot/customer-pseudonym/v1|<clientId>|<phoneNumber>").
//
//   - Stable: the same number in the same brand always gives the same pseudonym, so an
//     operator can still count a former customer's orders.
//   - Per brand: the brand is in the MAC, so the same person's orders in two brands do not
//     link (a brand that obtains another's pseudonyms learns nothing).
//   - Not reversible without the key: Brazilian numbers are few enough (about 10^9 mobiles)
//     that an unkeyed hash is reversed by trying them all; the HMAC needs the secret.
func Pseudonym(key []byte, clientID, phoneNumber string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(pseudonymDomain + "|" + clientID + "|" + phoneNumber))
	return PseudonymPrefix + strings.ToLower(b32.EncodeToString(m.Sum(nil)[:pseudonymBytes]))
}

// IsPseudonym reports whether s has the form of a pseudonym (not whether a key made it).
func IsPseudonym(s string) bool {
	rest, ok := strings.CutPrefix(s, PseudonymPrefix)
	if !ok || len(rest) != b32.EncodedLen(pseudonymBytes) {
		return false
	}
	_, err := b32.DecodeString(strings.ToUpper(rest))
	return err == nil
}

// KeySource gives the environment's pseudonymisation key. The key must never change: a new
// key gives every customer new pseudonyms, so orders erased before and after no longer count
// together (rotate only with a new pseudonymDomain version, knowingly).
type KeySource interface {
	PseudonymKey(ctx context.Context) ([]byte, error)
}

// StaticKey is a key held in memory: the local stack and tests (LocalPseudonymKey).
type StaticKey []byte

// PseudonymKey implements KeySource.
func (k StaticKey) PseudonymKey(context.Context) ([]byte, error) {
	if len(k) < MinKeyBytes {
		return nil, fmt.Errorf("privacy: the pseudonymisation key has %d bytes, at least %d are needed", len(k), MinKeyBytes)
	}
	return []byte(k), nil
}

// LocalPseudonymKey is the pseudonymisation key of the local stack and of tests, and of
// nothing else: it is in the source code, so a pseudonym made with it is reversible by anyone
// (try every number). In AWS the key comes from the environment's secret (SecretKey).
var LocalPseudonymKey = StaticKey("wabot-LOCAL-ONLY-pseudonym-key--never-in-aws")

// SecretsAPI is the slice of the Secrets Manager client SecretKey calls.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretKey reads the key from a Secrets Manager secret (its SecretString, or SecretBinary)
// once and keeps it: the key never changes. A failed read is not kept, so the next call asks
// again. The secret's value never appears in an error or a log line.
type SecretKey struct {
	api SecretsAPI
	id  string

	mu  sync.Mutex
	key []byte
}

// NewSecretKey returns the KeySource of the secret secretID (a name or an ARN).
func NewSecretKey(api SecretsAPI, secretID string) *SecretKey {
	return &SecretKey{api: api, id: secretID}
}

// PseudonymKey implements KeySource.
func (s *SecretKey) PseudonymKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	out, err := s.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.id)})
	if err != nil {
		return nil, fmt.Errorf("privacy: read the pseudonymisation key %q: %w", s.id, err)
	}
	key := out.SecretBinary
	if out.SecretString != nil {
		key = []byte(*out.SecretString)
	}
	if len(key) < MinKeyBytes {
		return nil, domain.Errorf(domain.EINTERNAL, "privacy: the pseudonymisation key %q has %d bytes, at least %d are needed", s.id, len(key), MinKeyBytes)
	}
	s.key = key
	return key, nil
}
