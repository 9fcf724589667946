package jws_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

// FuzzVerify: Verify must never panic, and must fail with a typed error on
// anything but a token the key signed.
func FuzzVerify(f *testing.F) {
	k := key(f)
	good, err := jws.Sign(k, jws.Header{Kid: "k"}, map[string]any{"iss": "x", "exp": 1})
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(good, ".")
	f.Add(good)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + ".." + parts[2])
	f.Add("..")
	f.Add("")
	f.Add("a.b.c")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`)) + ".e30.AAAA")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":{}}`)) + ".e30.AAAA")
	f.Add(good + "=")
	f.Fuzz(func(t *testing.T, token string) {
		h, c, err := jws.Verify(token, &k.PublicKey)
		if err != nil {
			var e *core.Error
			if !errors.As(err, &e) || e.Code != jws.CodeInvalidToken {
				t.Fatalf("untyped error %v", err)
			}
			if len(token) > 20 && strings.Contains(err.Error(), token) {
				t.Fatalf("error quotes the token")
			}
			return
		}
		if h["alg"] != "RS256" || c == nil {
			t.Fatalf("accepted a token without RS256 header or claims")
		}
		if token != good {
			// PKCS#1 v1.5 verification with canonical base64url admits
			// exactly one encoding of the one signature we made.
			t.Fatalf("accepted a token we did not sign")
		}
	})
}

// FuzzParsePrivateKey: never a panic, and every failure is invalid_key.
// Its seeds use the simulator's fixed demo key: generating a key under
// fuzzing instrumentation takes longer than a whole fuzz run.
func FuzzParsePrivateKey(f *testing.F) {
	demo := ibkrsim.DemoClient().PrivateKeyPEM
	f.Add(demo)
	if k, err := jws.ParsePrivateKey(demo); err == nil {
		f.Add(pkcs1PEM(k))
	}
	f.Add("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----")
	f.Add("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nMAA=\n-----END RSA PRIVATE KEY-----")
	f.Add("MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA")
	f.Add("")
	f.Add("-----BEGIN")
	f.Fuzz(func(t *testing.T, in string) {
		k, err := jws.ParsePrivateKey(in)
		if err != nil {
			var e *core.Error
			if !errors.As(err, &e) || e.Code != core.CodeInvalidKey || e.Message == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if k.N.BitLen() < jws.MinKeyBits {
			t.Fatalf("accepted a %d-bit key", k.N.BitLen())
		}
	})
}
