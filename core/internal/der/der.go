// Package der holds what brokerauth's key parsers add to cryptobyte: a
// bound on the length of the outermost element, the one a caller's input
// decides.
package der

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// MaxLengthBytes bounds DER long-form lengths to 3 bytes (16 MiB), which
// no key comes close to; cryptobyte alone reads lengths of up to 4 bytes.
const MaxLengthBytes = 3

// ReadOuter reads the SEQUENCE that DER from outside starts with into out,
// as cryptobyte's ReadASN1 does but with a length of at most
// MaxLengthBytes. Elements inside it need no such check: one with a longer
// length would not fit.
func ReadOuter(in, out *cryptobyte.String) bool {
	if len(*in) > 1 && (*in)[1] > 0x80|MaxLengthBytes {
		return false
	}
	return in.ReadASN1(out, asn1.SEQUENCE)
}
