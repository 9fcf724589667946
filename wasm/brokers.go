//go:build js && wasm

package main

import (
	"context"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// brokerNames orders the table: ba.ig, ba.capital, ba.ibkr.
var brokerNames = []string{core.BrokerIG, core.BrokerCapital, core.BrokerIBKR}

// Options every client takes. onSessionChange is the wrapper's (a function
// does not cross as JSON).
var (
	optBaseURL = option{name: "baseURL", kind: "string", doc: "Replaces the environment's base URL; https unless the host is loopback."}
	optTimeout = option{name: "timeoutMs", kind: "number", min: 1, max: 1<<31 - 1, doc: "Bounds each HTTP call, in milliseconds; default 30 000."}
	optEnv     = option{name: "environment", kind: "string", ts: "'demo' | 'live'", doc: "Default 'demo'."}
	// store and onStoreError are the wrapper's too; fallback goes with them.
	optFallback = option{name: "fallback", kind: "string", ts: "'local'", doc: "With a store: 'local' logs in alone when the store cannot be reached, rather than fail the call."}
)

// credentials are the options of a login with an API key (IG, Capital.com).
var credentials = []option{
	{name: "apiKey", kind: "string", required: true, doc: "The API key."},
	{name: "identifier", kind: "string", required: true, doc: "The login name."},
	{name: "password", kind: "string", required: true, doc: "The password; it crosses into the wasm once, when the client is made."},
}

// timeout reads timeoutMs.
func timeout(o *optionValues) time.Duration {
	return time.Duration(o.num("timeoutMs") * float64(time.Millisecond))
}

// asJSON renders a map of strings and booleans as JSON text for the
// wrapper to parse.
func asJSON(fill func(w *jsonlite.ObjectWriter)) string {
	var w jsonlite.ObjectWriter
	fill(&w)
	return string(w.Bytes())
}

var apis = map[string]brokerAPI{
	core.BrokerIG: &broker[ig.Client]{
		name:        core.BrokerIG,
		doc:         "A session client for IG (REST Trading API v2 or v3).",
		ts:          "IG",
		session:     "CSTSession",
		keepAliveMs: 60_000,
		options: append(append([]option{}, credentials...), optEnv, optBaseURL, optTimeout, optFallback,
			option{name: "version", kind: "number", ts: "2 | 3", min: 2, max: 3, doc: "The login version: 2 (default, CST/X-SECURITY-TOKEN) or 3 (OAuth)."},
			option{name: "encrypt", kind: "boolean", doc: "Encrypt the password; default true for v2, and v3 takes no encrypted password."}),
		build: func(o *optionValues, x clientHooks) (*ig.Client, *core.Engine, error) {
			c, err := ig.New(ig.Config{
				APIKey: o.str("apiKey"), Identifier: o.str("identifier"), Password: o.str("password"),
				Environment: o.str("environment"), BaseURL: o.str("baseURL"), Version: int(o.num("version")),
				Encrypt: o.boolPtr("encrypt"), Timeout: timeout(o), HTTP: transport, OnSessionChange: x.onChange, Sharing: x.sharing,
			})
			if err != nil {
				return nil, nil, err
			}
			return c, c.Engine, nil
		},
		methods: []method[ig.Client]{
			{
				name: "switchAccount", params: []param{{"accountId", "string"}}, result: "CSTSession", returns: "session",
				doc: "Switch to another account. v2: PUT /session (a new X-SECURITY-TOKEN); v3: no request, IG-ACCOUNT-ID names the account on every later call. An account the v2 login does not list is `invalid_argument`. The account stays chosen across automatic re-logins; login() and logout() forget it.",
				run: func(ctx context.Context, c *ig.Client, a []string) (any, error) { return c.SwitchAccount(ctx, a[0]) },
			},
			{
				name: "setDefaultAccount", params: []param{{"accountId", "string"}}, result: "CSTSession", returns: "session",
				doc: "Switch and make the account IG's default for later logins (PUT /session with defaultAccount; v3 fetches CST/X-SECURITY-TOKEN for it).",
				run: func(ctx context.Context, c *ig.Client, a []string) (any, error) {
					return c.SetDefaultAccount(ctx, a[0])
				},
			},
			{
				name: "sessionTokens", result: "{ readonly cst: string; readonly xst: string }", returns: "json",
				doc: "The session's CST and X-SECURITY-TOKEN (v3: GET /session?fetchSessionTokens=true). Secrets.",
				run: func(ctx context.Context, c *ig.Client, _ []string) (any, error) {
					cst, xst, err := c.SessionTokens(ctx)
					return asJSON(func(w *jsonlite.ObjectWriter) { w.String("cst", cst); w.String("xst", xst) }), err
				},
			},
			{
				name: "streamingCredentials", result: "StreamingCredentials", returns: "json",
				doc: "The Lightstreamer login: { endpoint, accountId (the user name), cst, xst, password: 'CST-…|XST-…' }. v3 sessions fetch CST and X-SECURITY-TOKEN for it.",
				run: func(ctx context.Context, c *ig.Client, _ []string) (any, error) {
					sc, err := c.StreamingCredentials(ctx)
					if err != nil {
						return nil, err
					}
					return asJSON(func(w *jsonlite.ObjectWriter) {
						w.String("endpoint", sc.Endpoint)
						w.String("accountId", sc.AccountID)
						w.String("cst", sc.CST)
						w.String("xst", sc.XST)
						w.String("password", sc.Password)
					}), nil
				},
			},
		},
	},
	core.BrokerCapital: &broker[capital.Client]{
		name:    core.BrokerCapital,
		doc:     "A session client for Capital.com.",
		ts:      "Capital",
		session: "CSTSession",
		// Capital.com drops a session after 10 minutes without a call.
		keepAliveMs: 5 * 60_000,
		options: append(append([]option{}, credentials...), optEnv, optBaseURL, optTimeout, optFallback,
			option{name: "encrypt", kind: "boolean", doc: "Encrypt the password; default true."}),
		build: func(o *optionValues, x clientHooks) (*capital.Client, *core.Engine, error) {
			c, err := capital.New(capital.Config{
				APIKey: o.str("apiKey"), Identifier: o.str("identifier"), Password: o.str("password"),
				Environment: o.str("environment"), BaseURL: o.str("baseURL"), Encrypt: o.boolPtr("encrypt"),
				Timeout: timeout(o), HTTP: transport, OnSessionChange: x.onChange, Sharing: x.sharing,
			})
			if err != nil {
				return nil, nil, err
			}
			return c, c.Engine, nil
		},
		methods: []method[capital.Client]{
			{
				name: "switchAccount", params: []param{{"accountId", "string"}}, result: "CSTSession", returns: "session",
				doc: "Switch to another account (PUT /api/v1/session). An account the login does not list is `invalid_argument`. The account stays chosen across automatic re-logins.",
				run: func(ctx context.Context, c *capital.Client, a []string) (any, error) {
					return c.SwitchAccount(ctx, a[0])
				},
			},
			{
				name: "ping", result: "void", returns: "void",
				doc: "GET /api/v1/ping: keeps the session from its 10-minute idle death.",
				run: func(ctx context.Context, c *capital.Client, _ []string) (any, error) { return nil, c.Ping(ctx) },
			},
		},
	},
	core.BrokerIBKR: &broker[ibkr.Client]{
		name:        core.BrokerIBKR,
		doc:         "A session client for the Interactive Brokers Web API: OAuth 2.0 (given clientId) or OAuth 1.0a (given consumerKey).",
		ts:          "IBKR",
		session:     "IBKRSession",
		keepAliveMs: 60_000,
		modes: []mode{
			{name: "OAuth2", doc: "OAuth 2.0 with a private-key JWT, as ibauth does it."},
			{name: "OAuth1", doc: "OAuth 1.0a with a live session token, as ibind does it: the values IBKR's self-service portal issues."},
		},
		options: []option{
			{name: "clientId", mode: "OAuth2", kind: "string", required: true, doc: "OAuth client_id."},
			{name: "clientKeyId", mode: "OAuth2", kind: "string", required: true, doc: "client_key_id: the kid of every JWS."},
			{name: "credential", mode: "OAuth2", kind: "string", required: true, doc: "The IBKR user name."},
			{name: "privateKey", mode: "OAuth2", kind: "string", required: true, doc: "RSA private key, PEM (PKCS#8 or PKCS#1). Keep it on a server."},
			{name: "ip", mode: "OAuth2", kind: "string", doc: "The public IP baked into the bearer token; default: ask ipLookupURL."},
			{name: "ipLookupURL", mode: "OAuth2", kind: "string", doc: "Default 'https://api.ipify.org'."},
			{name: "consumerKey", mode: "OAuth1", kind: "string", required: true, doc: "The consumer key (TESTCONS in IBKR's examples)."},
			{name: "accessToken", mode: "OAuth1", kind: "string", required: true, doc: "The access token (oauth_token)."},
			{name: "accessTokenSecret", mode: "OAuth1", kind: "string", required: true, doc: "The access token secret as IBKR issues it: base64, encrypted to encryptionKey's public half."},
			{name: "signatureKey", mode: "OAuth1", kind: "string", required: true, doc: "RSA private signature key, PEM (PKCS#8 or PKCS#1). Keep it on a server."},
			{name: "encryptionKey", mode: "OAuth1", kind: "string", required: true, doc: "RSA private encryption key, PEM (PKCS#8 or PKCS#1): decrypts accessTokenSecret."},
			{name: "dhParams", mode: "OAuth1", kind: "string", doc: "The dhparam.pem registered with IBKR, as text; or give dhPrime."},
			{name: "dhPrime", mode: "OAuth1", kind: "string", doc: "The Diffie-Hellman prime as hex (ibind's dh_prime); or give dhParams."},
			{name: "dhGenerator", mode: "OAuth1", kind: "integer", ts: "number | string", doc: "The Diffie-Hellman generator with dhPrime; default 2."},
			{name: "realm", mode: "OAuth1", kind: "string", doc: "Default 'limited_poa' ('test_realm' for TESTCONS)."},
			{name: "domain", kind: "string", doc: "Default 'api.ibkr.com'."},
			optBaseURL,
			optTimeout,
			optFallback,
		},
		build: func(o *optionValues, x clientHooks) (*ibkr.Client, *core.Engine, error) {
			c, err := ibkr.New(ibkr.Config{
				ClientID: o.str("clientId"), ClientKeyID: o.str("clientKeyId"), Credential: o.str("credential"),
				PrivateKey: o.str("privateKey"), IP: o.str("ip"), IPLookupURL: o.str("ipLookupURL"),
				ConsumerKey: o.str("consumerKey"), AccessToken: o.str("accessToken"), AccessTokenSecret: o.str("accessTokenSecret"),
				SignatureKey: o.str("signatureKey"), EncryptionKey: o.str("encryptionKey"),
				DHParams: o.str("dhParams"), DHPrime: o.str("dhPrime"), DHGenerator: o.str("dhGenerator"), Realm: o.str("realm"),
				Domain: o.str("domain"), BaseURL: o.str("baseURL"), Timeout: timeout(o), HTTP: transport, OnSessionChange: x.onChange, Sharing: x.sharing,
			})
			if err != nil {
				return nil, nil, err
			}
			return c, c.Engine, nil
		},
		methods: []method[ibkr.Client]{
			{
				name: "validate", result: "Record<string, unknown>", returns: "json",
				doc: "GET /v1/api/sso/validate, parsed.",
				run: func(ctx context.Context, c *ibkr.Client, _ []string) (any, error) {
					body, err := c.Validate(ctx)
					if err != nil {
						return nil, err
					}
					// body is what Value.Any decoded: AppendAny writes all of it.
					text, _ := jsonlite.AppendAny(nil, body)
					return string(text), nil
				},
			},
			{
				name: "authorizationHeader", params: []param{{"method", "string"}, {"url", "string"}}, result: "string", returns: "json",
				doc: "The Authorization header value for a request you send yourself (url: a path such as '/v1/api/tickle' or an absolute URL under baseURL), logging in first if needed. OAuth 1.0a signs method, URL and query afresh each time; OAuth 2.0 returns the bearer token. Send form-encoded bodies through request(), which signs their fields.",
				run: func(ctx context.Context, c *ibkr.Client, a []string) (any, error) {
					h, err := c.AuthorizationHeader(ctx, a[0], a[1])
					if err != nil {
						return nil, err
					}
					return string(jsonlite.AppendString(nil, h)), nil
				},
			},
			{
				name: "tickle", result: "TickleResult", returns: "json",
				doc: "POST /v1/api/tickle → { session, authenticated, competing, connected }.",
				run: func(ctx context.Context, c *ibkr.Client, _ []string) (any, error) {
					t, err := c.Tickle(ctx)
					return tickleJSON(t, true), err
				},
			},
			{
				name: "status", result: "Omit<TickleResult, 'session'>", returns: "json",
				doc: "POST /v1/api/iserver/auth/status → { authenticated, competing, connected }.",
				run: func(ctx context.Context, c *ibkr.Client, _ []string) (any, error) {
					t, err := c.Status(ctx)
					return tickleJSON(t, false), err
				},
			},
		},
	},
}

func tickleJSON(t *ibkr.TickleResult, withSession bool) any {
	if t == nil {
		return nil
	}
	return asJSON(func(w *jsonlite.ObjectWriter) {
		if withSession {
			w.String("session", t.Session)
		}
		w.Bool("authenticated", t.Authenticated)
		w.Bool("competing", t.Competing)
		w.Bool("connected", t.Connected)
	})
}
