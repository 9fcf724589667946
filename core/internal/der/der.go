// Package der is a small, strict reader for the DER (ITU-T X.690
// Distinguished Encoding Rules) shapes brokerauth parses: RSA public keys
// (SubjectPublicKeyInfo, PKCS#1 RSAPublicKey) and RSA private keys (PKCS#8
// PrivateKeyInfo, PKCS#1 RSAPrivateKey), plus enough of the shapes around
// them to tell a user what else they passed.
//
// It exists instead of encoding/asn1 and crypto/x509 for two reasons: both
// cost hundreds of kilobytes in the WebAssembly build (x509 brings every
// key type and curve it knows), and encoding/asn1 works by reflection,
// which is ~25x slower under WebAssembly.
//
// A Cursor reads one element at a time. It accepts only DER: definite,
// minimal lengths and single-byte (low-number) tags. Reading never
// allocates and never panics, whatever the input. Callers compare tags and contents
// byte for byte, so anything not exactly as expected is refused.
package der

import (
	"strconv"
	"strings"
)

// Tags of the elements brokerauth reads.
const (
	Integer     byte = 0x02
	BitString   byte = 0x03
	OctetString byte = 0x04
	Null        byte = 0x05
	OID         byte = 0x06
	Sequence    byte = 0x30 // SEQUENCE and SEQUENCE OF (always constructed)

	// Context-specific tags: Context0 and Context1 are [0] and [1]
	// constructed (EXPLICIT, or IMPLICIT over a SEQUENCE or SET);
	// ContextPrimitive1 is [1] IMPLICIT over a primitive type such as BIT
	// STRING.
	Context0          byte = 0xa0
	Context1          byte = 0xa1
	ContextPrimitive1 byte = 0x81
)

// maxLengthBytes bounds long-form lengths to 16 MiB; no key comes close.
const maxLengthBytes = 3

// Cursor is the unread rest of some DER bytes. Reading an element advances
// it past that element. The zero value is an empty cursor.
type Cursor []byte

// Read consumes one element with the given tag and returns its contents as
// a new cursor. It fails, consuming nothing, if the next element has
// another tag, is cut short, or has a length that is not DER (indefinite,
// long form where the short form fits, or leading zero length bytes).
func (c *Cursor) Read(tag byte) (Cursor, bool) {
	b := *c
	if len(b) < 2 || b[0] != tag {
		return nil, false
	}
	n, off := int(b[1]), 2
	if n&0x80 != 0 {
		lenBytes := n & 0x7f
		if lenBytes == 0 || lenBytes > maxLengthBytes || len(b) < 2+lenBytes || b[2] == 0 {
			return nil, false
		}
		n = 0
		for _, x := range b[2 : 2+lenBytes] {
			n = n<<8 | int(x)
		}
		if n < 0x80 {
			return nil, false
		}
		off += lenBytes
	}
	if len(b)-off < n {
		return nil, false
	}
	*c = b[off+n:]
	return b[off : off+n], true
}

// ReadUnsigned consumes an INTEGER that must not be negative and returns
// its big-endian magnitude without the sign byte (a single 0x00 for zero).
// It refuses empty and non-minimal encodings, as DER requires.
func (c *Cursor) ReadUnsigned() ([]byte, bool) {
	save := *c
	v, ok := c.Read(Integer)
	if !ok || len(v) == 0 || v[0]&0x80 != 0 {
		*c = save
		return nil, false // empty or negative
	}
	if len(v) > 1 && v[0] == 0 {
		if v[1]&0x80 == 0 {
			*c = save
			return nil, false // not minimal
		}
		v = v[1:]
	}
	return v, true
}

// Peek reports whether the next element has the given tag, without
// consuming it or checking its length.
func (c Cursor) Peek(tag byte) bool { return len(c) > 0 && c[0] == tag }

// Empty reports whether everything has been read.
func (c Cursor) Empty() bool { return len(c) == 0 }

// OIDString renders the contents of an OBJECT IDENTIFIER in dotted form,
// for error messages. Malformed contents render as "(malformed)" or
// "(empty)" rather than failing.
func OIDString(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	var parts []string
	var v uint64
	first := true
	for _, x := range b {
		v = v<<7 | uint64(x&0x7f)
		if x&0x80 != 0 {
			if v > 1<<56 {
				return "(malformed)"
			}
			continue
		}
		if first {
			arc := min(v/40, 2)
			parts = append(parts, strconv.FormatUint(arc, 10), strconv.FormatUint(v-40*arc, 10))
			first = false
		} else {
			parts = append(parts, strconv.FormatUint(v, 10))
		}
		v = 0
	}
	return strings.Join(parts, ".")
}
