package cstsession

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/brokerauth/brokerauth/core"
)

// StepEncryptionKey is the step name of the key fetch.
const StepEncryptionKey = "encryptionKey"

// EncryptPassword fetches the broker's key (GET keyURL with header) and
// returns the password encrypted with it, ready for
// {"password": …, "encryptedPassword": true}.
func (c *Caller) EncryptPassword(ctx context.Context, keyURL string, header http.Header, password string) (string, error) {
	r, err := c.Expect(ctx, StepEncryptionKey, http.MethodGet, keyURL, header, nil)
	if err != nil {
		return "", err
	}
	var kb struct {
		EncryptionKey string          `json:"encryptionKey"`
		TimeStamp     json.RawMessage `json:"timeStamp"`
	}
	if json.Unmarshal(r.Body, &kb) != nil {
		return "", core.BadResponse(c.Broker, StepEncryptionKey, r.Status, "the encryptionKey answer is not JSON")
	}
	// The brokers send timeStamp as a JSON number; accept a quoted one too.
	ts := strings.Trim(string(kb.TimeStamp), `"`)
	if kb.EncryptionKey == "" || ts == "" {
		return "", core.BadResponse(c.Broker, StepEncryptionKey, r.Status, "the encryptionKey answer lacks encryptionKey or timeStamp")
	}
	enc, err := core.EncryptPassword(kb.EncryptionKey, ts, password)
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			out := *ce // a copy: the error names this broker and step
			out.Broker, out.Step, out.Status = c.Broker, StepEncryptionKey, r.Status
			if out.Code == core.CodeInvalidArgument { // a bad timeStamp is the broker's fault
				out.Code = core.CodeBadResponse
			}
			return "", &out
		}
		return "", core.BadResponse(c.Broker, StepEncryptionKey, r.Status, "cannot encrypt with the broker's key")
	}
	return enc, nil
}

// LoginBody is the JSON body of POST /session at both brokers.
func LoginBody(identifier, password string, encrypted bool, withFlag bool) []byte {
	body := map[string]any{"identifier": identifier, "password": password}
	if withFlag {
		body["encryptedPassword"] = encrypted
	}
	b, _ := json.Marshal(body)
	return b
}
