package jws

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/brokerauth/brokerauth/core"
)

// Limits on the RSA signing keys ParsePrivateKey accepts. IBKR suggests
// 3072 bits; 2048 is the smallest size NIST still allows for RSA signatures,
// so anything smaller is refused here rather than by IBKR after a network
// round trip. Past 16384 bits a key is a mistake (and each signature would
// cost seconds under WebAssembly).
const (
	MinKeyBits = 2048
	MaxKeyBits = 16384
)

// ParsePrivateKey parses an RSA private key as people hold it:
//   - PEM "PRIVATE KEY" (PKCS#8, what `openssl genrsa` writes since 3.0),
//   - PEM "RSA PRIVATE KEY" (PKCS#1, older OpenSSL),
//   - bare base64 (standard or URL alphabet, padded or not, white space
//     ignored) of the DER of either.
//
// A mislabeled PEM block is still parsed if its DER is the other format.
// Encrypted keys, public keys, certificates, non-RSA keys and RSA keys
// outside MinKeyBits..MaxKeyBits are refused with core.CodeInvalidKey.
// Messages say what the input is, never what it contains.
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	text := strings.TrimSpace(pemText)
	if text == "" {
		return nil, keyError("the private key is empty")
	}
	if strings.Contains(text, "-----BEGIN") {
		return parsePEM(text)
	}
	der, ok := decodeBase64Loose(text)
	if !ok {
		return nil, keyError("the private key is neither PEM nor base64 DER")
	}
	return parseDER(der)
}

func parsePEM(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, keyError("the private key looks like PEM but its block does not decode (cut short or line breaks lost?)")
	}
	if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, keyError("the private key is encrypted; decrypt it first (openssl pkey -in key.pem -out plain.pem)")
	}
	switch block.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY":
		return parseDER(block.Bytes)
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, keyError("this is a public key; pass the private key (the public one is what IBKR holds)")
	case "CERTIFICATE":
		return nil, keyError("this is a certificate; pass the RSA private key")
	case "EC PRIVATE KEY":
		return nil, keyError("this is an EC key; IBKR's OAuth 2.0 needs an RSA key")
	case "OPENSSH PRIVATE KEY":
		return nil, keyError("this is an OpenSSH key; convert it to PEM (ssh-keygen -p -m PKCS8 -f key) or make an RSA key with openssl genrsa")
	}
	return nil, keyError(fmt.Sprintf("this is a PEM %q block, not PRIVATE KEY or RSA PRIVATE KEY", truncate(block.Type, 40)))
}

// parseDER tries PKCS#8 then PKCS#1: the two are easy to tell apart, and
// people relabel PEM blocks by hand often enough that the label is only a
// hint.
func parseDER(der []byte) (*rsa.PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		switch k := k.(type) {
		case *rsa.PrivateKey:
			return checkSize(k)
		case *ecdsa.PrivateKey:
			return nil, keyError("this is an EC key; IBKR's OAuth 2.0 needs an RSA key")
		case ed25519.PrivateKey:
			return nil, keyError("this is an Ed25519 key; IBKR's OAuth 2.0 needs an RSA key")
		default:
			return nil, keyError("this is not an RSA key; IBKR's OAuth 2.0 needs an RSA key")
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return checkSize(k)
	}
	if _, err := x509.ParsePKIXPublicKey(der); err == nil {
		return nil, keyError("this is a public key; pass the private key (the public one is what IBKR holds)")
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return nil, keyError("this is an EC key; IBKR's OAuth 2.0 needs an RSA key")
	}
	// x509's own error is not wrapped: it is about ASN.1 tags, which helps
	// nobody, and keeping it out guarantees no key byte reaches a message.
	return nil, keyError("the private key's DER is neither PKCS#8 nor PKCS#1 RSA (truncated or corrupted?)")
}

func checkSize(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	bits := k.N.BitLen()
	if bits < MinKeyBits || bits > MaxKeyBits {
		return nil, keyError(fmt.Sprintf("the private key is a %d-bit RSA key; %d to %d bits are accepted (IBKR suggests 3072)", bits, MinKeyBits, MaxKeyBits))
	}
	return k, nil
}

func keyError(msg string) *core.Error {
	return &core.Error{Code: core.CodeInvalidKey, Message: msg}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decodeBase64Loose decodes standard or URL-safe base64, padded or not,
// after dropping all ASCII white space (keys get pasted with line breaks).
func decodeBase64Loose(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, true
		}
	}
	return nil, false
}
