package jws

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The claims and the header must be the bytes encoding/json wrote before:
// a token for the same key and claims is the same token.
func TestClaimsAreWhatEncodingJSONWrites(t *testing.T) {
	for name, claims := range map[string]map[string]any{
		"nil map":  nil,
		"empty":    {},
		"ibkr":     {"iss": "client", "sub": "client", "aud": "/token", "iat": int64(1_700_000_000), "exp": int64(1_700_000_060)},
		"kinds":    {"s": "a\"b\\c<d>&\u2028\x01", "t": true, "f": false, "n": nil, "i": -7, "i32": int32(5), "u": uint64(1 << 63), "u32": uint32(9)},
		"floats":   {"a": 0.0, "b": 1.5, "c": 1e21, "d": 1e-7, "e": -2.5e-9, "f": 123456789.125, "g": 1e20, "h": 1e-6},
		"bad utf8": {"k\xff": "v\xfe"},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(orEmpty(claims))
			require.NoError(t, err)
			got, ok := appendClaims(nil, claims)
			require.True(t, ok)
			assert.Equal(t, string(want), string(got))
		})
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), []string{"x"}, []any{math.NaN()}, map[string]any{"y": struct{}{}}, struct{}{}, make(chan int)} {
		_, ok := appendClaims(nil, map[string]any{"x": bad})
		assert.False(t, ok, "%T", bad)
	}
}

func TestHeaderIsWhatEncodingJSONWrites(t *testing.T) {
	for _, h := range []Header{{Alg: "RS256"}, {Alg: "RS256", Typ: "JWT"}, {Alg: "RS256", Typ: "JWT", Kid: "k<&>\"1"}, {Alg: "RS256", Kid: "k"}} {
		want, err := json.Marshal(h)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendHeader(nil, h)))
	}
}

func FuzzClaimsMatchEncodingJSON(f *testing.F) {
	f.Add("iss", "client", int64(1_700_000_000), 1.5, true)
	f.Add("k\xff", "\u2028<", int64(-1), 1e-9, false)
	f.Fuzz(func(t *testing.T, key, s string, i int64, x float64, b bool) {
		claims := map[string]any{key: s, key + "i": i, key + "b": b, key + "f": x}
		got, ok := appendClaims(nil, claims)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if ok {
				t.Fatal("a NaN or infinite float was encoded")
			}
			return
		}
		want, err := json.Marshal(claims)
		if err != nil || !ok || string(got) != string(want) {
			t.Fatalf("got %q (%v), encoding/json %q (%v)", got, ok, want, err)
		}
	})
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
