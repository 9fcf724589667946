package ibkr_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/brokerauth/brokerauth/sim"
	"github.com/brokerauth/brokerauth/sim/ibkr"
)

// Serve the IBKR simulator, set the public IP its echo answers, and make
// the next IP lookup fail as IBKR's own faults would.
func Example() {
	s := ibkr.New(ibkr.Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()

	_ = s.SetIP("198.51.100.9")
	_ = s.InjectFault(sim.Fault{Path: "/__sim/ip", Kind: sim.FaultStatus, Status: 503})

	for range 2 {
		resp, err := http.Get(srv.URL + "/__sim/ip")
		if err != nil {
			fmt.Println(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(b)))
	}
	// Output:
	// 503 {"error":"Service Unavailable","statusCode":503}
	// 200 198.51.100.9
}
