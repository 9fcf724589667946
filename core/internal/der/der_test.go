package der

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/crypto/cryptobyte"
)

func TestReadOuter(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
		rest int
	}{
		{"short form", []byte{0x30, 0x02, 0x05, 0x00, 0xff}, true, 1},
		{"three length bytes", append([]byte{0x30, 0x83, 0x00, 0x01, 0x00}, make([]byte, 256)...), false, 0}, // non-minimal: cryptobyte refuses
		{"not a SEQUENCE", []byte{0x02, 0x01, 0x00}, false, 0},
		{"truncated", []byte{0x30, 0x05, 0x00}, false, 0},
		{"empty", nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cryptobyte.String(tc.in)
			var out cryptobyte.String
			assert.Equal(t, tc.ok, ReadOuter(&in, &out))
			if tc.ok {
				assert.Len(t, in, tc.rest)
			}
		})
	}
	// A 16 MiB SEQUENCE with a minimal 4-byte length: cryptobyte reads it,
	// ReadOuter does not.
	huge := append([]byte{0x30, 0x84, 0x01, 0x00, 0x00, 0x00}, make([]byte, 1<<24)...)
	in := cryptobyte.String(huge)
	var out cryptobyte.String
	assert.True(t, in.ReadASN1(&out, 0x30), "cryptobyte alone")
	in = cryptobyte.String(huge)
	assert.False(t, ReadOuter(&in, &out))

	long := append([]byte{0x30, 0x82, 0x01, 0x00}, make([]byte, 256)...)
	in = cryptobyte.String(long)
	assert.True(t, ReadOuter(&in, &out))
	assert.Len(t, out, 256)
}
