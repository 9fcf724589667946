// Package replay replays broker answers that other projects recorded
// (fixtures/, SOURCES.md) at the Go clients, by the cases in cases.json;
// test/js/replay.test.mjs replays the same cases at the npm package.
package replay

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/core/ig"
)

type fixture struct {
	Name    string `json:"name"`
	Request struct {
		Method, Path string
	} `json:"request"`
	Response struct {
		Status  int        `json:"status"`
		Headers [][]string `json:"headers"`
		Body    string     `json:"body"`
	} `json:"response"`
}

type serve struct {
	Fixture        string     `json:"fixture"`
	For            string     `json:"for"`
	AddHeaders     [][]string `json:"addHeaders"`
	ReplaceHeaders [][]string `json:"replaceHeaders"`
}

func (s *serve) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &s.Fixture)
	}
	type plain serve
	return json.Unmarshal(b, (*plain)(s))
}

type sent struct {
	Headers       map[string]string `json:"headers"`
	HeadersAbsent []string          `json:"headersAbsent"`
	BodyIncludes  []string          `json:"bodyIncludes"`
	BodyExcludes  []string          `json:"bodyExcludes"`
}

type wantSession struct {
	AccountID         *string           `json:"accountId"`
	AccountIDs        []string          `json:"accountIds"`
	Headers           map[string]string `json:"headers"`
	HeaderNames       []string          `json:"headerNames"`
	ExpiresInSeconds  *json.RawMessage  `json:"expiresInSeconds"`
	StreamingEndpoint *string           `json:"streamingEndpoint"`
	Authenticated     *bool             `json:"authenticated"`
	Competing         *bool             `json:"competing"`
	Connected         *bool             `json:"connected"`
}

type step struct {
	Call string `json:"call"`
	Args struct {
		Method, Path, Body, AccountID string
	} `json:"args"`
	Serve  []serve `json:"serve"`
	Sent   []*sent `json:"sent"`
	Expect struct {
		Session      json.RawMessage `json:"session"`
		Result       map[string]any  `json:"result"`
		Error        map[string]any  `json:"error"`
		SessionAfter *wantSession    `json:"sessionAfter"`
	} `json:"expect"`
}

type replayCase struct {
	Name    string         `json:"name"`
	Broker  string         `json:"broker"`
	Options map[string]any `json:"options"`
	Steps   []step         `json:"steps"`
}

var prefix = map[string]string{"ig": "/gateway/deal", "capital": "", "ibkr": ""}

// hopByHop describe the recorded connection, not the answer.
var hopByHop = map[string]bool{"Transfer-Encoding": true, "Content-Length": true, "Connection": true, "Keep-Alive": true, "Date": true}

// replayer is the server: it answers each request with the next queued
// fixture and notes anything unexpected.
type replayer struct {
	mu       sync.Mutex
	broker   string
	queue    []queued
	seen     int
	problems []string
	replayed map[string]bool
}

type queued struct {
	f      *fixture
	s      serve
	method string
	path   string
	sent   *sent
}

func (r *replayer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	got := req.Method + " " + req.URL.RequestURI()
	if len(r.queue) == 0 {
		r.problems = append(r.problems, "unexpected request "+got)
		w.WriteHeader(599)
		return
	}
	q := r.queue[0]
	r.queue = r.queue[1:]
	r.seen++
	if want := q.method + " " + prefix[r.broker] + q.path; got != want {
		r.problems = append(r.problems, fmt.Sprintf("request %d: %s, expected %s", r.seen, got, want))
		w.WriteHeader(599)
		return
	}
	r.check(q.sent, req.Header, string(body))
	h := w.Header()
	for _, kv := range append(slices.Clone(q.f.Response.Headers), q.s.AddHeaders...) {
		if name := http.CanonicalHeaderKey(kv[0]); !hopByHop[name] {
			h[name] = append(h[name], kv[1])
		}
	}
	for _, kv := range q.s.ReplaceHeaders {
		h.Set(kv[0], kv[1])
	}
	w.WriteHeader(q.f.Response.Status)
	_, _ = io.WriteString(w, q.f.Response.Body)
	r.replayed[q.f.Name] = true
}

func (r *replayer) check(s *sent, h http.Header, body string) {
	if s == nil {
		return
	}
	where := fmt.Sprintf("request %d", r.seen)
	for name, want := range s.Headers {
		if got := h.Get(name); got != want {
			r.problems = append(r.problems, fmt.Sprintf("%s: header %s is %q, expected %q", where, name, got, want))
		}
	}
	for _, name := range s.HeadersAbsent {
		if h.Get(name) != "" {
			r.problems = append(r.problems, where+": header "+name+" must not be sent")
		}
	}
	for _, text := range s.BodyIncludes {
		if !strings.Contains(body, text) {
			r.problems = append(r.problems, where+": body lacks "+text)
		}
	}
	for _, text := range s.BodyExcludes {
		if strings.Contains(body, text) {
			r.problems = append(r.problems, where+": body has "+text)
		}
	}
}

func loadFixture(t *testing.T, name string) *fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("fixtures", name+".json"))
	require.NoError(t, err)
	var f fixture
	require.NoError(t, json.Unmarshal(b, &f))
	return &f
}

// client is what the replay calls, whatever the broker: the calls every
// broker's client has (its core.Engine's), then the broker's own (own).
type client struct {
	engine *core.Engine
	own    func(ctx context.Context, s *step) (any, error)
}

func (c client) session() *core.Session { return c.engine.Session() }

func (c client) call(ctx context.Context, s *step) (any, error) {
	switch s.Call {
	case "login":
		return c.engine.Login(ctx)
	case "logout":
		return nil, c.engine.Logout(ctx)
	case "request":
		r, err := c.engine.Request(ctx, s.Args.Method, s.Args.Path, body(s), nil)
		return jsonBody(r, err, func(r *core.Response) []byte { return r.Body })
	}
	return c.own(ctx, s)
}

func newClient(t *testing.T, c *replayCase, base string, httpc *http.Client) client {
	t.Helper()
	opt := func(name string) (any, bool) { v, ok := c.Options[name]; return v, ok }
	encrypt := func() *bool {
		if v, ok := opt("encrypt"); ok {
			b := v.(bool)
			return &b
		}
		return nil
	}
	switch c.Broker {
	case "ig":
		cfg := ig.Config{APIKey: "replay-api-key", Identifier: "replay-user", Password: "replay-Passw0rd", BaseURL: base, HTTPClient: httpc, Encrypt: encrypt()}
		if v, ok := opt("version"); ok {
			cfg.Version = int(v.(float64))
		}
		cl, err := ig.New(cfg)
		require.NoError(t, err)
		return client{cl.Engine, func(ctx context.Context, s *step) (any, error) {
			switch s.Call {
			case "switchAccount":
				return cl.SwitchAccount(ctx, s.Args.AccountID)
			case "setDefaultAccount":
				return cl.SetDefaultAccount(ctx, s.Args.AccountID)
			case "sessionTokens":
				cst, xst, err := cl.SessionTokens(ctx)
				return map[string]any{"cst": cst, "xst": xst}, err
			}
			return nil, fmt.Errorf("no IG call %q", s.Call)
		}}
	case "capital":
		cl, err := capital.New(capital.Config{APIKey: "replay-api-key", Identifier: "replay-user", Password: "replay-Passw0rd", BaseURL: base, HTTPClient: httpc, Encrypt: encrypt()})
		require.NoError(t, err)
		return client{cl.Engine, func(ctx context.Context, s *step) (any, error) {
			switch s.Call {
			case "switchAccount":
				return cl.SwitchAccount(ctx, s.Args.AccountID)
			case "ping":
				return nil, cl.Ping(ctx)
			}
			return nil, fmt.Errorf("no Capital.com call %q", s.Call)
		}}
	}
	cl, err := ibkr.New(ibkr.Config{ClientID: "replay-client", ClientKeyID: "replay-kid", Credential: "replay-user",
		PrivateKey: ibkrKey(t), IP: "203.0.113.7", BaseURL: base, HTTPClient: httpc})
	require.NoError(t, err)
	return client{cl.Engine, func(ctx context.Context, s *step) (any, error) {
		if s.Call == "tickle" {
			r, err := cl.Tickle(ctx)
			if err != nil {
				return nil, err
			}
			return map[string]any{"session": r.Session, "authenticated": r.Authenticated, "competing": r.Competing, "connected": r.Connected}, nil
		}
		return nil, fmt.Errorf("no IBKR call %q", s.Call)
	}}
}

func body(s *step) []byte {
	if s.Args.Body == "" {
		return nil
	}
	return []byte(s.Args.Body)
}

func jsonBody[R any](r R, err error, raw func(R) []byte) (any, error) {
	if err != nil {
		return nil, err
	}
	var v any
	if b := raw(r); len(b) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

var keyOnce = sync.OnceValue(func() string {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
})

func ibkrKey(t *testing.T) string { t.Helper(); return keyOnce() }

func checkSession(t *testing.T, got *core.Session, want *wantSession, what string) {
	t.Helper()
	require.NotNil(t, got, "%s: a session", what)
	if want.AccountID != nil {
		assert.Equal(t, *want.AccountID, got.AccountID, "%s: accountId", what)
	}
	if want.AccountIDs != nil {
		var ids []string
		for _, a := range got.Accounts {
			ids = append(ids, a.ID)
		}
		assert.Equal(t, want.AccountIDs, ids, "%s: accounts", what)
	}
	for k, v := range want.Headers {
		assert.Equal(t, v, got.Headers[k], "%s: header %s", what, k)
	}
	if want.HeaderNames != nil {
		var names []string
		for k := range got.Headers {
			names = append(names, k)
		}
		slices.Sort(names)
		assert.Equal(t, want.HeaderNames, names, "%s: header names", what)
	}
	if want.ExpiresInSeconds != nil {
		var secs *float64
		require.NoError(t, json.Unmarshal(*want.ExpiresInSeconds, &secs))
		if secs == nil {
			assert.True(t, got.ExpiresAt.IsZero(), "%s: no expiry", what)
		} else {
			assert.InDelta(t, *secs, time.Until(got.ExpiresAt).Seconds(), 5, "%s: expiry", what)
		}
	}
	if want.StreamingEndpoint != nil {
		assert.Equal(t, *want.StreamingEndpoint, got.StreamingEndpoint, "%s: streamingEndpoint", what)
	}
	for name, pair := range map[string][2]*bool{"authenticated": {want.Authenticated, &got.Authenticated}, "competing": {want.Competing, &got.Competing}, "connected": {want.Connected, &got.Connected}} {
		if pair[0] != nil {
			assert.Equal(t, *pair[0], *pair[1], "%s: %s", what, name)
		}
	}
}

// assertSubset: every member of want is in got, recursively; arrays match
// element by element from the start.
func assertSubset(t *testing.T, got, want any, what string) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !assert.True(t, ok, "%s: an object, got %T", what, got) {
			return
		}
		for k, v := range w {
			assertSubset(t, g[k], v, what+"."+k)
		}
	case []any:
		g, ok := got.([]any)
		if !assert.True(t, ok && len(g) >= len(w), "%s: an array of at least %d", what, len(w)) {
			return
		}
		for i, v := range w {
			assertSubset(t, g[i], v, fmt.Sprintf("%s[%d]", what, i))
		}
	default:
		assert.Equal(t, want, got, what)
	}
}

func TestReplay(t *testing.T) {
	b, err := os.ReadFile("cases.json")
	require.NoError(t, err)
	var doc struct{ Cases []replayCase }
	require.NoError(t, json.Unmarshal(b, &doc))
	replayed := map[string]bool{}
	for i := range doc.Cases {
		c := &doc.Cases[i]
		t.Run(c.Broker+": "+c.Name, func(t *testing.T) {
			r := &replayer{broker: c.Broker, replayed: replayed}
			srv := httptest.NewServer(r)
			defer srv.Close()
			cl := newClient(t, c, srv.URL+prefix[c.Broker], srv.Client())
			for i := range c.Steps {
				s := &c.Steps[i]
				what := fmt.Sprintf("step %d (%s)", i+1, s.Call)
				r.mu.Lock()
				r.queue, r.seen, r.problems = nil, 0, nil
				for j, e := range s.Serve {
					f := loadFixture(t, e.Fixture)
					method, path := f.Request.Method, f.Request.Path
					if e.For != "" {
						method, path, _ = strings.Cut(e.For, " ")
					}
					q := queued{f: f, s: e, method: method, path: path}
					if j < len(s.Sent) {
						q.sent = s.Sent[j]
					}
					r.queue = append(r.queue, q)
				}
				r.mu.Unlock()

				result, err := cl.call(context.Background(), s)

				r.mu.Lock()
				problems, left := r.problems, len(r.queue)
				r.mu.Unlock()
				require.Empty(t, problems, "%s: requests (error: %v)", what, err)
				require.Zero(t, left, "%s: recorded answers never asked for (error: %v)", what, err)
				if e := s.Expect.Error; e != nil {
					var ce *core.Error
					require.True(t, errors.As(err, &ce), "%s: a *core.Error, got %v", what, err)
					assert.Equal(t, c.Broker, ce.Broker, what)
					for k, v := range map[string]any{"code": string(ce.Code), "status": float64(ce.Status), "retryable": ce.Retryable, "step": ce.Step} {
						if w, ok := e[k]; ok {
							assert.Equal(t, w, v, "%s: error %s (%s)", what, k, ce.Message)
						}
					}
					if m, ok := e["messageIncludes"].(string); ok {
						assert.Contains(t, ce.Message, m, what)
					}
				} else {
					require.NoError(t, err, what)
				}
				switch {
				case string(s.Expect.Session) == "null":
					assert.Nil(t, cl.session(), "%s: no session", what)
				case s.Expect.Session != nil:
					var want wantSession
					require.NoError(t, json.Unmarshal(s.Expect.Session, &want))
					got, _ := result.(*core.Session)
					checkSession(t, got, &want, what)
				}
				if s.Expect.Result != nil {
					assertSubset(t, result, any(s.Expect.Result), what+": result")
				}
				if s.Expect.SessionAfter != nil {
					checkSession(t, cl.session(), s.Expect.SessionAfter, what+": session after")
				}
			}
		})
	}
	counts := map[string]int{}
	for name := range replayed {
		broker, _, _ := strings.Cut(name, "/")
		counts[broker]++
	}
	t.Logf("replayed recorded fixtures: IG %d, Capital.com %d, IBKR %d", counts["ig"], counts["capital"], counts["ibkr"])
	assert.True(t, counts["ig"] >= 8 && counts["capital"] >= 6 && counts["ibkr"] >= 6, "%v", counts)
}
