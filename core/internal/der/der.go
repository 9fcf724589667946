// Package der reads the DER that brokerauth's key parsers need: one element
// at a time, with cryptobyte's rules (golang.org/x/crypto/cryptobyte, which
// the tests hold it to), plus a bound on the length of the outermost
// element, the one a caller's input decides.
//
// It exists so that the password-encryption path does not link cryptobyte:
// importing it brings encoding/asn1, math/big, reflect and fmt into the
// encrypt-only wasm, for reading two INTEGERs. The functions are generic
// over the byte-slice type so that callers holding a cryptobyte.String
// (core/jws) use them as they are.
package der

// Tags of the universal types the key parsers read.
const (
	TagInteger   = 0x02
	TagBitString = 0x03
	TagNull      = 0x05
	TagOID       = 0x06
	TagSequence  = 0x30 // constructed
)

// MaxLengthBytes bounds DER long-form lengths to 3 bytes (16 MiB), which
// no key comes close to; cryptobyte alone reads lengths of up to 4 bytes.
const MaxLengthBytes = 3

// ReadOuter reads the SEQUENCE that DER from outside starts with into out,
// as Read does but with a length of at most MaxLengthBytes. Elements
// inside it need no such check: one with a longer length would not fit.
func ReadOuter[S ~[]byte](in, out *S) bool {
	if len(*in) > 1 && (*in)[1] > 0x80|MaxLengthBytes {
		return false
	}
	return Read(in, out, TagSequence)
}

// Read reads one element from the front of in and, if its tag is tag, sets
// out to its contents and reports true. As cryptobyte's ReadASN1, it takes
// only single-byte tags and definite lengths in their shortest form of at
// most 4 bytes, and it consumes the element from in even when the tag
// differs; on any other failure in is left as it was.
func Read[S ~[]byte](in, out *S, tag byte) bool {
	s := *in
	if len(s) < 2 || s[0]&0x1f == 0x1f {
		return false
	}
	t, lenByte := s[0], s[1]
	length, header := uint64(lenByte), uint64(2)
	if lenByte&0x80 != 0 {
		n := uint64(lenByte & 0x7f)
		if n == 0 || n > 4 || uint64(len(s)) < 2+n {
			return false
		}
		length = 0
		for _, b := range s[2 : 2+n] {
			length = length<<8 | uint64(b)
		}
		// DER: the short form below 128, and no leading zero byte.
		if length < 128 || length>>(8*(n-1)) == 0 {
			return false
		}
		header += n
	}
	if uint64(len(s))-header < length {
		return false
	}
	*in = s[header+length:]
	if t != tag {
		return false
	}
	*out = s[header : header+length]
	return true
}

// ReadInteger reads an INTEGER that is not negative into out, big-endian
// without its sign byte (a single 0x00 for zero), as cryptobyte's
// ReadASN1Integer does into a *[]byte: empty, negative and non-minimal
// encodings are refused.
func ReadInteger[S ~[]byte](in *S, out *[]byte) bool {
	var b S
	if !Read(in, &b, TagInteger) || len(b) == 0 || b[0]&0x80 != 0 {
		return false
	}
	if len(b) > 1 && b[0] == 0 && b[1]&0x80 == 0 {
		return false // a zero byte that no sign needs
	}
	if len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	*out = b
	return true
}
