package jsonlite

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// Differential fuzz targets: jsonlite against encoding/json, which the
// broker parsers used before. The seed corpora (trickyDocs and more) run
// in every `go test`; `make fuzz` runs each target for a while.

// FuzzValid: for any bytes, Valid and Parse agree with json.Valid, a walk
// of a valid document decodes to what json.Unmarshal gives for an any
// (every string and key unescaped the same, every number the same float64,
// and out-of-range numbers refused by both), and the Read helpers decode
// the shape of the broker answers as encoding/json does.
func FuzzValid(f *testing.F) {
	for _, doc := range trickyDocs {
		f.Add([]byte(doc))
	}
	for _, doc := range shapeDocs {
		f.Add([]byte(doc))
	}
	f.Add([]byte(igLoginV2))
	f.Fuzz(func(t *testing.T, data []byte) {
		want := json.Valid(data)
		if got := Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid %v", data, got, want)
		}
		if got := Parse(data, func(Value) error { return nil }) == nil; got != want {
			t.Fatalf("Parse(%q) succeeds: %v, json.Valid %v", data, got, want)
		}
		var wantAny any
		wantErr := json.Unmarshal(data, &wantAny)
		gotAny, err := walk(data)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("walk(%q) error %v, json.Unmarshal %v", data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(gotAny, wantAny) {
			t.Fatalf("walk(%q) = %#v, json.Unmarshal %#v", data, gotAny, wantAny)
		}
		checkShape(t, data)
	})
}

// FuzzString: the body of any valid JSON string decodes to the text
// encoding/json gives (escapes, surrogates, invalid UTF-8), as a value and
// as a key. Wrapping the fuzzed bytes in quotes makes valid strings far
// more likely than FuzzValid's raw bytes do.
func FuzzString(f *testing.F) {
	for _, s := range []string{
		``, `plain`, `\"\\\/\b\f\n\r\t`, `\u0041\u00e9\u20ac`, `\ud83d\ude00`, `\ud83d`, `\ude00`, `\ude00\ud83d`,
		`\ud83dx`, `\ud83d\u0041`, `\ud83d\ud83d\ude00`, `\ud83d\\ude00`, `\udbff\udfff`, `\u0000`, `\u2028`,
		"\xff", "\xc3", "a\xffb\\n", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xef\xbf\xbd", "\xf0\x9f\x98",
		"\x7f", `\uD83D\uDE00`, `\ud800\udc00\ud800`, "é\\u00e9\xe9",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc := append(append([]byte(`"`), body...), '"')
		var want string
		if json.Unmarshal(doc, &want) != nil {
			if Valid(doc) {
				t.Fatalf("%q: encoding/json refuses, Valid accepts", doc)
			}
			return
		}
		var got string
		if err := Parse(doc, func(v Value) error { got, _ = v.String(); return nil }); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if got != want {
			t.Fatalf("String of %q = %q, encoding/json %q", doc, got, want)
		}
		var wantKeys map[string]int
		obj := append(append([]byte(`{`), doc...), `:1}`...)
		if err := json.Unmarshal(obj, &wantKeys); err != nil {
			t.Fatal(err)
		}
		if err := Unmarshal(obj, func(key []byte, v Value) error {
			if _, ok := wantKeys[string(key)]; !ok || len(wantKeys) != 1 {
				t.Fatalf("key of %q = %q, encoding/json %v", obj, key, wantKeys)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzAppendString: AppendString writes exactly json.Marshal's bytes for
// any string, invalid UTF-8 included, and they read back (with
// encoding/json and with Value.String) as the same text.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{
		"", "plain", `q"b\s/`, "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<a>&amp;", "é😀", "\u2028\u2029",
		"\xff", "a\xc3", "\xed\xa0\x80", "\xef\xbf\xbd", "\xf4\x90\x80\x80", "\xf0\x9f\x98",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got := AppendString(nil, s)
		if string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q came back as %q", s, back)
		}
		var mine string
		if err := Parse(got, func(v Value) error { mine, _ = v.String(); return nil }); err != nil || mine != back {
			t.Fatalf("%s reads as %q (%v), encoding/json %q", got, mine, err, back)
		}
	})
}

// matchNames are field names of the broker answers.
var matchNames = []string{"accountId", "access_token", "errorCode", "session", "timeStamp", "s", "k"}

// FuzzMatch: a key selects a field under Match exactly when it selects it
// under encoding/json.
func FuzzMatch(f *testing.F) {
	for _, k := range []string{
		"accountId", "ACCOUNTID", "accountid", "account\\u0049d", "access_token", "ACCESS_TOKEN", "errorcode",
		"\u212a", "\u017fession", "SESSION", "\u0130", "timestamp", "TIMESTAMP", "s", "S", "\u017f", "k", "K",
		"\\u212a", "x", "", "accountId ", "\xff",
	} {
		f.Add([]byte(k))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		doc := append(append([]byte(`{"`), key...), `":1}`...)
		if !json.Valid(doc) {
			return
		}
		var want struct {
			AccountID   *int `json:"accountId"`
			AccessToken *int `json:"access_token"`
			ErrorCode   *int `json:"errorCode"`
			Session     *int `json:"session"`
			TimeStamp   *int `json:"timeStamp"`
			S           *int `json:"s"`
			K           *int `json:"k"`
		}
		if err := json.Unmarshal(doc, &want); err != nil {
			t.Fatal(err)
		}
		set := []bool{want.AccountID != nil, want.AccessToken != nil, want.ErrorCode != nil, want.Session != nil,
			want.TimeStamp != nil, want.S != nil, want.K != nil}
		if err := Unmarshal(doc, func(k []byte, v Value) error {
			for i, name := range matchNames {
				if Match(k, name) != set[i] {
					t.Fatalf("Match(%q, %q) = %v, encoding/json %v", k, name, !set[i], set[i])
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
