package core

import (
	"time"

	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// extraStoreID keys a session's id in its extra state: the Engine gives
// every session it makes a new one, so that a process that finds the
// session dead can tell whether the store still holds that session (then
// it replaces it) or a newer one (then it takes that).
const extraStoreID = "store-id"

// encodeSession writes s as a store entry: JSON, every field of the
// session, its extra state included.
func encodeSession(s *Session) []byte {
	var w jsonlite.ObjectWriter
	w.Int("v", 1)
	w.String("broker", s.Broker)
	w.String("accountId", s.AccountID)
	accounts := []byte{'['}
	for i, a := range s.Accounts {
		if i > 0 {
			accounts = append(accounts, ',')
		}
		var o jsonlite.ObjectWriter
		o.String("id", a.ID)
		o.String("name", a.Name)
		o.String("type", a.Type)
		o.Bool("preferred", a.Preferred)
		accounts = append(accounts, o.Bytes()...)
	}
	w.Raw("accounts", append(accounts, ']'))
	w.Raw("headers", stringMap(s.Headers))
	if !s.ExpiresAt.IsZero() {
		w.Int("expiresAt", s.ExpiresAt.UnixMilli())
	}
	w.String("streamingEndpoint", s.StreamingEndpoint)
	w.Bool("authenticated", s.Authenticated)
	w.Bool("competing", s.Competing)
	w.Bool("connected", s.Connected)
	w.Raw("extra", stringMap(s.extra))
	return w.Bytes()
}

func stringMap(m map[string]string) []byte {
	var o jsonlite.ObjectWriter
	for k, v := range m {
		o.String(k, v)
	}
	return o.Bytes()
}

// decodeSession reads a store entry encodeSession wrote. An entry of
// another version, or one that is not such an object, is an error.
func decodeSession(b []byte) (*Session, error) {
	s := &Session{}
	version := 0.0
	err := jsonlite.Unmarshal(b, func(key []byte, v jsonlite.Value) error {
		switch {
		case jsonlite.Match(key, "v"):
			f, _ := v.Float64()
			version = f
		case jsonlite.Match(key, "broker"):
			return v.ReadString(&s.Broker)
		case jsonlite.Match(key, "accountId"):
			return v.ReadString(&s.AccountID)
		case jsonlite.Match(key, "accounts"):
			return jsonlite.Slice(v, &s.Accounts, func(a *Account, v jsonlite.Value) error {
				return v.Struct(func(key []byte, v jsonlite.Value) error {
					switch {
					case jsonlite.Match(key, "id"):
						return v.ReadString(&a.ID)
					case jsonlite.Match(key, "name"):
						return v.ReadString(&a.Name)
					case jsonlite.Match(key, "type"):
						return v.ReadString(&a.Type)
					case jsonlite.Match(key, "preferred"):
						return v.ReadBool(&a.Preferred)
					}
					return nil
				})
			})
		case jsonlite.Match(key, "headers"):
			return readStringMap(v, &s.Headers)
		case jsonlite.Match(key, "expiresAt"):
			if ms, ok := v.Float64(); ok && ms > 0 {
				s.ExpiresAt = time.UnixMilli(int64(ms))
			}
		case jsonlite.Match(key, "streamingEndpoint"):
			return v.ReadString(&s.StreamingEndpoint)
		case jsonlite.Match(key, "authenticated"):
			return v.ReadBool(&s.Authenticated)
		case jsonlite.Match(key, "competing"):
			return v.ReadBool(&s.Competing)
		case jsonlite.Match(key, "connected"):
			return v.ReadBool(&s.Connected)
		case jsonlite.Match(key, "extra"):
			return readStringMap(v, &s.extra)
		}
		return nil
	})
	if err != nil || version != 1 || s.Broker == "" || s.Extra(extraStoreID) == "" {
		return nil, &Error{Code: CodeStoreEntry, Step: "store", Message: "an entry in the session store is not a brokerauth session of this version: it is not used"}
	}
	return s, nil
}

func readStringMap(v jsonlite.Value, dst *map[string]string) error {
	m := map[string]string{}
	err := v.Object(func(key []byte, v jsonlite.Value) error {
		s, ok := v.String()
		if !ok {
			return jsonlite.ErrType
		}
		m[string(key)] = s
		return nil
	})
	*dst = m
	return err
}

// failureRecord is what a process whose login failed leaves in the store,
// so that the processes waiting for that login take its error rather than
// each ask the broker again: the error (which never holds a secret) and
// who failed. The store's TTL (failureTTL) says for how long.
type failureRecord struct {
	err    *Error
	holder string
}

func encodeFailure(f failureRecord) []byte {
	var w jsonlite.ObjectWriter
	w.String("code", string(f.err.Code))
	w.String("broker", f.err.Broker)
	w.String("step", f.err.Step)
	w.Int("status", int64(f.err.Status))
	w.Bool("retryable", f.err.Retryable)
	w.String("message", f.err.Message)
	w.String("holder", f.holder)
	return w.Bytes()
}

func decodeFailure(b []byte) (failureRecord, bool) {
	e := &Error{}
	f := failureRecord{err: e}
	var code string
	err := jsonlite.Unmarshal(b, func(key []byte, v jsonlite.Value) error {
		switch {
		case jsonlite.Match(key, "code"):
			return v.ReadString(&code)
		case jsonlite.Match(key, "broker"):
			return v.ReadString(&e.Broker)
		case jsonlite.Match(key, "step"):
			return v.ReadString(&e.Step)
		case jsonlite.Match(key, "status"):
			if n, ok := v.Float64(); ok {
				e.Status = int(n)
			}
		case jsonlite.Match(key, "retryable"):
			return v.ReadBool(&e.Retryable)
		case jsonlite.Match(key, "message"):
			return v.ReadString(&e.Message)
		case jsonlite.Match(key, "holder"):
			return v.ReadString(&f.holder)
		}
		return nil
	})
	e.Code = Code(code)
	return f, err == nil && code != "" && f.holder != ""
}
