package core

import (
	"crypto/rsa"
	"math/big"

	"github.com/brokerauth/brokerauth/core/encrypt"
)

// ParseEncryptionKey parses the encryptionKey a broker hands out with
// GET /session/encryptionKey, or a key a user pasted, into an RSA public key.
//
// Accepted forms:
//   - standard base64 (padded or not) of a DER SubjectPublicKeyInfo, as IG and
//     Capital.com send it; white space and line breaks anywhere are ignored,
//     since Capital.com's guide prints its key broken over lines;
//   - base64 of a DER PKCS#1 RSAPublicKey;
//   - PEM "PUBLIC KEY" and PEM "RSA PUBLIC KEY".
//
// Errors are *Error with CodeInvalidKey (not a key at all) or
// CodeUnsupportedKey (a key, but not an RSA public key brokerauth can use).
// Messages never quote the input: a swapped argument could put a password
// here. The parser is encrypt.ParseKey's.
func ParseEncryptionKey(encryptionKey string) (*rsa.PublicKey, error) {
	k, err := encrypt.ParseKey(encryptionKey)
	if err != nil {
		return nil, err
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(k.Modulus()), E: k.Exponent()}, nil
}
