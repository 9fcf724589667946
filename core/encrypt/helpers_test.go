package encrypt

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func assertCode(t *testing.T, err error, code Code) {
	t.Helper()
	if e, ok := err.(*Error); assert.True(t, ok, "want *Error, got %T %v", err, err) {
		assert.Equal(t, code, e.Code, "message: %s", e.Message)
	}
}
