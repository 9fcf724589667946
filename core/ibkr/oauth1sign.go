package ibkr

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"net/url"
	"slices"
	"strings"
)

// OAuth 1.0a signing as IBKR specifies it (docs/IBKR-OAUTH1.md "Signing
// every request", IBKR's document §6.1 and §7.5–7.6, RFC 5849 §3.4).

// oauthParam is one name=value of a signature base string, decoded.
type oauthParam struct{ name, value string }

// percentEncode is RFC 3986 percent-encoding as OAuth 1.0a uses it (RFC
// 5849 §3.6): A–Z a–z 0–9 - . _ ~ stay, every other byte becomes %XX with
// upper-case hex.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// formParams decodes an application/x-www-form-urlencoded text (a query
// or a form body) into its pairs, repeated names included. ok is false for
// a malformed escape.
func formParams(text string) (params []oauthParam, ok bool) {
	for text != "" {
		var pair string
		pair, text, _ = strings.Cut(text, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		n, err1 := url.QueryUnescape(name)
		v, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		params = append(params, oauthParam{n, v})
	}
	return params, true
}

// signatureBase is METHOD & enc(base URL) & enc(normalized parameters):
// the base URL is rawURL without its query and fragment, as RFC 5849
// §3.4.1.2 normalizes it (see baseURL); the parameters are params (the oauth_* ones without
// oauth_signature and realm, and diffie_hellman_challenge for the live
// session token) plus the URL's query plus form (the fields of a
// form-encoded body, or nil), each name and value percent-encoded, sorted
// by name and then value, joined as name=value with &. ok is false when
// the query or the form is not valid form encoding.
func signatureBase(method, rawURL string, params []oauthParam, form string) (string, bool) {
	base, query, _ := strings.Cut(rawURL, "?")
	base, _, _ = strings.Cut(base, "#")
	base = baseURL(base)
	query, _, _ = strings.Cut(query, "#")
	all := slices.Clone(params)
	for _, text := range []string{query, form} {
		extra, ok := formParams(text)
		if !ok {
			return "", false
		}
		all = append(all, extra...)
	}
	pairs := make([]string, len(all))
	for i, p := range all {
		pairs[i] = percentEncode(p.name) + "=" + percentEncode(p.value)
	}
	sortPairs(pairs)
	return strings.ToUpper(method) + "&" + percentEncode(base) + "&" + percentEncode(strings.Join(pairs, "&")), true
}

// sortPairs sorts name=value pairs by name, then by value, byte for byte.
// Sorting the texts as they are would not do: "=" sorts after "-", so
// "a-b=1" would come before "a=1". With NUL as the separator, which no
// encoded name holds, the text order is the (name, value) order.
func sortPairs(pairs []string) {
	for i, p := range pairs {
		name, value, _ := strings.Cut(p, "=")
		pairs[i] = name + "\x00" + value
	}
	slices.Sort(pairs)
	for i, p := range pairs {
		name, value, _ := strings.Cut(p, "\x00")
		pairs[i] = name + "=" + value
	}
}

// baseURL normalizes a URL without query as RFC 5849 §3.4.1.2 does: scheme
// and host in lower case, the default port (80 for http, 443 for https)
// dropped, an empty path as "/". The path stays as requested, escapes and
// all.
func baseURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	host, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	} else if scheme == "https" {
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host + path
}

// authorizationHeader is the Authorization value: OAuth realm="…" and then
// params and the signature, sorted by name, each value percent-encoded
// (realm is never part of the signature base).
func authorizationHeader(realm string, params []oauthParam, signature string) string {
	fields := []string{`realm="` + percentEncode(realm) + `"`}
	for _, p := range append(slices.Clone(params), oauthParam{"oauth_signature", signature}) {
		fields = append(fields, p.name+`="`+percentEncode(p.value)+`"`)
	}
	sortPairs(fields[1:])
	return "OAuth " + strings.Join(fields, ", ")
}

// hmacSHA256Signature signs a protected request's base string with the
// live session token.
func hmacSHA256Signature(lst []byte, base string) string {
	m := hmac.New(sha256.New, lst)
	m.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// javaBytes is x as Java's BigInteger.toByteArray writes a non-negative
// number: big-endian, with a leading 0x00 when the top bit of the first
// byte is set (and a single 0x00 for zero). IBKR derives the live session
// token from K in this form (docs/IBKR-OAUTH1.md "Live session token",
// step 5).
func javaBytes(x *big.Int) []byte {
	b := x.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// liveSessionToken is HMAC-SHA1(key = K in Java's byte form, data = the
// decrypted access token secret).
func liveSessionToken(k *big.Int, secret []byte) []byte {
	m := hmac.New(sha1.New, javaBytes(k))
	m.Write(secret)
	return m.Sum(nil)
}

// lstSignatureMatches checks the live session token against IBKR's
// live_session_token_signature: hex(HMAC-SHA1(key = LST, data = consumer
// key)), compared in constant time and without regard to hex case.
func lstSignatureMatches(lst []byte, consumerKey, signature string) bool {
	m := hmac.New(sha1.New, lst)
	m.Write([]byte(consumerKey))
	want, err := hex.DecodeString(signature)
	return err == nil && hmac.Equal(m.Sum(nil), want)
}
