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
	mux.Handle("/sim/ibkr-demo-key.pem", servePEM(ibkrsim.DemoClient().PrivateKeyPEM))
	c := ibkrsim.DemoOAuth1()
	mux.Handle("/sim/ibkr-oauth1-signature.pem", servePEM(c.SignatureKeyPEM))
	mux.Handle("/sim/ibkr-oauth1-encryption.pem", servePEM(c.EncryptionKeyPEM))
	mux.Handle("/sim/ibkr-oauth1-dhparam.pem", servePEM(c.DHParamsPEM))
}

// servePEM serves one of the IBKR simulator's demo keys or DH parameters,
// for the command line's private_key_file, signature_key_fp,
// encryption_key_fp and dhparam_fp: simulator-only, published in the
// source.
func servePEM(pem string) http.Handler {
	return getOnly(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = io.WriteString(w, pem)
	}))
}

// credentials serves the simulators' demo logins to the page, so that it
// can prefill its forms: they are public, simulator-only values. "ibkr" is
// the OAuth 2.0 client, "ibkrOAuth1" the OAuth 1.0a consumer (its DH group
// both as dhparam.pem and as ibind's prime hex and generator).
func (s *simulators) credentials(w http.ResponseWriter, _ *http.Request) {
	d := ibkrsim.DemoClient()
	c := ibkrsim.DemoOAuth1()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ig":{"baseURL":%q,"apiKey":%q,"identifier":%q,"password":%q},`+
		`"capital":{"baseURL":%q,"apiKey":%q,"identifier":%q,"password":%q},`+
		`"ibkr":{"baseURL":%q,"clientId":%q,"clientKeyId":%q,"credential":%q,"privateKey":%q},`+
		`"ibkrOAuth1":{"baseURL":%q,"consumerKey":%q,"accessToken":%q,"accessTokenSecret":%q,`+
		`"signatureKey":%q,"encryptionKey":%q,"dhParams":%q,"dhPrime":%q,"dhGenerator":%q,"realm":%q}}`,
		igMount+igsim.APIPrefix, igsim.DemoAPIKey, igsim.DemoIdentifier, igsim.DemoPassword,
		capitalMount, capsim.DemoAPIKey, capsim.DemoIdentifier, capsim.DemoPassword,
		ibkrMount, d.ClientID, d.ClientKeyID, d.Credential, d.PrivateKeyPEM,
		ibkrMount, c.ConsumerKey, c.AccessToken, c.AccessTokenSecret,
		c.SignatureKeyPEM, c.EncryptionKeyPEM, c.DHParamsPEM, c.DHPrimeHex, c.DHGenerator, c.Realm)
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
	c := ibkrsim.DemoOAuth1()
	fmt.Fprintf(w, "  IBKR 1.0a    baseURL %s%s  consumerKey %s  accessToken %s  realm %s  accessTokenSecret in credentials.json\n"+
		"               signatureKey %s/sim/ibkr-oauth1-signature.pem  encryptionKey %s/sim/ibkr-oauth1-encryption.pem  dhParams %s/sim/ibkr-oauth1-dhparam.pem\n",
		origin, ibkrMount, c.ConsumerKey, c.AccessToken, c.Realm, origin, origin, origin)
	fmt.Fprintf(w, "All of them as JSON: %s/sim/credentials.json\n", origin)
}
