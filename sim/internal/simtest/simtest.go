// Package simtest holds the helpers the simulators' tests share: one HTTP
// call with its decoded answer, and the right and wrong ways to encrypt a
// password for IG and Capital.com.
package simtest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// Reply is a decoded answer.
type Reply struct {
	Status int
	Header http.Header
	Body   map[string]any // the JSON object answered, or empty
}

// Code is the answer's IG/Capital.com errorCode.
func (r Reply) Code() string { s, _ := r.Body["errorCode"].(string); return s }

// Call sends one request with body as JSON (none if nil); hdr is pairs of
// header name and value.
func Call(t *testing.T, url, method, path string, body any, hdr ...string) Reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+path, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := Reply{Status: resp.StatusCode, Header: resp.Header, Body: map[string]any{}}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// FetchKey returns the public key and timeStamp from GET
// …/session/encryptionKey.
func FetchKey(t *testing.T, url, path string, hdr ...string) (*rsa.PublicKey, string) {
	t.Helper()
	r := Call(t, url, "GET", path, nil, hdr...)
	require.Equal(t, 200, r.Status)
	der, err := base64.StdEncoding.DecodeString(r.Body["encryptionKey"].(string))
	require.NoError(t, err)
	pub, err := x509.ParsePKIXPublicKey(der)
	require.NoError(t, err)
	ts := strconv.FormatInt(int64(r.Body["timeStamp"].(float64)), 10)
	return pub.(*rsa.PublicKey), ts
}

// EncRight encrypts a password the brokers' way (docs/PROTOCOLS.md §1).
func EncRight(pub *rsa.PublicKey, pw, ts string) string {
	inner := base64.StdEncoding.EncodeToString([]byte(pw + "|" + ts))
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(inner))
	return base64.StdEncoding.EncodeToString(ct)
}

// EncOAEP is EncRight with OAEP padding instead of PKCS#1 v1.5.
func EncOAEP(pub *rsa.PublicKey, pw, ts string) string {
	inner := base64.StdEncoding.EncodeToString([]byte(pw + "|" + ts))
	ct, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(inner), nil)
	return base64.StdEncoding.EncodeToString(ct)
}

// EncNoInnerBase64 is EncRight without the inner base64.
func EncNoInnerBase64(pub *rsa.PublicKey, pw, ts string) string {
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(pw+"|"+ts))
	return base64.StdEncoding.EncodeToString(ct)
}

// Key is the process's shared simulator key.
func Key(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := simkit.SharedKey()
	require.NoError(t, err)
	return k
}

// Simulator is what every simulator is, for Serve.
type Simulator interface {
	http.Handler
	Close()
}

// Serve serves s on a test server until the test ends and returns its
// URL.
func Serve(t *testing.T, s Simulator) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return srv.URL
}
