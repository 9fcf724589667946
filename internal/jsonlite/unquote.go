package jsonlite

import "unicode/utf8"

// appendUnquoted appends the text of a JSON string whose body (between the
// quotes) scanString accepted, decoded as encoding/json decodes it:
//
//   - escapes as RFC 8259 defines them, a \uXXXX surrogate pair as the one
//     character it encodes;
//   - a lone surrogate (\ud800 with no low half after it, or a low half
//     alone) as U+FFFD, the escape after a lone high half read on its own;
//   - each byte of invalid UTF-8 as U+FFFD.
//
// Token and account strings end up in HTTP headers and errors, so getting
// the same text encoding/json gives matters more than speed here; strings that need
// none of this never get here (Value.String returns them as they are).
func appendUnquoted(dst, body []byte) []byte {
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\\':
			switch e := body[i+1]; e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(body[i+2:])
				i += 6
				if 0xd800 <= r && r < 0xe000 { // a surrogate
					if lo := nextU4(body[i:]); r < 0xdc00 && 0xdc00 <= lo && lo < 0xe000 {
						r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			// DecodeRune gives RuneError for each byte of a bad sequence,
			// which AppendRune writes as U+FFFD.
			r, n := utf8.DecodeRune(body[i:])
			dst = utf8.AppendRune(dst, r)
			i += n
		}
	}
	return dst
}

// hex4 decodes the four hex digits at the start of b (checked by the
// scanner).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// nextU4 decodes a \uXXXX escape at the start of b, or returns -1 if
// there is none.
func nextU4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	return hex4(b[2:])
}
