package cstsession

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
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
	key, ts, ok := readEncryptionKey(r.Body)
	if !ok {
		return "", core.BadResponse(c.Broker, StepEncryptionKey, r.Status, "the encryptionKey answer is not JSON")
	}
	if key == "" || ts == "" {
		return "", core.BadResponse(c.Broker, StepEncryptionKey, r.Status, "the encryptionKey answer lacks encryptionKey or timeStamp")
	}
	enc, err := core.EncryptPassword(key, ts, password)
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

// readEncryptionKey reads {"encryptionKey": "…", "timeStamp": …}; ok is
// false for a body that is not JSON or has a key that is not a string.
func readEncryptionKey(body []byte) (key, timeStamp string, ok bool) {
	// timeStamp is kept as the JSON text it is (any type, null included),
	// as the json.RawMessage it used to be read into.
	var stamp []byte
	err := jsonlite.Unmarshal(body, func(k []byte, v jsonlite.Value) error {
		switch {
		case jsonlite.Match(k, "encryptionKey"):
			return v.ReadString(&key)
		case jsonlite.Match(k, "timeStamp"):
			stamp = v.Raw()
		}
		return nil
	})
	if err != nil {
		return "", "", false
	}
	// The brokers send timeStamp as a JSON number; accept a quoted one too.
	return key, strings.Trim(string(stamp), `"`), true
}

// LoginBody is the JSON body of POST /session at both brokers. The keys
// are in the order encoding/json wrote them from a map (sorted), so the
// body is byte for byte what it always was.
func LoginBody(identifier, password string, encrypted bool, withFlag bool) []byte {
	var w jsonlite.ObjectWriter
	if withFlag {
		w.Bool("encryptedPassword", encrypted)
	}
	w.String("identifier", identifier)
	w.String("password", password)
	return w.Bytes()
}
