// Package keytext reads the base64 that keys are written in: standard or
// URL-safe alphabet, padded or not, with white space (line breaks of PEM
// bodies and pasted keys) ignored. The key parsers of core/encrypt and
// core/jws and the store's key reader share it.
package keytext

import (
	"encoding/base64"
	"strings"
)

// Decode returns the bytes s encodes in one of the four base64 forms, and
// false when none of them decodes it to something.
func Decode(s string) ([]byte, bool) {
	if strings.ContainsAny(s, Space) {
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(Space, r) {
				return -1
			}
			return r
		}, s)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, true
		}
	}
	return nil, false
}

// Space is the white space Decode ignores.
const Space = " \t\n\r\v\f"
