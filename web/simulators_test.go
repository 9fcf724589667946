package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core/ibkr"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

// The demo OAuth 1.0a consumer the server publishes (credentials.json and
// the three PEM files) is the one the IBKR simulator registers: a login
// with exactly what it serves works, once with dhParams and once with
// ibind's prime hex and generator.
func TestDemoOAuth1Credentials(t *testing.T) {
	srv := httptest.NewServer(newTestHandler(t, serverOptions{}))
	defer srv.Close()

	fetch := func(path string) (string, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return string(body), res.Header.Get("Content-Type")
	}

	raw, _ := fetch("/sim/credentials.json")
	var creds map[string]map[string]string
	if err := json.Unmarshal([]byte(raw), &creds); err != nil {
		t.Fatalf("credentials.json: %v", err)
	}
	if creds["ibkr"]["clientId"] != ibkrsim.DemoClient().ClientID {
		t.Errorf("the OAuth 2.0 entry changed: %v", creds["ibkr"])
	}
	c := creds["ibkrOAuth1"]
	demo := ibkrsim.DemoOAuth1()
	want := map[string]string{
		"baseURL": ibkrMount, "consumerKey": demo.ConsumerKey, "accessToken": demo.AccessToken,
		"accessTokenSecret": demo.AccessTokenSecret, "signatureKey": demo.SignatureKeyPEM,
		"encryptionKey": demo.EncryptionKeyPEM, "dhParams": demo.DHParamsPEM, "dhPrime": demo.DHPrimeHex,
		"dhGenerator": demo.DHGenerator, "realm": demo.Realm,
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("ibkrOAuth1.%s = %q, want %q", k, c[k], v)
		}
	}
	if len(c) != len(want) {
		t.Errorf("ibkrOAuth1 has %d fields, want %d: %v", len(c), len(want), c)
	}

	for path, field := range map[string]string{
		"/sim/ibkr-oauth1-signature.pem":  "signatureKey",
		"/sim/ibkr-oauth1-encryption.pem": "encryptionKey",
		"/sim/ibkr-oauth1-dhparam.pem":    "dhParams",
		"/sim/ibkr-demo-key.pem":          "",
	} {
		body, ctype := fetch(path)
		if ctype != "application/x-pem-file" || !strings.HasPrefix(body, "-----BEGIN ") {
			t.Errorf("GET %s: %s %.30q", path, ctype, body)
		}
		if field != "" && body != c[field] {
			t.Errorf("GET %s differs from credentials.json's %s", path, field)
		}
		if w := get(newTestHandler(t, serverOptions{}), "POST", path, nil); w.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: %d, want 405", path, w.Code)
		}
	}

	for _, dh := range []struct{ name, params, prime, gen string }{
		{"dhParams", c["dhParams"], "", ""},
		{"dhPrime", "", c["dhPrime"], c["dhGenerator"]},
	} {
		t.Run(dh.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			client, err := ibkr.New(ibkr.Config{
				ConsumerKey: c["consumerKey"], AccessToken: c["accessToken"], AccessTokenSecret: c["accessTokenSecret"],
				SignatureKey: c["signatureKey"], EncryptionKey: c["encryptionKey"],
				DHParams: dh.params, DHPrime: dh.prime, DHGenerator: dh.gen, Realm: c["realm"],
				BaseURL: srv.URL + c["baseURL"],
			})
			if err != nil {
				t.Fatal(err)
			}
			session, err := client.Login(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(session.Headers) != 0 {
				t.Errorf("an OAuth 1.0a session has headers: %v", session.Headers)
			}
			if _, err := client.Request(ctx, "GET", "/v1/api/portfolio/accounts", nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := client.Logout(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
