package core

import (
	"strconv"
	"strings"
)

// DER tags used by public keys.
const (
	derInteger   = 0x02
	derBitString = 0x03
	derNull      = 0x05
	derOID       = 0x06
	derSequence  = 0x30
)

// der is a cursor over DER bytes. It reads only the handful of shapes a
// SubjectPublicKeyInfo and an RSAPublicKey are made of. encoding/asn1 does
// the same by reflection, which costs ~25x more under WebAssembly, where
// this parse runs on every login.
type der []byte

// read consumes one element with the given tag and returns its contents.
// It accepts only definite, minimal (DER) lengths.
func (d *der) read(tag byte) (der, bool) {
	b := *d
	if len(b) < 2 || b[0] != tag {
		return nil, false
	}
	n, off := int(b[1]), 2
	if n&0x80 != 0 {
		lenBytes := n & 0x7f
		if lenBytes == 0 || lenBytes > 3 || len(b) < 2+lenBytes || b[2] == 0 {
			return nil, false
		}
		n = 0
		for _, c := range b[2 : 2+lenBytes] {
			n = n<<8 | int(c)
		}
		if n < 0x80 {
			return nil, false
		}
		off += lenBytes
	}
	if len(b)-off < n {
		return nil, false
	}
	*d = b[off+n:]
	return b[off : off+n], true
}

// readUnsigned consumes an INTEGER that must be positive, returning its
// big-endian magnitude without the sign byte.
func (d *der) readUnsigned() ([]byte, bool) {
	v, ok := d.read(derInteger)
	if !ok || len(v) == 0 || v[0]&0x80 != 0 {
		return nil, false // empty or negative
	}
	if len(v) > 1 && v[0] == 0 {
		if v[1]&0x80 == 0 {
			return nil, false // not minimal
		}
		v = v[1:]
	}
	return v, true
}

func (d der) empty() bool { return len(d) == 0 }

// oidString renders DER OID contents in dotted form, for error messages.
func oidString(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	var parts []string
	var v uint64
	first := true
	for _, c := range b {
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			if v > 1<<56 {
				return "(malformed)"
			}
			continue
		}
		if first {
			x := min(v/40, 2)
			parts = append(parts, strconv.FormatUint(x, 10), strconv.FormatUint(v-40*x, 10))
			first = false
		} else {
			parts = append(parts, strconv.FormatUint(v, 10))
		}
		v = 0
	}
	return strings.Join(parts, ".")
}
