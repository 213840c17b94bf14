package adminauth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

const (
	// minRefetchInterval bounds how often the key set is fetched again: a token naming an
	// unknown key (a rotation, or anyone's forged kid) refetches it at most once a minute.
	minRefetchInterval = time.Minute
	// keysMaxAge is how long fetched keys are trusted without fetching the set again, so a key
	// the pool removed stops verifying tokens within the hour in a long-lived process.
	keysMaxAge = time.Hour
	// minRSABits: Cognito signs with 2048-bit keys; anything shorter is refused.
	minRSABits = 2048
	// maxKeySetBytes caps the key set document read.
	maxKeySetBytes = 1 << 20
)

// keySet is the user pool's JSON Web Key Set, fetched on first use and cached. Keys are
// looked up by kid; an unknown kid refetches the set, at most once per minRefetchInterval.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu          sync.Mutex // held across a fetch: concurrent misses wait for one fetch
	keys        map[string]*rsa.PublicKey
	fetchedAt   time.Time // last successful fetch; zero before the first
	attemptedAt time.Time // last fetch, successful or not
	lastErr     error     // the last fetch's error, while attemptedAt is recent
}

// key returns the public key kid. An unknown kid is an *Error (ErrUnauthenticated); a key set
// that cannot be fetched is an internal error.
func (s *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	k, ok := s.keys[kid]
	fresh := !s.fetchedAt.IsZero() && now.Sub(s.fetchedAt) < keysMaxAge
	if ok && fresh {
		return k, nil
	}
	if !s.attemptedAt.IsZero() && now.Sub(s.attemptedAt) < minRefetchInterval {
		// Fetched a moment ago: do not let a stream of unknown kids hammer the endpoint.
		if ok {
			return k, nil
		}
		if s.lastErr != nil {
			return nil, s.lastErr
		}
		return nil, unauthenticated("unknown signing key")
	}
	s.attemptedAt = now
	keys, err := s.fetch(ctx)
	if err != nil {
		s.lastErr = err
		if ok {
			// A stale key still verifies while the key set is unreachable: availability
			// wins over the hour of staleness.
			return k, nil
		}
		return nil, err
	}
	s.keys, s.fetchedAt, s.lastErr = keys, now, nil
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, unauthenticated("unknown signing key")
}

// jwk is one key of a JSON Web Key Set (RFC 7517), the fields an RSA signing key uses.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// fetch reads the key set and returns its RSA signature keys by kid. Keys of another type,
// use or algorithm are skipped; a set with no usable key is an error.
func (s *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("adminauth: key set request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("adminauth: fetch key set %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("adminauth: fetch key set %s: %s", s.url, resp.Status)
	}
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxKeySetBytes)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("adminauth: key set %s is not a JSON Web Key Set: %w", s.url, err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			return nil, fmt.Errorf("adminauth: key set %s, key %s: %w", s.url, k.Kid, err)
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("adminauth: key set %s has no RS256 signing key", s.url)
	}
	return keys, nil
}

// rsaKey builds a public key from the base64url modulus and exponent of a JWK.
func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n64)
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	eb, err := base64.RawURLEncoding.DecodeString(e64)
	if err != nil {
		return nil, fmt.Errorf("exponent: %w", err)
	}
	n := new(big.Int).SetBytes(nb)
	if n.BitLen() < minRSABits {
		return nil, fmt.Errorf("modulus of %d bits, want at least %d", n.BitLen(), minRSABits)
	}
	e := new(big.Int).SetBytes(eb)
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, fmt.Errorf("exponent is not a small odd number")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}
