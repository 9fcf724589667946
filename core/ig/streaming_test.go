package ig_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core/ig"
	igsim "github.com/brokerauth/brokerauth/sim/ig"
)

func TestStreamingCredentials(t *testing.T) {
	ctx := context.Background()
	for _, version := range []int{2, 3} {
		_, c, _ := newEnv(t, igsim.Options{}, ig.Config{Version: version})
		creds, err := c.StreamingCredentials(ctx) // logs in first
		require.NoError(t, err, "v%d", version)
		s := c.Session()
		require.NotNil(t, s)
		assert.NotEmpty(t, creds.CST)
		assert.NotEmpty(t, creds.XST)
		assert.Equal(t, "CST-"+creds.CST+"|XST-"+creds.XST, creds.Password)
		assert.Equal(t, s.AccountID, creds.AccountID)
		assert.Equal(t, s.StreamingEndpoint, creds.Endpoint)
		if version == 2 {
			assert.Equal(t, s.Headers["CST"], creds.CST, "v2: the session's own tokens")
		}
	}
}
