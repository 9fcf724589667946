package cstsession

import (
	"bytes"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// cstLoginBody is the part of IG's v2 and Capital.com's login answer that a
// session needs; the rest is the caller's business. Its fields are read as
// encoding/json read them (see jsonlite): each must have its type or be
// null, whatever else the answer holds.
type cstLoginBody struct {
	CurrentAccountID      string
	LightstreamerEndpoint string // IG
	StreamingHost         string // Capital.com
	Accounts              []account
}

func (b *cstLoginBody) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "currentAccountId"):
		return v.ReadString(&b.CurrentAccountID)
	case jsonlite.Match(key, "lightstreamerEndpoint"):
		return v.ReadString(&b.LightstreamerEndpoint)
	case jsonlite.Match(key, "streamingHost"):
		return v.ReadString(&b.StreamingHost)
	case jsonlite.Match(key, "accounts"):
		return jsonlite.Slice(v, &b.Accounts, (*account).read)
	}
	return nil
}

type account struct {
	AccountID   string
	AccountName string
	AccountType string
	Preferred   bool
}

func (a *account) read(v jsonlite.Value) error { return v.Struct(a.field) }

func (a *account) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "accountId"):
		return v.ReadString(&a.AccountID)
	case jsonlite.Match(key, "accountName"):
		return v.ReadString(&a.AccountName)
	case jsonlite.Match(key, "accountType"):
		return v.ReadString(&a.AccountType)
	case jsonlite.Match(key, "preferred"):
		return v.ReadBool(&a.Preferred)
	}
	return nil
}

// ParseCSTLogin builds a session from a 2xx CST login answer: the CST and
// X-SECURITY-TOKEN headers plus the body. Missing tokens, a body that is not
// JSON or one without currentAccountId are bad_response.
func ParseCSTLogin(broker, step string, r *Reply, apiKeyHeader, apiKey string) (*core.Session, error) {
	cst, xst := TokenHeader(r.Header, "CST"), TokenHeader(r.Header, "X-SECURITY-TOKEN")
	if cst == "" || xst == "" {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer lacks the CST or X-SECURITY-TOKEN header (if in a browser, the broker must expose them via CORS)")
	}
	var b cstLoginBody
	if err := jsonlite.Unmarshal(r.Body, b.field); err != nil {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer is not valid JSON")
	}
	if b.CurrentAccountID == "" {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer lacks currentAccountId")
	}
	s := &core.Session{
		Broker:            broker,
		AccountID:         b.CurrentAccountID,
		Accounts:          toAccounts(b.Accounts),
		Headers:           map[string]string{apiKeyHeader: apiKey, "CST": cst, "X-SECURITY-TOKEN": xst},
		StreamingEndpoint: b.LightstreamerEndpoint,
	}
	if s.StreamingEndpoint == "" {
		s.StreamingEndpoint = b.StreamingHost
	}
	return s, nil
}

// toAccounts converts the brokers' account list.
func toAccounts(in []account) []core.Account {
	out := make([]core.Account, 0, len(in))
	for _, a := range in {
		out = append(out, core.Account{ID: a.AccountID, Name: a.AccountName, Type: a.AccountType, Preferred: a.Preferred})
	}
	return out
}

// CheckSwitchAnswer vets a 2xx answer to PUT /session before the session
// changes: a body, if any, must be a JSON object without an errorCode.
// Otherwise the answer is bad_response and the session stays as it was:
// naming an account the broker never switched to would send later calls to
// the wrong account.
func CheckSwitchAnswer(broker string, r *Reply) error {
	if len(bytes.TrimSpace(r.Body)) > 0 {
		// Read as a map used to be: any member goes, the key is matched
		// exactly (map keys are not folded), and null is no object.
		hasCode := false
		err := jsonlite.Parse(r.Body, func(v jsonlite.Value) error {
			return v.Object(func(key []byte, _ jsonlite.Value) error {
				hasCode = hasCode || string(key) == "errorCode"
				return nil
			})
		})
		if err != nil {
			return core.BadResponse(broker, "switch", r.Status, "the account switch answer is not a JSON object")
		}
		if hasCode {
			return core.BadResponse(broker, "switch", r.Status, "the account switch answer carries an errorCode")
		}
	}
	return nil
}

// AfterSwitch returns a copy of s on accountID, adopting the new
// X-SECURITY-TOKEN of the switch answer r when it has one. IG sends one
// (and the old one dies), but has been seen not to (docs/PROTOCOLS.md §6);
// without one the old token is kept, and should the broker refuse it, the
// next call's re-login puts the session back on accountID.
func AfterSwitch(s *core.Session, accountID string, r *Reply) *core.Session {
	c := s.Clone()
	c.AccountID = accountID
	if xst := TokenHeader(r.Header, "X-SECURITY-TOKEN"); xst != "" {
		c.Headers["X-SECURITY-TOKEN"] = xst
	}
	return c
}
