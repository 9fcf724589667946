package ibkr

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// IPCheckInterval is how often KeepAlive looks up the public IP (when
// Config.IP is empty). The IP is baked into the bearer token, so a change
// (a new DHCP lease, a VPN) needs a new bearer token; ibauth only warns.
// Five minutes is a few tickles: soon enough to follow a change before
// IBKR notices, rare enough not to bother the lookup service.
const IPCheckInterval = 5 * time.Minute

// maxIPBody bounds the IP lookup answer: an IPv6 address with white space
// is under 64 bytes.
const maxIPBody = 256

// publicIP returns Config.IP, or asks IPLookupURL. Its failures say that
// it is the public-IP lookup that failed, not IBKR, and how to skip it: a
// machine without internet access otherwise reads "could not reach the
// broker" and looks in the wrong place.
func (f *oauth2) publicIP(ctx context.Context, c *core.Caller) (string, error) {
	if f.fixedIP != "" {
		return f.fixedIP, nil
	}
	r, err := c.Do(ctx, "ip", &core.Request{Method: "GET", URL: f.ipURL, Header: core.Header{"Accept": {"text/plain"}}, Limit: maxIPBody})
	if err != nil {
		return "", f.ipLookupError(err)
	}
	if !r.OK() {
		return "", f.ipLookupError(core.StatusError(core.BrokerIBKR, "ip", r.Status, ""))
	}
	ip, ok := parseIP(strings.TrimSpace(string(r.Body)))
	if !ok {
		return "", f.ipLookupError(core.BadResponse(core.BrokerIBKR, "ip", r.Status, "the answer is not a plain-text IP address"))
	}
	return ip, nil
}

// ipLookupError rewords a failed lookup: which service, what went wrong,
// and the setting that makes the lookup unnecessary.
func (f *oauth2) ipLookupError(err error) error {
	e, ok := err.(*core.Error)
	if !ok || e.Code == core.CodeCanceled {
		return err
	}
	out := *e
	host := f.ipURL
	if u, perr := url.Parse(f.ipURL); perr == nil {
		host = u.Host
	}
	what := strings.TrimSuffix(strings.TrimSuffix(e.Message, core.AdviceNetwork), core.AdviceTimeout)
	out.Message = "the public-IP lookup at " + host + " failed (" + what + "); IBKR bakes the caller's public IP " +
		"into the bearer token: set the ip option (Go Config.IP; CLI --ip or ip: in the config) to skip the lookup, " +
		"or ipLookupURL (Go Config.IPLookupURL; CLI ip_lookup_url:) to use another service"
	return &out
}
