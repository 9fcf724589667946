package sim

// Account is one trading account a simulated login owns.
type Account struct {
	ID        string
	Name      string
	Type      string // IG: CFD, SPREADBET, PHYSICAL; Capital.com: CFD
	Currency  string // ISO code
	Preferred bool   // the account a login starts on
	Balance   float64
}

// DefaultIGAccounts is what an IG simulator owns unless told otherwise: a CFD
// and a spread-bet account, as a UK demo login has.
func DefaultIGAccounts() []Account {
	return []Account{
		{ID: "Z3SIM1", Name: "Demo-CFD", Type: "CFD", Currency: "GBP", Preferred: true, Balance: 10000},
		{ID: "Z3SIM2", Name: "Demo-SpreadBet", Type: "SPREADBET", Currency: "GBP", Balance: 10000},
	}
}

// DefaultCapitalAccounts is what a Capital.com simulator owns unless told
// otherwise: two CFD accounts in different currencies.
func DefaultCapitalAccounts() []Account {
	return []Account{
		{ID: "250316283046346693", Name: "USD", Type: "CFD", Currency: "USD", Preferred: true, Balance: 1000},
		{ID: "250316283046346694", Name: "EUR", Type: "CFD", Currency: "EUR", Balance: 1000},
	}
}

func findAccount(accounts []Account, id string) (Account, bool) {
	for _, a := range accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

func preferredAccount(accounts []Account) Account {
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

// accountList is the "accounts" array of IG's and Capital.com's login
// answers.
func accountList(accounts []Account) []map[string]any {
	out := make([]map[string]any, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, map[string]any{"accountId": a.ID, "accountName": a.Name, "accountType": a.Type, "preferred": a.Preferred})
	}
	return out
}

// accountDetails is the "accounts" array of GET /accounts.
func accountDetails(accounts []Account) []map[string]any {
	out := make([]map[string]any, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, map[string]any{
			"accountId": a.ID, "accountName": a.Name, "accountAlias": nil, "status": "ENABLED",
			"accountType": a.Type, "preferred": a.Preferred, "currency": a.Currency,
			"balance": accountInfo(a), "canTransferFrom": true, "canTransferTo": true,
		})
	}
	return out
}
