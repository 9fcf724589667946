package jsonlite

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

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

// Raw adds a member whose value is JSON text already written.
func (w *ObjectWriter) Raw(key string, value []byte) {
	w.key(key)
	w.buf = append(w.buf, value...)
}

// Int adds a member with an integer value.
func (w *ObjectWriter) Int(key string, value int64) {
	w.key(key)
	w.buf = strconv.AppendInt(w.buf, value, 10)
}

// Bytes returns the object. The writer is done with then.
func (w *ObjectWriter) Bytes() []byte {
	if len(w.buf) == 0 {
		return []byte("{}")
	}
	return append(w.buf, '}')
}

// AppendAny appends v as JSON, byte for byte what encoding/json.Marshal
// writes for it: object keys sorted, floats in encoding/json's format. It
// takes what Value.Any decodes (nil, bool, float64, string, []any,
// map[string]any) and the integers JWT claims carry (int, int32, int64,
// uint32, uint64); for any other type, or a NaN or infinite float, it
// reports false.
func AppendAny(dst []byte, v any) ([]byte, bool) {
	ok := true
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case string:
		return AppendString(dst, x), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return appendFloat(dst, x), true
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = AppendAny(dst, e); !ok {
				return nil, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(AppendString(dst, k), ':')
			if dst, ok = AppendAny(dst, x[k]); !ok {
				return nil, false
			}
		}
		return append(dst, '}'), true
	}
	return nil, false
}

// appendFloat is encoding/json's float64 format: the shortest decimal that
// round-trips, in exponent form only below 1e-6 or from 1e21, with a
// one-digit negative exponent written as e-7, not e-07.
func appendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
