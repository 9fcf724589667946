package jsonlite

import (
	"strconv"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The JSON types. The zero Kind is no value at all.
const (
	Null Kind = iota + 1
	Bool
	Number
	String
	Object
	Array
)

// Value is one value of a document being parsed, handed to a callback of
// Parse, Unmarshal, Value.Object or Value.Array.
//
// A scalar's bytes are known when the callback gets it. An object or array
// is not scanned yet: calling Object or Array on it from inside the
// callback walks it in place, in the same single pass, and if the callback
// leaves it alone the scanner skips it when the callback returns. A Value
// kept past its callback still works, at the cost of scanning it again.
type Value struct {
	d     *decoder
	off   int // where the value starts in d.data
	end   int // where it ends; 0 for an object or array not scanned yet
	depth int // objects and arrays open around the value
	kind  Kind
	flags uint8 // of a string: see scanString
}

// Kind returns the value's JSON type.
func (v Value) Kind() Kind { return v.kind }

// Raw returns the value's bytes as they are in the document (a slice of
// it: do not modify), e.g. to keep a number as text. An object or array is
// scanned to find its end; nil means it turned out invalid, which also
// fails the pass.
func (v Value) Raw() []byte {
	if v.d == nil {
		return nil
	}
	if v.end == 0 {
		d := v.at()
		if d.skip() != nil {
			return nil
		}
		v.end = d.pos
	}
	return v.d.data[v.off:v.end:v.end]
}

// at returns a decoder positioned on v, an object or array: the pass
// itself while v is the value it is on (inside v's callback, before
// anything walked it), else a new pass over v alone.
func (v Value) at() *decoder {
	if d := v.d; d.pos == v.off && d.depth == v.depth && d.err == nil {
		return d
	}
	return &decoder{data: v.d.data, pos: v.off, depth: v.depth}
}

// String returns the text of a string value, unescaped exactly as
// encoding/json unescapes it (invalid UTF-8 and lone surrogates become
// U+FFFD). ok is false for any other kind.
func (v Value) String() (s string, ok bool) {
	if v.kind != String {
		return "", false
	}
	body := v.d.data[v.off+1 : v.end-1]
	if v.flags == 0 || v.flags == nonASCII && utf8.Valid(body) {
		return string(body), true
	}
	return string(appendUnquoted(make([]byte, 0, len(body)+utf8.UTFMax), body)), true
}

// keyBytes is an object key's text: the document's own bytes when they
// need no unescaping (the common case, no allocation), else a new slice.
func keyBytes(body []byte, flags uint8) []byte {
	if flags == 0 || flags == nonASCII && utf8.Valid(body) {
		return body[:len(body):len(body)]
	}
	return appendUnquoted(make([]byte, 0, len(body)+utf8.UTFMax), body)
}

// Bool returns a true or false value; ok is false for any other kind.
func (v Value) Bool() (b bool, ok bool) {
	if v.kind != Bool {
		return false, false
	}
	return v.d.data[v.off] == 't', true
}

// Float64 returns a number as encoding/json decodes it into a float64 (or
// an any): strconv.ParseFloat. ok is false for any other kind, and for a
// number out of float64's range (1e400), which encoding/json refuses.
func (v Value) Float64() (f float64, ok bool) {
	if v.kind != Number {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v.d.data[v.off:v.end]), 64)
	return f, err == nil
}

// Object calls each for every member of an object value, in document
// order, keys unescaped like strings. key is valid only during the call
// (it may be a slice of the document). An error from each ends the pass
// and is returned. A value of any other kind is ErrType.
func (v Value) Object(each func(key []byte, v Value) error) error {
	if v.kind != Object {
		return ErrType
	}
	return v.at().object(each)
}

// Array calls each for every element of an array value, in order. An
// error from each ends the pass and is returned. A value of any other kind
// is ErrType.
func (v Value) Array(each func(v Value) error) error {
	if v.kind != Array {
		return ErrType
	}
	return v.at().array(each)
}
