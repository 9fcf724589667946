package der_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/brokerauth/brokerauth/core/internal/der"
)

func TestRead(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 0x80)
	longer := bytes.Repeat([]byte{7}, 0x100)
	cases := map[string]struct {
		in       []byte
		tag      byte
		ok       bool
		contents []byte
		rest     []byte
	}{
		"short form":             {[]byte{0x04, 0x02, 1, 2, 9}, der.OctetString, true, []byte{1, 2}, []byte{9}},
		"empty contents":         {[]byte{0x05, 0x00}, der.Null, true, []byte{}, []byte{}},
		"long form 1 byte":       {append([]byte{0x04, 0x81, 0x80}, long...), der.OctetString, true, long, []byte{}},
		"long form 2 bytes":      {append([]byte{0x30, 0x82, 0x01, 0x00}, longer...), der.Sequence, true, longer, []byte{}},
		"wrong tag":              {[]byte{0x04, 0x00}, der.Sequence, false, nil, nil},
		"empty input":            {nil, der.Sequence, false, nil, nil},
		"tag only":               {[]byte{0x30}, der.Sequence, false, nil, nil},
		"cut short":              {[]byte{0x04, 0x03, 1, 2}, der.OctetString, false, nil, nil},
		"long form cut short":    {[]byte{0x04, 0x82, 0x01}, der.OctetString, false, nil, nil},
		"indefinite":             {[]byte{0x30, 0x80, 0x00, 0x00}, der.Sequence, false, nil, nil},
		"long form not needed":   {[]byte{0x04, 0x81, 0x7f}, der.OctetString, false, nil, nil},
		"long form leading zero": {append([]byte{0x04, 0x82, 0x00, 0x80}, long...), der.OctetString, false, nil, nil},
		"length over 16 MiB":     {[]byte{0x04, 0x84, 0x01, 0x00, 0x00, 0x00}, der.OctetString, false, nil, nil},
		"length past end":        {[]byte{0x04, 0x83, 0x7f, 0xff, 0xff, 0x00}, der.OctetString, false, nil, nil},
		"high tag number form":   {[]byte{0x1f, 0x81, 0x00, 0x00}, 0x1f, false, nil, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cur := der.Cursor(c.in)
			got, ok := cur.Read(c.tag)
			assert.Equal(t, c.ok, ok)
			if !ok {
				assert.Nil(t, got)
				assert.Equal(t, der.Cursor(c.in), cur, "a failed read consumes nothing")
				return
			}
			assert.Equal(t, c.contents, []byte(got))
			assert.Equal(t, c.rest, []byte(cur))
		})
	}
}

func TestReadUnsigned(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		ok   bool
		want []byte
	}{
		"zero":              {[]byte{0x02, 0x01, 0x00}, true, []byte{0x00}},
		"one":               {[]byte{0x02, 0x01, 0x01}, true, []byte{0x01}},
		"127":               {[]byte{0x02, 0x01, 0x7f}, true, []byte{0x7f}},
		"128 sign byte":     {[]byte{0x02, 0x02, 0x00, 0x80}, true, []byte{0x80}},
		"65537":             {[]byte{0x02, 0x03, 0x01, 0x00, 0x01}, true, []byte{0x01, 0x00, 0x01}},
		"negative":          {[]byte{0x02, 0x01, 0x80}, false, nil},
		"minus one":         {[]byte{0x02, 0x01, 0xff}, false, nil},
		"empty":             {[]byte{0x02, 0x00}, false, nil},
		"non-minimal zero":  {[]byte{0x02, 0x02, 0x00, 0x00}, false, nil},
		"non-minimal 1":     {[]byte{0x02, 0x02, 0x00, 0x01}, false, nil},
		"not an integer":    {[]byte{0x04, 0x01, 0x01}, false, nil},
		"cut short":         {[]byte{0x02, 0x05, 0x01}, false, nil}, // 3 bytes follow, with the NULL after
		"enumerated (0x0a)": {[]byte{0x0a, 0x01, 0x01}, false, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cur := der.Cursor(append(c.in, 0x05, 0x00))
			got, ok := cur.ReadUnsigned()
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
			if ok {
				assert.Equal(t, der.Cursor{0x05, 0x00}, cur)
			} else {
				assert.Len(t, cur, len(c.in)+2, "a failed read consumes nothing")
			}
		})
	}
}

func TestPeekEmpty(t *testing.T) {
	cur := der.Cursor{0x30, 0x03, 0x02, 0x01, 0x00}
	assert.True(t, cur.Peek(der.Sequence))
	assert.False(t, cur.Peek(der.Integer))
	assert.False(t, cur.Empty())
	seq, ok := cur.Read(der.Sequence)
	assert.True(t, ok)
	assert.True(t, cur.Empty())
	assert.False(t, cur.Peek(der.Sequence))
	assert.True(t, seq.Peek(der.Integer))
	var zero der.Cursor
	assert.True(t, zero.Empty())
	assert.False(t, zero.Peek(0))
}

func TestOIDString(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"rsaEncryption":  {[]byte("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"), "1.2.840.113549.1.1.1"},
		"ecPublicKey":    {[]byte("\x2a\x86\x48\xce\x3d\x02\x01"), "1.2.840.10045.2.1"},
		"Ed25519":        {[]byte{0x2b, 0x65, 0x70}, "1.3.101.112"},
		"joint-iso 2.5":  {[]byte{0x55}, "2.5"},
		"2.999":          {[]byte{0x88, 0x37}, "2.999"},
		"empty":          {nil, "(empty)"},
		"huge arc":       {bytes.Repeat([]byte{0xff}, 10), "(malformed)"},
		"unterminated":   {[]byte{0x2a, 0x86}, "1.2"},
		"zero first arc": {[]byte{0x00}, "0.0"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.want, der.OIDString(c.in))
		})
	}
}

// FuzzRead: any bytes, any tag: no panic, and a successful read splits
// the input into header, contents and rest.
func FuzzRead(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00}, byte(0x30))
	f.Add([]byte{0x04, 0x82, 0x01, 0x00}, byte(0x04))
	f.Add([]byte{0x02, 0x02, 0x00, 0x80}, byte(0x02))
	f.Fuzz(func(t *testing.T, in []byte, tag byte) {
		cur := der.Cursor(in)
		got, ok := cur.Read(tag)
		if !ok {
			if len(cur) != len(in) {
				t.Fatalf("failed read consumed input")
			}
		} else {
			header := len(in) - len(got) - len(cur)
			if header < 2 || header > 5 || !bytes.Equal(in[header:header+len(got)], got) {
				t.Fatalf("contents are not where the header says")
			}
		}
		cur = der.Cursor(in)
		if v, ok := cur.ReadUnsigned(); ok && (len(v) == 0 || (len(v) > 1 && v[0] == 0)) {
			t.Fatalf("ReadUnsigned returned a non-minimal magnitude")
		}
		_ = strings.Count(der.OIDString(in), ".")
	})
}
