// Command web is brokerauth's demo server: on a loopback address it serves
// the in-browser demo page, the npm build (brokerauth.wasm compressed when
// the browser accepts it) and the IG, Capital.com and IBKR simulators that
// the page and the JavaScript tests log into.
//
//	go run ./web -addr 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (loopback only)")
	npmDir := flag.String("npm", "npm", "the built npm package folder (make build)")
	proxy := flag.Bool("proxy", false, "forward /proxy/{ig-demo,ig-live,capital-demo,capital-live,ibkr}/… to the real brokers' https APIs, for browsers that block direct calls (CORS)")
	flag.Parse()

	if err := run(*addr, *npmDir, *proxy); err != nil {
		log.Fatal(err)
	}
}

func run(addr, npmDir string, proxy bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %s: the demo listens on loopback only", addr)
	}
	if _, err := os.Stat(npmDir + "/brokerauth.wasm"); err != nil {
		return fmt.Errorf("%s/brokerauth.wasm is missing: run `make build` first", npmDir)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newHandler(npmDir, newSimulators(), serverOptions{proxy: proxy, logf: log.Printf}), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()

	origin := "http://" + ln.Addr().String()
	fmt.Printf("brokerauth demo: %s/\n", origin)
	printCredentials(os.Stdout, origin)
	if proxy {
		fmt.Printf("Proxy on: %s/proxy/{ig-demo,ig-live,capital-demo,capital-live,ibkr}/… forwards to the real brokers (bodies and headers are never logged).\n", origin)
	}
	fmt.Println("Ctrl-C stops it.")
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
