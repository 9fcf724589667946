package core

// hints explain the broker error codes people meet most, in words that say
// what to do. They are the Message of a StatusError with that code.
var hints = map[string]string{
	// IG
	"error.security.invalid-details": "identifier or password rejected — and if you encrypt the password yourself, " +
		"it must be RSA PKCS#1 v1.5 over base64(password|timeStamp), not OAEP",
	"error.security.api-key-missing":               "the X-IG-API-KEY header is missing",
	"error.security.api-key-invalid":               "the API key is not valid for this environment (demo and live keys differ)",
	"error.security.api-key-disabled":              "the API key is disabled",
	"error.security.too-many-failed-attempts":      "too many failed logins; the account is locked for a while",
	"error.security.account-suspended":             "the account is suspended",
	"error.security.client-token-invalid":          "the CST session token is no longer valid; log in again",
	"error.security.account-token-invalid":         "the X-SECURITY-TOKEN is no longer valid (after an account switch, use the new one)",
	"error.security.oauth-token-invalid":           "the OAuth access token is no longer valid; refresh or log in again",
	"error.public-api.failure.encryption.required": "this account requires an encrypted password",
	"error.public-api.exceeded-api-key-allowance":  "the API key's request allowance is used up; slow down",
	"error.public-api.exceeded-account-allowance":  "the account's request allowance is used up; slow down",
	"error.security.authentication.timeout":        "the broker timed out authenticating; try again",
	// Capital.com
	"error.null.api.key":          "the X-CAP-API-KEY header is missing",
	"error.invalid.details":       "identifier or password rejected (or an API key that does not belong to this login)",
	"error.invalid.session.token": "the session expired (10 minutes without a call); log in again",
	"error.too-many.requests":     "too many requests: Capital.com allows 1 login per second per API key",
	"error.invalid.accountId":     "no such account for this login",
	"error.invalid.api.key":       "the API key is not valid",
	"error.null.client.token":     "the CST header is missing",
	"error.null.account.token":    "the X-SECURITY-TOKEN header is missing",
}

func hintFor(code string) string { return hints[code] }
