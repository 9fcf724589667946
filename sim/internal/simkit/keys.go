package simkit

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"
)

// KeyBits is the size of the keys the simulators generate: both brokers hand
// out 2048-bit RSA keys.
const KeyBits = 2048

// DefaultKeyTTL is how long an issued timeStamp stays usable for a login.
// The brokers do not document it; "a few minutes" matches what clients see.
const DefaultKeyTTL = 5 * time.Minute

// GenerateKey makes a fresh 2048-bit RSA key for a simulator.
func GenerateKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, KeyBits)
}

var (
	sharedKeyOnce sync.Once
	sharedKey     *rsa.PrivateKey
	sharedKeyErr  error
)

// SharedKey returns one key per process, generated on first use. Tests and
// the demo server pass it in the options so that each new simulator does
// not spend ~100 ms generating its own.
func SharedKey() (*rsa.PrivateKey, error) {
	sharedKeyOnce.Do(func() { sharedKey, sharedKeyErr = GenerateKey() })
	return sharedKey, sharedKeyErr
}

// keyring hands out the public key with timeStamps and checks encrypted
// passwords against them. Callers hold the Desk's lock.
type keyring struct {
	key    *rsa.PrivateKey
	spki   string // base64 DER SubjectPublicKeyInfo, as the brokers send it
	ttl    time.Duration
	issued map[int64]time.Time // timeStamp → when it was issued
	last   int64
}

// newKeyring panics only if the system cannot make an RSA key (crypto/rand
// failing), which no test can recover from anyway.
func newKeyring(key *rsa.PrivateKey, ttl time.Duration) *keyring {
	if key == nil {
		var err error
		if key, err = GenerateKey(); err != nil {
			panic("sim: cannot make an RSA key: " + err.Error())
		}
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		panic("sim: cannot encode the RSA key: " + err.Error())
	}
	Default(&ttl, DefaultKeyTTL)
	return &keyring{key: key, spki: base64.StdEncoding.EncodeToString(der), ttl: ttl, issued: map[int64]time.Time{}}
}

// issue returns a new timeStamp: epoch milliseconds, made unique so that
// two fetches in the same millisecond still get one each.
func (k *keyring) issue(now time.Time) int64 {
	ts := now.UnixMilli()
	if ts <= k.last {
		ts = k.last + 1
	}
	k.last = ts
	// Forget stale stamps so the map cannot grow without bound.
	for t, at := range k.issued {
		if now.Sub(at) > k.ttl {
			delete(k.issued, t)
		}
	}
	k.issued[ts] = now
	return ts
}

// checkEncrypted decrypts an encrypted password the way the brokers must:
// base64 → RSA PKCS#1 v1.5 → base64 → "password|timeStamp". It reports
// whether the password matches want and the timeStamp is one this keyring
// issued, fresh and unused; a used timeStamp is consumed even when the
// password is wrong, so a ciphertext can never be replayed.
func (k *keyring) checkEncrypted(ciphertextB64, want string, now time.Time) bool {
	ct, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ciphertextB64))
	if err != nil || len(ct) != k.key.Size() {
		return false
	}
	// PKCS#1 v1.5 only: OAEP ciphertext fails here, which is the mistake the
	// brokers answer with invalid-details.
	inner, err := rsa.DecryptPKCS1v15(nil, k.key, ct)
	if err != nil {
		return false
	}
	// The inner base64 is required: "password|123" is not base64 ('|'), so a
	// client that skips it fails here.
	plain, err := base64.StdEncoding.DecodeString(string(inner))
	if err != nil {
		return false
	}
	s := string(plain)
	i := strings.LastIndexByte(s, '|')
	if i < 0 {
		return false
	}
	ts, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil {
		return false
	}
	at, ok := k.issued[ts]
	if !ok {
		return false
	}
	delete(k.issued, ts) // single use
	if now.Sub(at) > k.ttl || now.Before(at.Add(-time.Minute)) {
		return false
	}
	return SecretEqual(s[:i], want)
}
