package simkit

import "net/http"

// Account is one trading account a simulated IG or Capital.com login owns.
type Account struct {
	ID        string
	Name      string
	Type      string // IG: CFD, SPREADBET, PHYSICAL; Capital.com: CFD
	Currency  string // ISO code
	Preferred bool   // the account a login starts on
	Balance   float64
}

// FindAccount returns the account with the given ID.
func FindAccount(accounts []Account, id string) (Account, bool) {
	for _, a := range accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// PreferredAccount returns the account a login starts on: the preferred
// one, else the first.
func PreferredAccount(accounts []Account) Account {
	for _, a := range accounts {
		if a.Preferred {
			return a
		}
	}
	return accounts[0]
}

func currencySymbol(iso string) string {
	switch iso {
	case "GBP":
		return "£"
	case "EUR":
		return "€"
	case "USD", "AUD", "SGD":
		return "$"
	}
	return iso
}

// accountInfo is the balance block of a login answer.
func accountInfo(a Account) map[string]float64 {
	return map[string]float64{"balance": a.Balance, "deposit": 0, "profitLoss": 0, "available": a.Balance}
}

// LoginAnswer is what IG's v2 and Capital.com's login answers share; each
// broker adds its streaming endpoint (and IG a few fields of its own).
func LoginAnswer(acc Account, accounts []Account, clientID string) map[string]any {
	list := make([]map[string]any, 0, len(accounts))
	for _, a := range accounts {
		list = append(list, map[string]any{"accountId": a.ID, "accountName": a.Name, "accountType": a.Type, "preferred": a.Preferred})
	}
	return map[string]any{
		"accountType":           acc.Type,
		"accountInfo":           accountInfo(acc),
		"currencyIsoCode":       acc.Currency,
		"currencySymbol":        currencySymbol(acc.Currency),
		"currentAccountId":      acc.ID,
		"accounts":              list,
		"clientId":              clientID,
		"timezoneOffset":        0,
		"hasActiveDemoAccounts": true,
		"hasActiveLiveAccounts": false,
		"trailingStopsEnabled":  false,
	}
}

// WriteAccounts answers GET /accounts.
func WriteAccounts(w http.ResponseWriter, accounts []Account) {
	out := make([]map[string]any, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, map[string]any{
			"accountId": a.ID, "accountName": a.Name, "accountAlias": nil, "status": "ENABLED",
			"accountType": a.Type, "preferred": a.Preferred, "currency": a.Currency,
			"balance": accountInfo(a), "canTransferFrom": true, "canTransferTo": true,
		})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"accounts": out})
}

// WriteSession answers a login that opened a CST/X-SECURITY-TOKEN session.
func WriteSession(w http.ResponseWriter, cst, xst string, body map[string]any) {
	w.Header().Set("CST", cst)
	w.Header().Set("X-SECURITY-TOKEN", xst)
	WriteJSON(w, http.StatusOK, body)
}

// WriteSwitched answers PUT /session after a switch: the new
// X-SECURITY-TOKEN, and the body both brokers send.
func WriteSwitched(w http.ResponseWriter, xst string) {
	w.Header().Set("X-SECURITY-TOKEN", xst)
	WriteJSON(w, http.StatusOK, map[string]bool{
		"trailingStopsEnabled": false, "dealingEnabled": true,
		"hasActiveDemoAccounts": true, "hasActiveLiveAccounts": false,
	})
}
