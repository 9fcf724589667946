package core

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core/internal/keytext"
)

// Store holds sessions that several clients share: the processes of a
// fleet trading one account (Redis: core/redisstore), or the clients of one
// process (MemoryStore). The Engine keeps its session in one and goes
// through it for every login and renewal, so that across everything
// sharing the store one login runs at a time per account and the others
// take its session.
//
// Values are opaque bytes (a sealed session: see Seal); keys name an entry
// or a lock and hold no secret. Every method honours ctx and never blocks
// for long: waiting is the Engine's business.
type Store interface {
	// Get returns the value under key, or nil when there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores value under key for ttl.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key if its value is still old (compare-and-delete);
	// with old nil, whatever it holds.
	Delete(ctx context.Context, key string, old []byte) error
	// Lock takes the lock key for token until lease has passed, or, if
	// token holds it already, extends it; it reports whether token holds
	// the lock now. It does not wait.
	Lock(ctx context.Context, key, token string, lease time.Duration) (bool, error)
	// Unlock releases the lock key if token holds it.
	Unlock(ctx context.Context, key, token string) error
}

// MemoryStore is a Store in this process's memory: the clients of one
// process that are given the same MemoryStore share their sessions. A
// client given no Store keeps its session in a MemoryStore of its own.
type MemoryStore struct {
	mu    sync.Mutex
	items map[string]memoryItem
	now   func() time.Time // real time: leases and TTLs are not the broker's clock
}

type memoryItem struct {
	value   []byte
	token   string // for locks
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{items: map[string]memoryItem{}, now: time.Now}
}

// live returns the item under key unless it has expired. The caller holds
// m.mu.
func (m *MemoryStore) live(key string) (memoryItem, bool) {
	it, ok := m.items[key]
	if ok && !m.now().Before(it.expires) {
		delete(m.items, key)
		return memoryItem{}, false
	}
	return it, ok
}

func (m *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, _ := m.live(key)
	return bytes.Clone(it.value), nil
}

func (m *MemoryStore) Put(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[key] = memoryItem{value: bytes.Clone(value), expires: m.now().Add(ttl)}
	return nil
}

func (m *MemoryStore) Delete(_ context.Context, key string, old []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it, ok := m.live(key); ok && (old == nil || bytes.Equal(it.value, old)) {
		delete(m.items, key)
	}
	return nil
}

func (m *MemoryStore) Lock(_ context.Context, key, token string, lease time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it, ok := m.live(key); ok && it.token != token {
		return false, nil
	}
	m.items[key] = memoryItem{token: token, expires: m.now().Add(lease)}
	return true, nil
}

func (m *MemoryStore) Unlock(_ context.Context, key, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it, ok := m.live(key); ok && it.token == token {
		delete(m.items, key)
	}
	return nil
}

// CodeStoreEntry is the code of a store entry that does not open: sealed
// with another key, altered, or not brokerauth's. The Engine never uses
// such an entry; it logs in and replaces it.
const CodeStoreEntry Code = "store_entry_invalid"

// StoreKeySize is the size of a sealing key: AES-256.
const StoreKeySize = 32

// sealedPrefix starts every sealed value: the format's version.
const sealedPrefix = "ba1."

// Seal returns a Store that encrypts and authenticates every value it puts
// into inner (AES-256-GCM, the entry's key as additional data, so that an
// entry copied to another key does not open) and opens every value it
// gets. A value that does not open is a *Error with CodeStoreEntry. Locks
// pass through. key is StoreKeySize random bytes (openssl rand -base64 32
// prints them in base64).
func Seal(inner Store, key []byte) (Store, error) {
	if len(key) != StoreKeySize {
		return nil, &Error{Code: CodeInvalidArgument, Step: "store", Message: "the store's encryption key must be 32 bytes (openssl rand -base64 32 makes one)"}
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	return &sealed{inner: inner, aead: aead}, nil
}

type sealed struct {
	inner Store
	aead  cipher.AEAD
}

func (s *sealed) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.inner.Get(ctx, key)
	if err != nil || v == nil {
		return nil, err
	}
	return s.open(key, v)
}

// open opens a sealed value stored under key.
func (s *sealed) open(key string, v []byte) ([]byte, error) {
	if raw, ok := bytes.CutPrefix(v, []byte(sealedPrefix)); ok {
		b, err := base64.RawStdEncoding.AppendDecode(nil, raw)
		n := s.aead.NonceSize()
		if err == nil && len(b) >= n {
			if plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(key)); err == nil {
				return plain, nil
			}
		}
	}
	return nil, &Error{Code: CodeStoreEntry, Step: "store",
		Message: "an entry in the session store does not open with this client's encryption key (another key, altered, or not brokerauth's): it is not used, and a new login replaces it"}
}

func (s *sealed) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(value)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return &Error{Code: CodeInternal, Step: "store", Message: "no randomness to seal a session"}
	}
	box := s.aead.Seal(nonce, nonce, value, []byte(key))
	return s.inner.Put(ctx, key, base64.RawStdEncoding.AppendEncode([]byte(sealedPrefix), box), ttl)
}

// Delete with old (a value Get returned, opened) reads the sealed value,
// and deletes it only if it opens to old and is still that sealed value.
func (s *sealed) Delete(ctx context.Context, key string, old []byte) error {
	if old == nil {
		return s.inner.Delete(ctx, key, nil)
	}
	raw, err := s.inner.Get(ctx, key)
	if err != nil || raw == nil {
		return err
	}
	if plain, err := s.open(key, raw); err != nil || !bytes.Equal(plain, old) {
		return nil
	}
	return s.inner.Delete(ctx, key, raw)
}

func (s *sealed) Lock(ctx context.Context, key, token string, lease time.Duration) (bool, error) {
	return s.inner.Lock(ctx, key, token, lease)
}

func (s *sealed) Unlock(ctx context.Context, key, token string) error {
	return s.inner.Unlock(ctx, key, token)
}

// storeKeys are the names of one account's entries in a Store: its
// session, the lock of its logins, and the record of a login that failed.
// They derive from the broker, the base URL and the account's identity
// (a login name, a consumer key: never a secret), hashed so that the
// store's keys do not show whose sessions it holds.
type storeKeys struct {
	session, lock, failure string
}

func newStoreKeys(broker, base, identity string) storeKeys {
	sum := sha256.Sum256([]byte(broker + "\x00" + base + "\x00" + identity))
	id := broker + ":" + hex.EncodeToString(sum[:12])
	return storeKeys{session: "session:" + id, lock: "lock:" + id, failure: "failed:" + id}
}

// newToken is a random id: of a stored session, of a lock holder.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ParseStoreKey reads a sealing key given as text: the base64 (standard
// or URL alphabet, padded or not) of StoreKeySize bytes, as `openssl rand
// -base64 32` prints it. The error never quotes the text.
func ParseStoreKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if b, ok := keytext.Decode(text); ok && len(b) == StoreKeySize && !strings.ContainsAny(text, keytext.Space) {
		return b, nil
	}
	return nil, &Error{Code: CodeInvalidArgument, Step: "store",
		Message: "the store's encryption key must be the base64 of 32 bytes (openssl rand -base64 32 prints one)"}
}
