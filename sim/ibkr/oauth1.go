package ibkr

// OAuth 1.0a with a live session token, as IBKR's Web API serves it to
// first-party consumers (docs/IBKR-OAUTH1.md; the simulator rules and
// their sources are in docs/PROTOCOLS.md §6.4). Source letters in the
// comments: [S] IBKR's "OAuth at Interactive Brokers", [E] IBKR support's
// implementation notes, [I] ibind, as docs/IBKR-OAUTH1.md lists them.

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

const pathLST = "/v1/api/oauth/live_session_token"

// The signature methods of IBKR's OAuth 1.0a: RSA-SHA256 for the token
// steps, HMAC-SHA256 with the live session token for every other call
// [S §6.1].
const (
	methodRSA  = "RSA-SHA256"
	methodHMAC = "HMAC-SHA256"
)

// The ids of IBKR's live session token errors. 39687 and 118871 are the
// two seen in public captures (docs/PROTOCOLS.md §6.4); every other LST
// refusal reuses 118871 "LST failed", the one id seen for a request past
// the consumer lookup.
const (
	idInvalidConsumer = 39687
	idLSTFailed       = 118871
)

// nonceTTL is how long a nonce is remembered: a timestamp accepted when
// the nonce is first seen stays within TimestampWindow of the clock for at
// most twice the window, so a replay after that fails on its timestamp.
const nonceTTL = 2 * TimestampWindow

// Consumer is an OAuth 1.0a consumer as IBKR holds it after a user has
// registered in the self-service portal [E]: the user keeps the private
// keys, IBKR the public signature key, the DH parameters and the access
// token secret in plain text.
type Consumer struct {
	ConsumerKey string // nine characters [S §1], e.g. "TESTCONS" in [S]
	AccessToken string // oauth_token of every request
	// AccessTokenSecret is the secret in plain text (32 bytes in [S]);
	// the user holds it RSA-encrypted to their encryption key.
	AccessTokenSecret []byte
	// SignatureKey verifies the RSA-SHA256 signature of the live session
	// token request.
	SignatureKey *rsa.PublicKey
	// DHPrime and DHGenerator are used exactly as given: IBKR's own worked
	// example has a composite prime smaller than its generator.
	DHPrime, DHGenerator *big.Int
	Realm                string // "limited_poa"; "test_realm" for TESTCONS [E][I]
	Credential           string // the IBKR user name the consumer logs into
}

// consumer is a registered Consumer and the nonces it has used.
type consumer struct {
	Consumer
	user   *user
	nonces map[string]time.Time // nonce → when it may be forgotten
	queue  []seenNonce          // the same, oldest first, for pruning
}

type seenNonce struct {
	nonce   string
	forgets time.Time
}

// AddConsumer registers an OAuth 1.0a consumer. Registering a consumer key
// again replaces the consumer and ends the live session tokens of the old
// one. It panics when SignatureKey, DHPrime or DHGenerator is nil or the
// prime is not positive: a test set-up error, not a protocol one.
func (s *Sim) AddConsumer(c Consumer) {
	if c.SignatureKey == nil || c.DHPrime == nil || c.DHGenerator == nil || c.DHPrime.Sign() <= 0 {
		panic("ibkr: AddConsumer needs a SignatureKey, a positive DHPrime and a DHGenerator")
	}
	c.AccessTokenSecret = slices.Clone(c.AccessTokenSecret)
	c.DHPrime = new(big.Int).Set(c.DHPrime)
	c.DHGenerator = new(big.Int).Set(c.DHGenerator)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.consumers[c.ConsumerKey]; old != nil {
		for k, b := range s.lsts {
			if b.consumer == old {
				delete(s.lsts, k)
			}
		}
	}
	s.consumers[c.ConsumerKey] = &consumer{Consumer: c, user: s.userLocked(c.Credential), nonces: map[string]time.Time{}}
}

// handleLST is POST /v1/api/oauth/live_session_token [S §5, §7.4]: a
// Diffie-Hellman exchange signed RSA-SHA256 over the prepend (the hex of
// the access token secret) and the base string. The answer carries B and
// a check value of the new live session token; the token itself never
// travels. Refusals are 401 in IBKR's {"error":"id: n, error: …"} shape.
func (s *Sim) handleLST(w http.ResponseWriter, r *http.Request) {
	p, ok := parseOAuthHeader(r)
	if !ok {
		lstError(w, idLSTFailed, "LST failed, error: malformed OAuth Authorization header")
		return
	}
	base, baseOK := signatureBase(r, p)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	c := s.consumers[p["oauth_consumer_key"]]
	if c == nil {
		lstError(w, idInvalidConsumer, "invalid consumer")
		return
	}
	if !simkit.SecretEqual(p["oauth_token"], c.AccessToken) {
		lstError(w, idLSTFailed, "LST failed, error: No access secret key found for "+p["oauth_token"])
		return
	}
	if msg := c.checkLocked(p, methodRSA, now); msg != "" {
		lstError(w, idLSTFailed, "LST failed, error: "+msg)
		return
	}
	a, ok := parseHex(p["diffie_hellman_challenge"])
	if !ok {
		lstError(w, idLSTFailed, "LST failed, error: diffie_hellman_challenge is missing or not hex")
		return
	}
	sig, err := base64.StdEncoding.DecodeString(p["oauth_signature"])
	digest := sha256.Sum256([]byte(hex.EncodeToString(c.AccessTokenSecret) + base))
	if !baseOK || err != nil || rsa.VerifyPKCS1v15(c.SignatureKey, crypto.SHA256, digest[:], sig) != nil {
		s.stats.SignatureFailures++
		lstError(w, idLSTFailed, "LST failed, error: invalid signature")
		return
	}
	c.rememberLocked(p["oauth_nonce"], now)

	// b is 256 random bits, as ibind picks a [I]; p and g as registered.
	b, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 256))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "no randomness", "statusCode": 500})
		return
	}
	pubB := new(big.Int).Exp(c.DHGenerator, b, c.DHPrime)
	k := new(big.Int).Exp(a, b, c.DHPrime)
	lst := liveSessionToken(k, c.AccessTokenSecret)
	s.pruneLSTsLocked(now)
	key := base64.StdEncoding.EncodeToString(lst)
	expires := now.Add(s.lstTTL)
	s.lsts[key] = &bearer{
		user: c.user, consumer: c, lst: lst, ip: s.ip,
		issued: now, expires: expires, session: s.newToken(16),
	}
	s.issued = append(s.issued, key)
	writeJSON(w, http.StatusOK, map[string]any{
		"diffie_hellman_response":       pubB.Text(16),
		"live_session_token_signature":  lstSignature(lst, c.ConsumerKey),
		"live_session_token_expiration": expires.UnixMilli(),
	})
}

// lstError is a refusal of the live session token request: 401 with
// IBKR's body, {"error":"id: 39687, error: invalid consumer","statusCode":401}
// (nsirons/ibkr_web_client issue #4).
func lstError(w http.ResponseWriter, id int, text string) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{
		"error":      fmt.Sprintf("id: %d, error: %s", id, text),
		"statusCode": http.StatusUnauthorized,
	})
}

// authorizeOAuth1 finds the session of a protected call signed
// HMAC-SHA256 with a live session token [S §6.1, §7.5–7.6]: right realm,
// consumer and token, a timestamp within the window, a fresh nonce, and a
// signature one of the consumer's live session tokens makes. Every
// earlier token of the consumer stays valid until it expires. It returns
// nil for any failure; the caller answers the generic 401.
func (s *Sim) authorizeOAuth1(r *http.Request) *bearer {
	p, ok := parseOAuthHeader(r)
	if !ok {
		return nil
	}
	base, ok := signatureBase(r, p)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	c := s.consumers[p["oauth_consumer_key"]]
	if c == nil || !simkit.SecretEqual(p["oauth_token"], c.AccessToken) || c.checkLocked(p, methodHMAC, now) != "" {
		return nil
	}
	if sig, err := base64.StdEncoding.DecodeString(p["oauth_signature"]); err == nil {
		for _, b := range s.lsts {
			if b.consumer != c || !hmac.Equal(hmacSHA256(b.lst, base), sig) {
				continue
			}
			// Signed with a token this consumer had: an expired one is
			// refused, but it is not a bad signature.
			if !now.Before(b.expires) {
				return nil
			}
			c.rememberLocked(p["oauth_nonce"], now)
			return b
		}
	}
	s.stats.SignatureFailures++
	return nil
}

// checkLocked checks what the live session token request and protected
// calls have in common: realm, signature method, oauth_version if sent,
// timestamp and nonce. It says what is wrong, or "". Callers hold s.mu.
func (c *consumer) checkLocked(p map[string]string, method string, now time.Time) string {
	if p["realm"] != c.Realm {
		return "invalid realm"
	}
	if p["oauth_signature_method"] != method {
		return "oauth_signature_method must be " + method
	}
	// RFC 5849 §3.1: oauth_version is optional and, if present, "1.0".
	if v, ok := p["oauth_version"]; ok && v != "1.0" {
		return "oauth_version must be 1.0"
	}
	// Unix seconds, [S] and [I]; milliseconds ([E]'s wording) fall far
	// outside the window.
	ts, err := strconv.ParseUint(p["oauth_timestamp"], 10, 63)
	if d := now.Unix() - int64(ts); err != nil || d > int64(TimestampWindow/time.Second) || -d > int64(TimestampWindow/time.Second) {
		return "invalid oauth_timestamp"
	}
	n := p["oauth_nonce"]
	if n == "" {
		return "oauth_nonce is missing"
	}
	c.pruneNoncesLocked(now)
	if _, used := c.nonces[n]; used {
		return "oauth_nonce was already used"
	}
	return ""
}

// rememberLocked records a nonce of a request that passed every check, so
// that a forged request cannot burn one. Callers hold s.mu.
func (c *consumer) rememberLocked(nonce string, now time.Time) {
	t := now.Add(nonceTTL)
	c.nonces[nonce] = t
	c.queue = append(c.queue, seenNonce{nonce, t})
}

// pruneNoncesLocked forgets the nonces whose timestamps can no longer pass.
func (c *consumer) pruneNoncesLocked(now time.Time) {
	i := 0
	for ; i < len(c.queue) && !now.Before(c.queue[i].forgets); i++ {
		if c.nonces[c.queue[i].nonce] == c.queue[i].forgets {
			delete(c.nonces, c.queue[i].nonce)
		}
	}
	c.queue = c.queue[i:]
}

// pruneLSTsLocked forgets live session tokens expired for longer than a
// lifetime; until then a request signed with one is told apart from a bad
// signature (Stats.SignatureFailures). Callers hold s.mu.
func (s *Sim) pruneLSTsLocked(now time.Time) {
	for k, b := range s.lsts {
		if now.Sub(b.expires) > s.lstTTL {
			delete(s.lsts, k)
		}
	}
}

// expireLSTsLocked ends every live session token and returns how many
// were live. Callers hold s.mu.
func (s *Sim) expireLSTsLocked() int {
	now := s.clock.Now()
	n := 0
	for _, b := range s.lsts {
		if now.Before(b.expires) {
			b.expires = now
			n++
		}
	}
	return n
}

// javaBytes writes a non-negative K as Java's BigInteger.toByteArray does:
// big-endian, with a leading 0x00 when the top bit of the first byte is
// set, and one 0x00 for zero ([E]; docs/IBKR-OAUTH1.md, live session
// token step 5).
func javaBytes(k *big.Int) []byte {
	b := k.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// liveSessionToken is HMAC-SHA1(key = K as javaBytes, data = the access
// token secret in plain text) [S §5, §7.4].
func liveSessionToken(k *big.Int, secret []byte) []byte {
	m := hmac.New(sha1.New, javaBytes(k))
	m.Write(secret)
	return m.Sum(nil)
}

// lstSignature is the check value of a live session token:
// hex(HMAC-SHA1(key = LST, data = the consumer key)) [S §5.3, §7.4.5].
func lstSignature(lst []byte, consumerKey string) string {
	m := hmac.New(sha1.New, lst)
	m.Write([]byte(consumerKey))
	return hex.EncodeToString(m.Sum(nil))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// parseHex reads a non-empty string of hex digits, either case, with no
// sign or prefix: the DH challenge, which is not padded to whole bytes
// (docs/IBKR-OAUTH1.md, live session token step 2).
func parseHex(s string) (*big.Int, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789abcdefABCDEF") != "" {
		return nil, false
	}
	return new(big.Int).SetString(s, 16)
}

// isOAuth1 says whether a request's Authorization header uses the OAuth
// scheme (case-insensitive, RFC 5849 §3.5.1), however well formed.
func isOAuth1(r *http.Request) bool {
	a := strings.TrimLeft(r.Header.Get("Authorization"), " \t")
	return len(a) >= 5 && strings.EqualFold(a[:5], "OAuth") && (len(a) == 5 || a[5] == ' ' || a[5] == '\t')
}

// parseOAuthHeader reads the one Authorization header of a request as
// `OAuth realm="…", name="value", …` (RFC 5849 §3.5.1): names and values
// percent-encoded, in any order, with optional white space around the
// commas and equals signs. The names are realm, oauth_* and
// diffie_hellman_challenge (which IBKR takes in the header [S §7.4]);
// anything else, a value not in double quotes, a bad escape or a name
// given twice makes the header malformed.
func parseOAuthHeader(r *http.Request) (map[string]string, bool) {
	hs := r.Header.Values("Authorization")
	if len(hs) != 1 || !isOAuth1(r) {
		return nil, false
	}
	rest := strings.TrimLeft(hs[0], " \t")[len("OAuth"):]
	const ws = " \t"
	params := map[string]string{}
	for rest = strings.TrimLeft(rest, ws); rest != ""; {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return nil, false
		}
		rawName := strings.TrimRight(rest[:eq], ws)
		rest = strings.TrimLeft(rest[eq+1:], ws)
		if rest == "" || rest[0] != '"' {
			return nil, false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, false
		}
		rawValue := rest[1 : 1+end]
		rest = strings.TrimLeft(rest[end+2:], ws)
		if rest != "" {
			if rest[0] != ',' {
				return nil, false
			}
			rest = strings.TrimLeft(rest, ","+ws)
		}
		name, err1 := url.PathUnescape(rawName)
		value, err2 := url.PathUnescape(rawValue)
		if err1 != nil || err2 != nil || !headerParam(name) {
			return nil, false
		}
		if _, dup := params[name]; dup {
			return nil, false
		}
		params[name] = value
	}
	return params, len(params) > 0
}

func headerParam(name string) bool {
	return name == "realm" || name == "diffie_hellman_challenge" || (strings.HasPrefix(name, "oauth_") && len(name) > len("oauth_"))
}

// signatureBase is the signature base string of a request (RFC 5849
// §3.4.1; [S §6.1, §7.5–7.6]): the method, the base URL and the
// normalized parameters, which are the header's but realm and
// oauth_signature, the query's, and the fields of an
// application/x-www-form-urlencoded body (read here and put back for the
// handler). A JSON or other body takes no part. ok is false when the query
// or form does not parse.
func signatureBase(r *http.Request, header map[string]string) (string, bool) {
	var params [][2]string
	for k, v := range header {
		if k != "realm" && k != "oauth_signature" {
			params = append(params, [2]string{k, v})
		}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", false
	}
	params = appendValues(params, query)
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" && r.Body != nil {
		body, ok := simkit.ReadBody(r)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !ok {
			return "", false
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", false
		}
		params = appendValues(params, form)
	}
	return baseString(r.Method, baseURL(r), params), true
}

func appendValues(params [][2]string, v url.Values) [][2]string {
	for k, vs := range v {
		for _, x := range vs {
			params = append(params, [2]string{k, x})
		}
	}
	return params
}

// baseURL is the base string URI of a request (RFC 5849 §3.4.1.2): scheme
// and host in lower case, the port only when it is not the scheme's
// default, and the path as the client sent it. The path comes from the
// request line (RequestURI), not r.URL.Path, which http.StripPrefix has
// cut when the simulator is mounted under a prefix: the client signs the
// URL it called.
func baseURL(r *http.Request) string {
	scheme, port := "http", ":80"
	if r.TLS != nil {
		scheme, port = "https", ":443"
	}
	host := strings.TrimSuffix(strings.ToLower(r.Host), port)
	path := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path = u.EscapedPath()
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// baseString joins METHOD & enc(base URL) & enc(normalized parameters)
// (RFC 5849 §3.4.1.1). The parameters are normalized per §3.4.1.3.2:
// each name and value percent-encoded, sorted by encoded name then encoded
// value in byte order (so "ContractId" sorts before "oauth_consumer_key"),
// joined as name=value with "&".
func baseString(method, baseURL string, params [][2]string) string {
	enc := make([][2]string, len(params))
	for i, p := range params {
		enc[i] = [2]string{percentEncode(p[0]), percentEncode(p[1])}
	}
	// By name, then value; not by the joined "name=value", since "-", "."
	// and digits sort before "=" and would put "a-b" before "a".
	slices.SortFunc(enc, func(x, y [2]string) int {
		return cmp.Or(strings.Compare(x[0], y[0]), strings.Compare(x[1], y[1]))
	})
	pairs := make([]string, len(enc))
	for i, p := range enc {
		pairs[i] = p[0] + "=" + p[1]
	}
	return strings.ToUpper(method) + "&" + percentEncode(baseURL) + "&" + percentEncode(strings.Join(pairs, "&"))
}

// percentEncode is RFC 3986 percent-encoding as RFC 5849 §3.6 wants it:
// A–Z a–z 0–9 - . _ ~ stay, every other byte becomes %XX in upper case.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
