package jsonlite

import (
	"strings"
	"unicode/utf8"
)

// Match reports whether an object key selects the struct field whose JSON
// name is name, by encoding/json's rule: an exact match or else a
// case-insensitive one, Unicode case folding included (so "ACCOUNTID" and
// "accountid" select accountId, and the Kelvin sign matches a k). The
// brokers send the exact case; matching as encoding/json did keeps answers
// it accepted accepted, and the parsers comparable with it in the
// differential fuzz tests. (For a struct with two names differing only in
// case encoding/json would prefer the exact one; none of ours has such a
// pair.)
func Match(key []byte, name string) bool {
	for i := 0; ; i++ {
		if i == len(key) || i == len(name) {
			return len(key) == len(name)
		}
		a, b := key[i], name[i]
		if a >= utf8.RuneSelf || b >= utf8.RuneSelf {
			// The ASCII prefix matched: fold the rest the slow way.
			return strings.EqualFold(string(key[i:]), name[i:])
		}
		if a != b && (a|0x20 != b|0x20 || a|0x20 < 'a' || a|0x20 > 'z') {
			return false
		}
	}
}
