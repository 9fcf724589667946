package main

import (
	"fmt"
	"io"
	"net/http"

	capsim "github.com/brokerauth/brokerauth/sim/capital"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
	igsim "github.com/brokerauth/brokerauth/sim/ig"
)

// Where the simulators live on the demo server. Each is mounted at its own
// prefix, so the brokers' own paths follow: the IG base URL is
// <origin>/sim/ig/gateway/deal, Capital.com's <origin>/sim/capital, IBKR's
// <origin>/sim/ibkr.
const (
	igMount      = "/sim/ig"
	capitalMount = "/sim/capital"
	ibkrMount    = "/sim/ibkr"
)

// simulators are the three broker stand-ins the demo and the JS tests log
// into, each with its own freshly generated RSA key, as the brokers have.
type simulators struct {
	ig      *igsim.Sim
	capital *capsim.Sim
	ibkr    *ibkrsim.Sim
}

func newSimulators() *simulators {
	return &simulators{
		ig:      igsim.New(igsim.Options{}),
		capital: capsim.New(capsim.Options{}),
		ibkr:    ibkrsim.New(ibkrsim.Options{}),
	}
}

func (s *simulators) mount(mux *http.ServeMux) {
	mux.Handle(igMount+"/", http.StripPrefix(igMount, s.ig))
	mux.Handle(capitalMount+"/", http.StripPrefix(capitalMount, s.capital))
	mux.Handle(ibkrMount+"/", http.StripPrefix(ibkrMount, s.ibkr))
	mux.Handle("/sim/credentials.json", getOnly(http.HandlerFunc(s.credentials)))
	mux.Handle("/sim/ibkr-demo-key.pem", getOnly(http.HandlerFunc(demoKeyPEM)))
}

// demoKeyPEM serves the IBKR simulator's demo private key, for the command
// line's private_key_file: simulator-only, published in the source.
func demoKeyPEM(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = io.WriteString(w, ibkrsim.DemoClient().PrivateKeyPEM)
}

// credentials serves the simulators' demo logins to the page, so that it
// can prefill its forms: they are public, simulator-only values.
func (s *simulators) credentials(w http.ResponseWriter, _ *http.Request) {
	d := ibkrsim.DemoClient()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ig":{"baseURL":%q,"apiKey":%q,"identifier":%q,"password":%q},`+
		`"capital":{"baseURL":%q,"apiKey":%q,"identifier":%q,"password":%q},`+
		`"ibkr":{"baseURL":%q,"clientId":%q,"clientKeyId":%q,"credential":%q,"privateKey":%q}}`,
		igMount+igsim.APIPrefix, igsim.DemoAPIKey, igsim.DemoIdentifier, igsim.DemoPassword,
		capitalMount, capsim.DemoAPIKey, capsim.DemoIdentifier, capsim.DemoPassword,
		ibkrMount, d.ClientID, d.ClientKeyID, d.Credential, d.PrivateKeyPEM)
}

// printCredentials tells the person who ran `make demo` how to log in.
func printCredentials(w io.Writer, origin string) {
	d := ibkrsim.DemoClient()
	fmt.Fprintf(w, "Simulators (demo credentials, simulator-only):\n")
	fmt.Fprintf(w, "  IG           baseURL %s%s%s  apiKey %s  identifier %s  password %s\n",
		origin, igMount, igsim.APIPrefix, igsim.DemoAPIKey, igsim.DemoIdentifier, igsim.DemoPassword)
	fmt.Fprintf(w, "  Capital.com  baseURL %s%s  apiKey %s  identifier %s  password %s\n",
		origin, capitalMount, capsim.DemoAPIKey, capsim.DemoIdentifier, capsim.DemoPassword)
	fmt.Fprintf(w, "  IBKR         baseURL %s%s  clientId %s  clientKeyId %s  credential %s  privateKey %s/sim/ibkr-demo-key.pem\n",
		origin, ibkrMount, d.ClientID, d.ClientKeyID, d.Credential, origin)
	fmt.Fprintf(w, "All of them as JSON: %s/sim/credentials.json\n", origin)
}
