package jsonlite

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trickyDocs are documents on the edges of the grammar, valid and not; the
// unit tests and the fuzz targets' seed corpora share them. Every test
// holds jsonlite to encoding/json's verdict on them, not to a hand-written
// one.
var trickyDocs = []string{
	``, ` `, `null`, ` null `, "\tnull\r\n", "\vnull", "\fnull", "\u00a0null", "\ufeffnull",
	`true`, `false`, `tru`, `nul`, `truex`, `True`, `nulll`, `true false`,
	`0`, `-0`, `-`, `01`, `-01`, `1.`, `.5`, `1.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `1.e5`, `+1`, `0x10`,
	`1e400`, `-1e400`, `1e-400`, `123456789012345678901234567890`, `NaN`, `Infinity`, `1_000`, `0.0e0`, `-0.0E-0`,
	`""`, `"a"`, `"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\a"`, `"\'"`, `"\x41"`, `"\u0041"`, `"\u00e9"`, `"\u00E9"`,
	`"\u004"`, `"\u004g"`, `"\u"`, `"\`, `"abc`, `"a` + "\x00" + `b"`, `"a` + "\x1f" + `b"`, `"a` + "\x7f" + `b"`,
	`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ude00\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`,
	`"\ud83d\\ude00"`, `"\uD83D\uDE00"`, `"\udbff\udfff"`, `"\ud800\udc00"`, `"\u0000"`, `"\u2028\u2029"`,
	"\"\xff\"", "\"\xc3\"", "\"\xc3\xa9\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"a\xffb\\n\"",
	"\"\xef\xbf\xbd\"", "\"\xf0\x9f\x98\x80\"", "\xff", "[\xff]", "{\"\xff\":1}",
	`[]`, `[ ]`, `[1]`, `[1,]`, `[,1]`, `[1 2]`, `[1,,2]`, `[`, `]`, `[[]]`, `[[[]]`, `[1]]`, `[]]`, `[] []`,
	`{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{,"a":1}`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{a:1}`, `{'a':1}`, `{"a":1 "b":2}`,
	`{"a":1}}`, `{"a":{"b":[1,{"c":null}]}}`, `{"a":1,"a":2}`, `{"A":1,"a":2}`, `{"\u0061":1}`, `{"a\u0000":1}`,
	`{1:1}`, `{"a":1}x`, `{"a":[}`, `[{]`, `[{"a":1]`, `{"a":[1}]`, `{"a":"b"` + "\n" + `}`, " [ 1 , { \"a\" : [ ] } ] ",
	`{"accountId":"ACC1","oauthToken":{"access_token":"a","expires_in":"60"}}`,
	`{"errorCode":"error.x","errorCode":"error.y"}`, `{"timeStamp":1647440528194}`, `{"timeStamp":"16474"}`,
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	docs := append([]string{}, trickyDocs...)
	for _, n := range []int{1, 2, 100, 9999, 10000, 10001, 20000} {
		docs = append(docs,
			strings.Repeat("[", n)+strings.Repeat("]", n),
			strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n),
			strings.Repeat(`[{"a":`, n/2)+"[]"+strings.Repeat("}]", n/2),
			strings.Repeat("[", n)+strings.Repeat("]", n-1), // unclosed
		)
	}
	for _, doc := range docs {
		want := json.Valid([]byte(doc))
		assert.Equal(t, want, Valid([]byte(doc)), "Valid(%.60q)", doc)
		// Parse validates the whole document too, whether or not its
		// callback descends into it...
		assert.Equal(t, want, Parse([]byte(doc), func(Value) error { return nil }) == nil, "Parse, skipping, %.60q", doc)
		// ...or walks every value in place.
		_, err := walk([]byte(doc))
		assert.Equal(t, want, err == nil || errors.Is(err, ErrType), "Parse, walking, %.60q: %v", doc, err)
	}
}

// walk decodes a document into an any by walking it with Value.Any.
func walk(data []byte) (any, error) {
	var out any
	err := Parse(data, func(v Value) error {
		var err error
		out, err = v.Any()
		return err
	})
	return out, err
}

func TestAnyAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range trickyDocs {
		var want any
		wantErr := json.Unmarshal([]byte(doc), &want)
		got, err := walk([]byte(doc))
		if wantErr != nil {
			assert.Error(t, err, "%q", doc)
			continue
		}
		require.NoError(t, err, "%q", doc)
		assert.Equal(t, want, got, "%q", doc)
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		doc, want string
	}{
		{`"plain"`, "plain"},
		{`"caf\u00e9 \/ \"q\" \\"`, `café / "q" \`},
		{`"\b\f\n\r\t"`, "\b\f\n\r\t"},
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud83d"`, "\ufffd"},
		{`"\ude00\ud83d"`, "\ufffd\ufffd"},
		{`"\ud83d\u0041"`, "\ufffdA"},
		{`"\ud83d\ud83d\ude00"`, "\ufffd😀"},
		{"\"a\xffb\"", "a\ufffdb"},
		{"\"\xed\xa0\x80\"", "\ufffd\ufffd\ufffd"}, // an encoded surrogate: three bad bytes
		{"\"\xe2\x82\\n\"", "\ufffd\ufffd\n"},
		{"\"é\"", "é"},
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(tc.doc), &want), tc.doc)
		require.Equal(t, tc.want, want, "the table agrees with encoding/json on %q", tc.doc)
		require.NoError(t, Parse([]byte(tc.doc), func(v Value) error {
			got, ok := v.String()
			assert.True(t, ok)
			assert.Equal(t, tc.want, got, tc.doc)
			return nil
		}))
	}
}

func TestScalarAccessors(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		kind  Kind
		b     bool
		f     float64
		fOK   bool
		isStr bool
	}{
		{`null`, Null, false, 0, false, false},
		{`true`, Bool, true, 0, false, false},
		{`false`, Bool, false, 0, false, false},
		{`-1.5e3`, Number, false, -1500, true, false},
		{`1e400`, Number, false, 0, false, false},
		{`1e-400`, Number, false, 0, true, false},
		{`"1"`, String, false, 0, false, true},
		{`{}`, Object, false, 0, false, false},
		{`[]`, Array, false, 0, false, false},
	} {
		require.NoError(t, Parse([]byte(tc.doc), func(v Value) error {
			assert.Equal(t, tc.kind, v.Kind(), tc.doc)
			b, ok := v.Bool()
			assert.Equal(t, tc.kind == Bool, ok, tc.doc)
			assert.Equal(t, tc.b, b, tc.doc)
			f, ok := v.Float64()
			assert.Equal(t, tc.fOK, ok, tc.doc)
			if ok {
				assert.Equal(t, tc.f, f, tc.doc)
			}
			_, ok = v.String()
			assert.Equal(t, tc.isStr, ok, tc.doc)
			assert.Equal(t, tc.doc, string(v.Raw()), tc.doc)
			return nil
		}))
	}
}

func TestRawIsWhatRawMessageHolds(t *testing.T) {
	for _, doc := range []string{
		`{"r":1647440528194}`, `{"r":"1647"}`, `{"r":null}`, `{"r": { "a" : [1, 2] } , "x":1}`, `{"r":[]}`,
		`{"r":"\u0031"}`, `{"r":1,"r":2}`, `{"x":1}`,
	} {
		var want struct {
			R json.RawMessage `json:"r"`
		}
		require.NoError(t, json.Unmarshal([]byte(doc), &want), doc)
		var got []byte
		require.NoError(t, Unmarshal([]byte(doc), func(key []byte, v Value) error {
			if Match(key, "r") {
				got = v.Raw()
			}
			return nil
		}), doc)
		assert.Equal(t, string(want.R), string(got), doc)
	}
}

// A Value kept past its callback, or walked twice, still reads right: it
// is scanned again.
func TestValueOutsideItsCallback(t *testing.T) {
	doc := []byte(`{"a":{"b":[1,{"c":"d"}]},"e":[true]}`)
	var a, e Value
	require.NoError(t, Unmarshal(doc, func(key []byte, v Value) error {
		switch string(key) {
		case "a":
			a = v
			assert.Equal(t, `{"b":[1,{"c":"d"}]}`, string(v.Raw()), "Raw in place")
			n := 0
			require.NoError(t, v.Object(func([]byte, Value) error { n++; return nil }), "walked after Raw")
			assert.Equal(t, 1, n)
		case "e":
			e = v
			require.NoError(t, v.Array(func(Value) error { return nil }))
			assert.Equal(t, `[true]`, string(v.Raw()), "Raw after a walk")
		}
		return nil
	}))
	got, err := a.Any()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"b": []any{1.0, map[string]any{"c": "d"}}}, got)
	assert.Equal(t, `[true]`, string(e.Raw()))
}

// An error from a callback ends the pass, even one a nested callback
// returned and its parent dropped: the scanner cannot go on from the
// middle of a value.
func TestCallbackErrorEndsThePass(t *testing.T) {
	stop := errors.New("stop")
	doc := []byte(`{"a":[1,2,3],"b":2}`)
	var keys []string
	err := Unmarshal(doc, func(key []byte, v Value) error {
		keys = append(keys, string(key))
		if string(key) == "a" {
			_ = v.Array(func(Value) error { return stop }) // dropped
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, []string{"a"}, keys)

	// A syntax error found in a nested walk ends it as well.
	err = Unmarshal([]byte(`{"a":[1,}],"b":2}`), func(key []byte, v Value) error {
		_ = v.Array(func(Value) error { return nil })
		return nil
	})
	assert.ErrorIs(t, err, ErrSyntax)
}

func TestParseChecksWhatFollows(t *testing.T) {
	// The callback has seen the value by the time the garbage after it
	// shows: the pass fails all the same.
	seen := false
	err := Unmarshal([]byte(`{"a":"b"} x`), func(key []byte, v Value) error { seen = true; return nil })
	assert.True(t, seen)
	assert.ErrorIs(t, err, ErrSyntax)
}

func TestKeysAreUnescaped(t *testing.T) {
	doc := []byte(`{"plain":1,"\u0061\"b":2,"caf\u00e9":3,"é":4,"` + "\xff" + `":5}`)
	var keys []string
	require.NoError(t, Unmarshal(doc, func(key []byte, v Value) error {
		keys = append(keys, string(key))
		return nil
	}))
	assert.Equal(t, []string{"plain", `a"b`, "café", "é", "\ufffd"}, keys)
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		key, name string
		want      bool
	}{
		{"accountId", "accountId", true},
		{"ACCOUNTID", "accountId", true},
		{"accountid", "accountId", true},
		{"accountI", "accountId", false},
		{"accountIdx", "accountId", false},
		{"", "accountId", false},
		{"access_token", "access_token", true},
		{"ACCESS_TOKEN", "access_token", true},
		{"access-token", "access_token", false},
		{"\u212aey", "key", true},         // Kelvin sign
		{"\u017fession", "session", true}, // long s
		{"\u0130d", "id", false},          // dotted capital I: no simple fold to i
		{"a@", "a`", false},               // @ and ` differ by 0x20 but are not letters
		{"[", "{", false},
	} {
		assert.Equal(t, tc.want, Match([]byte(tc.key), tc.name), "%q vs %q", tc.key, tc.name)
	}
}

// shape has a field of every kind the broker parsers read, decoded once by
// encoding/json and once by the Read helpers (decodeShape) in the tests
// and the fuzz target.
type shape struct {
	S string          `json:"s"`
	B bool            `json:"b"`
	F *float64        `json:"f"`
	R json.RawMessage `json:"r"`
	P *inner          `json:"p"`
	L []inner         `json:"list"`
	A any             `json:"a"`
}

type inner struct {
	S string `json:"s"`
	B bool   `json:"b"`
	N *inner `json:"n"`
}

func (x *inner) field(key []byte, v Value) error {
	switch {
	case Match(key, "s"):
		return v.ReadString(&x.S)
	case Match(key, "b"):
		return v.ReadBool(&x.B)
	case Match(key, "n"):
		return StructPtr(v, &x.N, (*inner).field)
	}
	return nil
}

func decodeShape(data []byte) (shape, error) {
	var s shape
	err := Unmarshal(data, func(key []byte, v Value) error {
		switch {
		case Match(key, "s"):
			return v.ReadString(&s.S)
		case Match(key, "b"):
			return v.ReadBool(&s.B)
		case Match(key, "f"):
			switch v.Kind() {
			case Null:
				s.F = nil
				return nil
			case Number:
				f, ok := v.Float64()
				if !ok {
					return ErrType
				}
				s.F = &f
				return nil
			}
			return ErrType
		case Match(key, "r"):
			s.R = append(s.R[:0], v.Raw()...)
		case Match(key, "p"):
			return StructPtr(v, &s.P, (*inner).field)
		case Match(key, "list"):
			return Slice(v, &s.L, func(x *inner, v Value) error { return v.Struct(x.field) })
		case Match(key, "a"):
			a, err := v.Any()
			if err != nil {
				return err
			}
			s.A = a
		}
		return nil
	})
	return s, err
}

var shapeDocs = []string{
	`{"s":"x","b":true,"f":1.5,"r":{"k":[1]},"p":{"s":"y","n":{"b":true}},"list":[{"s":"1"},{"b":true}],"a":[1,"2",null]}`,
	`null`, `{}`, `[]`, `"x"`, `1`,
	`{"s":null}`, `{"s":"x","s":null}`, `{"s":"x","s":"y"}`, `{"s":1}`, `{"s":true}`, `{"s":{}}`, `{"s":[]}`,
	`{"S":"upper"}`, `{"s":"a","S":"b"}`, `{"\u0073":"escaped key"}`, `{"\u017f":"long s"}`,
	`{"b":"true"}`, `{"b":1}`, `{"b":null}`, `{"b":true,"b":null}`,
	`{"f":1e400}`, `{"f":"1"}`, `{"f":null}`, `{"f":1,"f":null}`, `{"f":-0}`, `{"f":1e-400}`,
	`{"r":null}`, `{"r":"q"}`, `{"r":1,"r":[ 1 , 2 ]}`,
	`{"p":null}`, `{"p":{"s":"a"},"p":{"b":true}}`, `{"p":{"s":"a"},"p":null}`, `{"p":"x"}`, `{"p":[]}`,
	`{"p":{"n":{"n":{"s":1}}}}`,
	`{"list":null}`, `{"list":[]}`, `{"list":{}}`, `{"list":[null]}`, `{"list":[1]}`, `{"list":["x"]}`,
	`{"list":[{"s":"a","b":true},{"s":"b"}],"list":[{"s":"c"}]}`,
	`{"list":[{"s":"a"},{"s":"b"}],"list":[],"list":[{"b":true},{"b":true}]}`,
	`{"list":[{"s":"a"},{"s":"b"},{"s":"c"}],"list":[{"b":true}],"list":[{},{},{}]}`,
	`{"list":[{"s":"a"}],"list":null,"list":[{}]}`,
	`{"a":1e400}`, `{"a":"x","a":1e400}`, `{"a":{"x":1e400}}`, `{"a":null}`, `{"a":{"k":1,"k":2}}`,
	`{"x":1e400}`, `{"x":[1,{"y":"\ud800"}]}`, `{"s":"ok"} `, `{"s":"ok"},`,
}

func TestReadHelpersAgreeWithEncodingJSON(t *testing.T) {
	for _, doc := range append(shapeDocs, trickyDocs...) {
		checkShape(t, []byte(doc))
	}
}

// checkShape decodes data both ways: both fail, or both succeed with the
// same result.
func checkShape(t *testing.T, data []byte) {
	t.Helper()
	var want shape
	wantErr := json.Unmarshal(data, &want)
	got, err := decodeShape(data)
	if wantErr != nil {
		if err == nil {
			t.Fatalf("%q: encoding/json fails (%v), jsonlite decodes %+v", data, wantErr, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: encoding/json decodes %+v, jsonlite fails: %v", data, want, err)
	}
	// RawMessage: nil and empty are the same absence.
	if len(want.R) == 0 && len(got.R) == 0 {
		want.R, got.R = nil, nil
	}
	assert.Equal(t, want, got, "%q", data)
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"b\s/`, "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<a href='x'>&amp;</a>", "é😀",
		"\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "\xef\xbf\xbd", "\ufffd", string([]byte{0xf4, 0x90, 0x80, 0x80}),
	} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(AppendString(nil, s)), "%q", s)
		assert.Equal(t, "x"+string(want), string(AppendString([]byte("x"), s)), "appends")
	}
}

func TestObjectWriter(t *testing.T) {
	var empty ObjectWriter
	assert.Equal(t, `{}`, string(empty.Bytes()))

	// What the login body was when encoding/json wrote it from a map.
	for _, encrypted := range []bool{true, false} {
		want, err := json.Marshal(map[string]any{"identifier": "me<1>", "password": "p\"w\xff", "encryptedPassword": encrypted})
		require.NoError(t, err)
		var w ObjectWriter
		w.Bool("encryptedPassword", encrypted)
		w.String("identifier", "me<1>")
		w.String("password", "p\"w\xff")
		assert.Equal(t, string(want), string(w.Bytes()))
	}
}

// AppendAny writes what encoding/json writes for the same decoded value.
func TestAppendAnyAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{"USER_ID":1000002,"RESULT":true,"EXPIRES":86399000,"IP":"203.0.113.7","x":null,"f":[1.5,-0.000001,1e21,123456789012,"s\u2028<>&"],"n":{"b":{},"a":[]}}`,
		`[0.1, 1e-7, -2.5e-9, 3.0, 1e20, 12345678901234567890]`, `"\ud83d\ude00"`, `null`, `false`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(doc), &v))
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, ok := AppendAny(nil, v)
		assert.True(t, ok, doc)
		assert.Equal(t, string(want), string(got), doc)
	}
}
