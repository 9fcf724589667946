// Package jsonlite reads and writes the little JSON brokerauth exchanges
// with the brokers (login answers, error bodies, token blocks) without
// encoding/json.
//
// It exists because the core packages are compiled to WebAssembly, where
// encoding/json's reflection is slow (a large part of a login's time) and
// big (a large part of the .wasm, plus much of reflect); DESIGN.md has the
// figures.
//
// Reading is a single pass over the document: Parse (or Unmarshal for the
// common "object into a struct" case) hands the caller each value as the
// scanner meets it, and the caller picks the members it wants. Whatever the
// caller does, the whole document is validated exactly as encoding/json.Valid
// validates it (RFC 8259, nesting limited to 10000), so an answer that
// encoding/json refused is refused here too.
//
// The helpers that store a value (Value.ReadString, Value.Struct, Slice,
// StructPtr, Value.Any, Match) follow encoding/json.Unmarshal's rules, so
// that code moved off encoding/json keeps its behaviour: null leaves a
// string or bool as it was and sets a pointer or slice to nil, a value of
// the wrong type is an error (ErrType), object keys select fields as
// encoding/json does (exact, else case-insensitive) and the last duplicate
// wins, strings decode to the same text (invalid UTF-8 and lone surrogates
// become U+FFFD).
//
// Writing is AppendString and ObjectWriter, byte for byte what
// encoding/json.Marshal writes for a string and for a map of strings and
// bools.
package jsonlite
