package sim

import "net/http"

// loginRequest is the body of POST /session at both brokers.
type loginRequest struct {
	Identifier        string `json:"identifier"`
	Password          string `json:"password"`
	EncryptedPassword *bool  `json:"encryptedPassword"`
}

func (l *loginRequest) encrypted() bool { return l.EncryptedPassword != nil && *l.EncryptedPassword }

// credentialsOK checks a login body against the simulator's credentials.
// An encrypted password is always decrypted, so its timeStamp is used up
// even when the identifier is wrong. The caller holds b.mu.
func (b *base) credentialsOK(req *loginRequest, identifier, password string) bool {
	idOK := secretEqual(req.Identifier, identifier)
	var pwOK bool
	if req.encrypted() {
		pwOK = b.keys.checkEncrypted(req.Password, password, b.clock.Now())
	} else {
		pwOK = secretEqual(req.Password, password)
	}
	return idOK && pwOK
}

// encryptionKey answers GET …/session/encryptionKey.
func (b *base) encryptionKey(w http.ResponseWriter) {
	b.mu.Lock()
	ts := b.keys.issue(b.clock.Now())
	key := b.keys.spki
	b.stats.EncryptionKeys++
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"encryptionKey": key, "timeStamp": ts})
}
