package der

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
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

// FuzzReadMatchesCryptobyte holds Read and ReadInteger to cryptobyte's
// ReadASN1 and ReadASN1Integer (into a []byte) on any input: same answer,
// same contents, same input left over. The seed corpus runs in every
// `go test`; `make fuzz` runs it further.
func FuzzReadMatchesCryptobyte(f *testing.F) {
	spki := []byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00}
	for _, seed := range [][]byte{
		spki, spki[2:], {0x02, 0x01, 0x00}, {0x02, 0x02, 0x00, 0x80}, {0x02, 0x02, 0x00, 0x7f}, {0x02, 0x01, 0xff},
		{0x02, 0x00}, {0x02, 0x02, 0xff, 0x80}, {0x30, 0x81, 0x7f}, {0x30, 0x81, 0x80}, {0x30, 0x82, 0x00, 0x80},
		{0x30, 0x80}, {0x30, 0x85, 1, 0, 0, 0, 0}, {0x1f, 0x01, 0x00}, {0x30}, {}, {0x30, 0x84, 0xff, 0xff, 0xff, 0xff},
		append([]byte{0x30, 0x82, 0x01, 0x00}, make([]byte, 256)...),
	} {
		for _, tag := range []byte{TagSequence, TagInteger, TagOID, TagNull, 0x1f} {
			f.Add(seed, tag)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, tag byte) {
		in, want := b, cryptobyte.String(b)
		var out []byte
		var wantOut cryptobyte.String
		ok, wantOK := Read(&in, &out, tag), want.ReadASN1(&wantOut, asn1.Tag(tag))
		if ok != wantOK || len(in) != len(want) || ok && !bytes.Equal(out, wantOut) {
			t.Fatalf("Read(%x, %#x) = %v, %x, rest %d; cryptobyte %v, %x, rest %d", b, tag, ok, out, len(in), wantOK, []byte(wantOut), len(want))
		}

		in, want = b, cryptobyte.String(b)
		var n, wantN []byte
		ok, wantOK = ReadInteger(&in, &n), want.ReadASN1Integer(&wantN)
		if ok != wantOK || len(in) != len(want) || ok && !bytes.Equal(n, wantN) {
			t.Fatalf("ReadInteger(%x) = %v, %x, rest %d; cryptobyte %v, %x, rest %d", b, ok, n, len(in), wantOK, wantN, len(want))
		}
	})
}
