package ig_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/brokerauth/brokerauth/sim"
	"github.com/brokerauth/brokerauth/sim/capital"
	"github.com/brokerauth/brokerauth/sim/ig"
)

// Mount the IG and Capital.com simulators under prefixes, as the demo
// server does, and make the next IG login fail with a 503 page.
func Example() {
	igSim := ig.New(ig.Options{})
	capSim := capital.New(capital.Options{})
	mux := http.NewServeMux()
	mux.Handle("/ig/", http.StripPrefix("/ig", igSim))
	mux.Handle("/capital/", http.StripPrefix("/capital", capSim))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	_ = igSim.InjectFault(sim.Fault{Method: "POST", Path: "/session", Kind: sim.Fault5xxHTML, Status: 503})

	resp, err := http.Get(srv.URL + "/capital/api/v1/time")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("capital time:", resp.StatusCode)
	// Output:
	// capital time: 200
}
