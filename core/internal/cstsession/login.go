package cstsession

import (
	"bytes"
	"encoding/json"

	"github.com/brokerauth/brokerauth/core"
)

// cstLoginBody is the part of IG's v2 and Capital.com's login answer that a
// session needs; the rest is the caller's business.
type cstLoginBody struct {
	CurrentAccountID      string    `json:"currentAccountId"`
	LightstreamerEndpoint string    `json:"lightstreamerEndpoint"` // IG
	StreamingHost         string    `json:"streamingHost"`         // Capital.com
	Accounts              []account `json:"accounts"`
}

type account struct {
	AccountID   string `json:"accountId"`
	AccountName string `json:"accountName"`
	AccountType string `json:"accountType"`
	Preferred   bool   `json:"preferred"`
}

// ParseCSTLogin builds a session from a 2xx CST login answer: the CST and
// X-SECURITY-TOKEN headers plus the body. Missing tokens, a body that is not
// JSON or one without currentAccountId are bad_response.
func ParseCSTLogin(broker, step string, r *Reply, apiKeyHeader, apiKey string) (*core.Session, error) {
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
	if cst == "" || xst == "" {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer lacks the CST or X-SECURITY-TOKEN header (if in a browser, the broker must expose them via CORS)")
	}
	var b cstLoginBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
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
// changes: a body, if any, must be a JSON object without an errorCode, and
// where the broker hands out a new X-SECURITY-TOKEN on a switch (IG v2) it
// must be there. Otherwise the answer is bad_response and the session stays
// as it was: adopting a bogus token, or naming an account the broker never
// switched to, would send later calls to the wrong account.
func CheckSwitchAnswer(broker string, r *Reply, needXST bool) error {
	if len(bytes.TrimSpace(r.Body)) > 0 {
		var body map[string]json.RawMessage
		if json.Unmarshal(r.Body, &body) != nil || body == nil {
			return core.BadResponse(broker, "switch", r.Status, "the account switch answer is not a JSON object")
		}
		if _, has := body["errorCode"]; has {
			return core.BadResponse(broker, "switch", r.Status, "the account switch answer carries an errorCode")
		}
	}
	if needXST && r.Header.Get("X-SECURITY-TOKEN") == "" {
		return core.BadResponse(broker, "switch", r.Status, "the account switch answer has no X-SECURITY-TOKEN")
	}
	return nil
}

// WithXST returns a copy of s on accountID, adopting a new
// X-SECURITY-TOKEN when the broker sent one (IG always does after a
// switch; the old one is dead then).
func WithXST(s *core.Session, accountID, newXST string) *core.Session {
	c := s.Clone()
	c.AccountID = accountID
	if newXST != "" {
		c.Headers["X-SECURITY-TOKEN"] = newXST
	}
	return c
}
