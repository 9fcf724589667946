package core

import (
	"net/netip"
	"net/url"
	"strings"
)

// CheckBaseURL parses a base URL and refuses anything but https, except
// for loopback hosts (the simulators, local proxies). The result has no
// trailing slash.
func CheckBaseURL(broker, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &Error{Code: CodeInvalidArgument, Broker: broker, Message: "baseURL must be an absolute http(s) URL"}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &Error{Code: CodeInvalidArgument, Broker: broker, Message: "baseURL must not carry credentials, a query or a fragment"}
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return nil, &Error{Code: CodeInsecureURL, Broker: broker, Message: "baseURL must use https unless the host is loopback (127.0.0.1, ::1, localhost)"}
	}
	return u, nil
}

// IsLoopbackHost reports whether host names this machine.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
