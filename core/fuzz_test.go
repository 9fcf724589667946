package core

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/brokerauth/brokerauth/internal/testkeys"
)

// FuzzEncryptPassword feeds arbitrary keys, timestamps and passwords to the
// whole public path. It must never panic, and every success must be a
// well-formed ciphertext; every failure must be a typed *Error that does not
// echo the password. The seed corpus runs in every `go test`.
func FuzzEncryptPassword(f *testing.F) {
	f.Add(testkeys.CapitalGuideKey, "1647440528194", "1111qqqq")
	f.Add(testkeys.WrapLines(testkeys.CapitalGuideKey, 64, "\n"), "1", "pässwörd")
	f.Add("-----BEGIN PUBLIC KEY-----\n"+testkeys.WrapLines(testkeys.CapitalGuideKey, 64, "\n")+"\n-----END PUBLIC KEY-----\n", "0", "x")
	f.Add("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----", "1", "x")
	f.Add(testkeys.CapitalGuideKey[:100], "1", "x")
	f.Add("MA==", "1", "x")
	f.Add("", "", "")
	f.Add(testkeys.CapitalGuideKey, "1e10", strings.Repeat("p", 300))
	f.Add(testkeys.CapitalGuideKey, "99999999999999999999", "\xff")
	f.Fuzz(func(t *testing.T, key, ts, password string) {
		out, err := EncryptPassword(key, ts, password)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("untyped error %T", err)
			}
			if e.Code == "" || e.Message == "" {
				t.Fatalf("error without code or message: %#v", e)
			}
			if len(password) >= 6 && strings.Contains(err.Error(), password) {
				t.Fatalf("error echoes the password")
			}
			return
		}
		raw, derr := base64.StdEncoding.DecodeString(out)
		if derr != nil {
			t.Fatalf("output is not standard base64: %v", derr)
		}
		k, perr := ParseEncryptionKey(key)
		if perr != nil {
			t.Fatalf("encrypt succeeded but key does not parse: %v", perr)
		}
		if len(raw) != k.Size() {
			t.Fatalf("ciphertext is %d bytes, key is %d", len(raw), k.Size())
		}
	})
}
