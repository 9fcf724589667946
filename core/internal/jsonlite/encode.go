package jsonlite

import "unicode/utf8"

// AppendString appends s as a JSON string literal, byte for byte what
// encoding/json.Marshal writes for it: control characters, quote and
// backslash escaped, each byte of invalid UTF-8 written as \ufffd, U+2028
// and U+2029 escaped (JavaScript once could not hold them in a string),
// and <, > and & escaped as encoding/json does by default. That HTML
// escaping is not needed in a request body, but costs nothing, and keeps
// every body we send what it was when encoding/json wrote it.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control characters, <, >, &
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// ObjectWriter writes a JSON object member by member, in the order given:
// the request bodies ({"identifier": …, "password": …}, {"accountId": …},
// {"refresh_token": …}). encoding/json wrote those from maps, so with keys
// sorted; callers add them sorted to send the same bytes. The zero value
// is an empty object.
type ObjectWriter struct {
	buf []byte
}

// key starts a member.
func (w *ObjectWriter) key(k string) {
	if len(w.buf) == 0 {
		w.buf = append(w.buf, '{')
	} else {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(AppendString(w.buf, k), ':')
}

// String adds a member with a string value.
func (w *ObjectWriter) String(key, value string) {
	w.key(key)
	w.buf = AppendString(w.buf, value)
}

// Bool adds a member with a true or false value.
func (w *ObjectWriter) Bool(key string, value bool) {
	w.key(key)
	if value {
		w.buf = append(w.buf, "true"...)
	} else {
		w.buf = append(w.buf, "false"...)
	}
}

// Bytes returns the object. The writer is done with then.
func (w *ObjectWriter) Bytes() []byte {
	if len(w.buf) == 0 {
		return []byte("{}")
	}
	return append(w.buf, '}')
}
