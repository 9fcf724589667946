package ibkr

import (
	"context"
	"net/http"
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

// publicIP returns Config.IP, or asks IPLookupURL.
func (c *Client) publicIP(ctx context.Context) (string, error) {
	if c.cfg.fixedIP != "" {
		return c.cfg.fixedIP, nil
	}
	hdr := http.Header{"Accept": {"text/plain"}}
	r, err := c.send(ctx, "ip", http.MethodGet, c.cfg.ipURL, hdr, nil, maxIPBody)
	if err != nil {
		return "", err
	}
	if r.status < 200 || r.status > 299 {
		return "", core.StatusError(core.BrokerIBKR, "ip", r.status, "")
	}
	ip, ok := parseIP(strings.TrimSpace(string(r.body)))
	if !ok {
		return "", core.BadResponse(core.BrokerIBKR, "ip", r.status, "the IP lookup did not answer a plain-text IP address")
	}
	return ip, nil
}
