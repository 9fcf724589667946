package jsonlite

import "errors"

// The scanner: the RFC 8259 grammar, checked byte by byte exactly as
// encoding/json's scanner checks it, so that Valid agrees with json.Valid
// on every input (the differential fuzz tests hold it to that).

var (
	// ErrSyntax is the error for a document that is not valid JSON.
	ErrSyntax = errors.New("jsonlite: not valid JSON")
	// ErrType is the error for a value of another type than the one
	// expected: encoding/json's UnmarshalTypeError.
	ErrType = errors.New("jsonlite: JSON value of an unexpected type")
)

// maxDepth is encoding/json's limit on open objects and arrays: a deeper
// document is invalid there, so it is here.
const maxDepth = 10000

// decoder is one pass over a document. Values handed to callers point back
// to it, so that a caller can descend into an object or array while the
// scanner is positioned on it, instead of scanning it twice.
type decoder struct {
	data  []byte
	pos   int   // the next byte to read
	depth int   // objects and arrays open at pos
	err   error // the first error; once set, the pass is over
}

// fail records err (unless an earlier error is already recorded: the first
// one is what went wrong) and returns the recorded error.
func (d *decoder) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

// Valid reports whether data is one JSON value with nothing but whitespace
// around it, exactly as encoding/json.Valid does.
func Valid(data []byte) bool {
	d := decoder{data: data}
	d.pos = skipSpace(data, 0)
	if d.skip() != nil {
		return false
	}
	return skipSpace(data, d.pos) == len(data)
}

// Parse validates data, which must hold one JSON value with nothing but
// whitespace around it, and calls fn with that value while scanning it. An
// error from fn (or from any callback fn starts) ends the pass and is
// returned; so is ErrSyntax as soon as the document turns out invalid,
// which may be after fn has seen some of it. Callers therefore treat
// whatever they picked up as void when Parse fails.
func Parse(data []byte, fn func(v Value) error) error {
	d := &decoder{data: data}
	d.pos = skipSpace(data, 0)
	v, err := d.value()
	if err != nil {
		return err
	}
	if err := fn(v); err != nil {
		return d.fail(err)
	}
	if err := d.finish(v); err != nil {
		return err
	}
	if skipSpace(data, d.pos) != len(data) {
		return d.fail(ErrSyntax)
	}
	return nil
}

// value reads the value at d.pos (whitespace already skipped). A scalar is
// scanned and consumed; an object or array is only recognised, so that the
// caller it is handed to can walk it in place (finish skips it otherwise).
func (d *decoder) value() (Value, error) {
	if d.err != nil {
		return Value{}, d.err
	}
	v := Value{d: d, off: d.pos, depth: d.depth}
	if d.pos >= len(d.data) {
		return Value{}, d.fail(ErrSyntax)
	}
	end := -1
	switch c := d.data[d.pos]; c {
	case '{':
		v.kind = Object
		return v, nil
	case '[':
		v.kind = Array
		return v, nil
	case '"':
		v.kind = String
		end, v.flags = scanString(d.data, d.pos)
	case 't':
		v.kind = Bool
		end = scanLiteral(d.data, d.pos, "true")
	case 'f':
		v.kind = Bool
		end = scanLiteral(d.data, d.pos, "false")
	case 'n':
		v.kind = Null
		end = scanLiteral(d.data, d.pos, "null")
	default:
		v.kind = Number
		end = scanNumber(d.data, d.pos)
	}
	if end < 0 {
		return Value{}, d.fail(ErrSyntax)
	}
	d.pos, v.end = end, end
	return v, nil
}

// finish consumes v if it is an object or array its caller left alone.
func (d *decoder) finish(v Value) error {
	if d.err != nil {
		return d.err
	}
	if v.end == 0 && d.pos == v.off {
		return d.skip()
	}
	return nil
}

// object walks the object at d.pos, calling each for every member.
func (d *decoder) object(each func(key []byte, v Value) error) error {
	data := d.data
	if empty, err := d.enter('}'); empty || err != nil {
		return err
	}
	for {
		start := d.pos
		end, flags := -1, uint8(0)
		if start < len(data) && data[start] == '"' {
			end, flags = scanString(data, start)
		}
		if end < 0 {
			return d.fail(ErrSyntax)
		}
		d.pos = skipSpace(data, end)
		if d.pos >= len(data) || data[d.pos] != ':' {
			return d.fail(ErrSyntax)
		}
		d.pos = skipSpace(data, d.pos+1)
		v, err := d.value()
		if err != nil {
			return err
		}
		if err := each(keyBytes(data[start+1:end-1], flags), v); err != nil {
			return d.fail(err)
		}
		if err := d.finish(v); err != nil {
			return err
		}
		if more, err := d.next('}'); !more || err != nil {
			return err
		}
	}
}

// array walks the array at d.pos, calling each for every element.
func (d *decoder) array(each func(v Value) error) error {
	if empty, err := d.enter(']'); empty || err != nil {
		return err
	}
	for {
		v, err := d.value()
		if err != nil {
			return err
		}
		if err := each(v); err != nil {
			return d.fail(err)
		}
		if err := d.finish(v); err != nil {
			return err
		}
		if more, err := d.next(']'); !more || err != nil {
			return err
		}
	}
}

// enter steps into the object or array at d.pos, counting its depth;
// empty reports one that closes at once ({} or []), which it consumes.
func (d *decoder) enter(closer byte) (empty bool, err error) {
	d.pos++ // '{' or '['
	if d.depth++; d.depth > maxDepth {
		return false, d.fail(ErrSyntax)
	}
	d.pos = skipSpace(d.data, d.pos)
	if d.pos < len(d.data) && d.data[d.pos] == closer {
		d.pos++
		d.depth--
		return true, nil
	}
	return false, nil
}

// next consumes what follows a member or element: a comma (more is true,
// and the next one starts at d.pos) or the closer (more is false);
// anything else is a syntax error.
func (d *decoder) next(closer byte) (more bool, err error) {
	d.pos = skipSpace(d.data, d.pos)
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos = skipSpace(d.data, d.pos+1)
			return true, nil
		case closer:
			d.pos++
			d.depth--
			return false, nil
		}
	}
	return false, d.fail(ErrSyntax)
}

// skip consumes the value at d.pos (whitespace already skipped),
// validating it and calling no one. It is a loop, not a recursion: what
// nobody reads is skipped at scanning speed, however deep. open holds a bit
// per container open inside the value, 1 for an object.
func (d *decoder) skip() error {
	data, pos := d.data, d.pos
	var inline [2]uint64
	open, n := inline[:], 0
	for {
		// A value starts at pos.
		if pos >= len(data) {
			return d.fail(ErrSyntax)
		}
		switch c := data[pos]; c {
		case '{', '[':
			if d.depth+n+1 > maxDepth {
				return d.fail(ErrSyntax)
			}
			if n/64 == len(open) {
				open = append(open, 0)
			}
			if c == '{' {
				open[n/64] |= 1 << (n % 64)
			} else {
				open[n/64] &^= 1 << (n % 64)
			}
			n++
			pos = skipSpace(data, pos+1)
			if pos < len(data) && data[pos] == c+2 { // '}' or ']': empty
				pos++
				n--
				break
			}
			if c == '{' {
				if pos = scanKey(data, pos); pos < 0 {
					return d.fail(ErrSyntax)
				}
			}
			continue
		case '"':
			pos, _ = scanString(data, pos)
		case 't':
			pos = scanLiteral(data, pos, "true")
		case 'f':
			pos = scanLiteral(data, pos, "false")
		case 'n':
			pos = scanLiteral(data, pos, "null")
		default:
			pos = scanNumber(data, pos)
		}
		if pos < 0 {
			return d.fail(ErrSyntax)
		}
		// After a value: close what ends here, or go on to the next
		// element or member.
	closing:
		for {
			if n == 0 {
				d.pos = pos
				return nil
			}
			pos = skipSpace(data, pos)
			if pos >= len(data) {
				return d.fail(ErrSyntax)
			}
			inObject := open[(n-1)/64]&(1<<((n-1)%64)) != 0
			switch c := data[pos]; {
			case c == ',':
				pos = skipSpace(data, pos+1)
				if inObject {
					if pos = scanKey(data, pos); pos < 0 {
						return d.fail(ErrSyntax)
					}
				}
				break closing
			case c == '}' && inObject, c == ']' && !inObject:
				pos++
				n--
			default:
				return d.fail(ErrSyntax)
			}
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace (space, tab, line feed, carriage return: nothing else).
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanKey scans `"key" :` and the whitespace after it, from i; -1 if that
// is not what is there.
func scanKey(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i, _ = scanString(data, i); i < 0 {
		return -1
	}
	i = skipSpace(data, i)
	if i >= len(data) || data[i] != ':' {
		return -1
	}
	return skipSpace(data, i+1)
}

// Flags of a scanned string, telling Value.String how much work its text
// needs.
const (
	escaped  = 1 << iota // has a backslash escape
	nonASCII             // has a byte >= 0x80, maybe not valid UTF-8
)

// plainByte marks the bytes that stand for themselves in a JSON string:
// not a control character, quote or backslash, and ASCII (the caller
// notes the others for Value.String).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString scans the string starting at data[i] == '"' and returns the
// index just after its closing quote (-1 if it is not a valid JSON string)
// and its flags. Like encoding/json it accepts any byte >= 0x20 but quote
// and backslash, even one that is not valid UTF-8.
func scanString(data []byte, i int) (int, uint8) {
	var flags uint8
	for i++; i < len(data); {
		c := data[i]
		if plainByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			return i + 1, flags
		case c == '\\':
			flags |= escaped
			if i+1 >= len(data) {
				return -1, 0
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) || !isHex(data[i+5]) {
					return -1, 0
				}
				i += 6
			default:
				return -1, 0
			}
		case c < 0x20:
			return -1, 0
		default: // >= 0x80
			flags |= nonASCII
			i++
		}
	}
	return -1, 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber scans the number starting at data[i] and returns the index
// just after it, or -1. The grammar is RFC 8259's: -?(0|[1-9][0-9]*)
// (.[0-9]+)?([eE][+-]?[0-9]+)?. What follows is the caller's to judge
// ("01" is a 0 followed by garbage).
func scanNumber(data []byte, i int) int {
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		for i++; i < len(data) && isDigit(data[i]); i++ {
		}
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			return -1
		}
		for i++; i < len(data) && isDigit(data[i]); i++ {
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			return -1
		}
		for i++; i < len(data) && isDigit(data[i]); i++ {
		}
	}
	return i
}

// scanLiteral checks that lit (true, false or null) is at data[i] and
// returns the index after it, or -1.
func scanLiteral(data []byte, i int, lit string) int {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
