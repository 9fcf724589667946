package ibkr

import (
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/brokerauth/brokerauth/core/internal/der"
	"github.com/brokerauth/brokerauth/core/internal/rsaenc"
)

// dhGroup is the Diffie-Hellman prime and generator a user registered
// with IBKR. They are used as given: IBKR's own worked example has a
// composite prime smaller than its generator (docs/IBKR-OAUTH1.md
// "Traps"), so checking primality or g < p would refuse it.
type dhGroup struct {
	p, g *big.Int
	mont *rsaenc.Modulus // p laid out for Montgomery arithmetic
}

// exp returns base^secret mod p, in time that does not depend on the
// secret exponent's value (rsaenc.ExpSecret; math/big's Exp branches on
// its bits). The exponent goes in at its full width, dhSecretBits, leading
// zero bytes kept: ExpSecret's time follows the exponent's length.
func (d *dhGroup) exp(base, secret *big.Int) *big.Int {
	reduced := new(big.Int).Mod(base, d.p)
	width := max(dhSecretBits/8, (secret.BitLen()+7)/8)
	out, _ := d.mont.ExpSecret(reduced.Bytes(), secret.FillBytes(make([]byte, width))) // reduced < p
	return new(big.Int).SetBytes(out)
}

// maxDHBits bounds the prime: IBKR asks for 2048-bit parameters; 8192
// leaves room and keeps a hostile input from costing seconds.
const maxDHBits = 8192

// parseDHParams reads the dhparam.pem users upload to IBKR: a PKCS#3 "DH
// PARAMETERS" block, SEQUENCE { INTEGER prime, INTEGER base, INTEGER
// privateValueLength OPTIONAL }.
func parseDHParams(text string) (*dhGroup, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	switch {
	case block == nil:
		return nil, configError("DHParams is not PEM: pass the dhparam.pem file's text (-----BEGIN DH PARAMETERS-----)")
	case block.Type == "X9.42 DH PARAMETERS":
		return nil, configError("DHParams holds X9.42 parameters; IBKR takes PKCS#3 ones (openssl dhparam -out dhparam.pem 2048)")
	case block.Type != "DH PARAMETERS":
		return nil, configError("DHParams is a " + block.Type + " PEM block, not DH PARAMETERS (dhparam.pem)")
	}
	in := cryptobyte.String(block.Bytes)
	var seq cryptobyte.String
	var p, g []byte
	if !der.ReadOuter(&in, &seq) || !in.Empty() || !seq.ReadASN1Integer(&p) || !seq.ReadASN1Integer(&g) {
		return nil, configError("DHParams' DER is not PKCS#3 DH parameters (SEQUENCE of prime and generator)")
	}
	if !seq.Empty() && (!seq.SkipASN1(asn1.INTEGER) || !seq.Empty()) {
		return nil, configError("DHParams' DER has fields after the prime, the generator and the private value length")
	}
	return newDHGroup(new(big.Int).SetBytes(p), new(big.Int).SetBytes(g), "DHParams")
}

// parseDHPrime reads the prime as ibind takes it: hex, here also with a
// 0x prefix, or with the colons and line breaks of `openssl dhparam
// -text`. generator is decimal; empty means 2.
func parseDHPrime(prime, generator string) (*dhGroup, error) {
	h := strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, prime)
	h = strings.TrimPrefix(strings.TrimPrefix(h, "0x"), "0X")
	if h == "" {
		return nil, configError("DHPrime is empty: pass the Diffie-Hellman prime as hex (or DHParams, the dhparam.pem text)")
	}
	if len(h) > maxDHBits/4+2 {
		return nil, configError("DHPrime is longer than 8192 bits")
	}
	p, ok := parseHex(h)
	if !ok {
		return nil, configError("DHPrime is not hex: pass the Diffie-Hellman prime as hex digits (openssl dhparam -in dhparam.pem -text prints it)")
	}
	g := big.NewInt(2)
	if generator = strings.TrimSpace(generator); generator != "" {
		if len(generator) > maxDHBits/3+1 {
			return nil, configError("DHGenerator is longer than the largest prime")
		}
		var ok bool
		if g, ok = parseDecimal(generator); !ok {
			return nil, configError("DHGenerator is not a decimal integer (ibind's dh_generator; usually 2)")
		}
	}
	return newDHGroup(p, g, "DHPrime")
}

// parseHex reads a non-negative hex number of any length (no sign, no
// prefix).
func parseHex(h string) (*big.Int, bool) {
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(h) == 0 {
		return nil, false
	}
	return new(big.Int).SetBytes(b), true
}

// parseDecimal reads a non-negative decimal number of any length, up to
// 18 digits at a time.
func parseDecimal(s string) (*big.Int, bool) {
	x, scale, chunk := new(big.Int), new(big.Int), new(big.Int)
	for len(s) > 0 {
		n := min(len(s), 18)
		digits, err := strconv.ParseUint(s[:n], 10, 64)
		if err != nil || s[0] == '+' {
			return nil, false
		}
		pow := uint64(1)
		for range n {
			pow *= 10
		}
		x.Mul(x, scale.SetUint64(pow))
		x.Add(x, chunk.SetUint64(digits))
		s = s[n:]
	}
	return x, true
}

// newDHGroup refuses only what cannot work at all: an even prime (no
// prime above 2 is even), one below 3 or beyond maxDHBits, a generator
// below 2.
func newDHGroup(p, g *big.Int, field string) (*dhGroup, error) {
	if p.Cmp(big.NewInt(3)) < 0 {
		return nil, configError(field + ": the prime is smaller than 3")
	}
	if p.Bit(0) == 0 {
		return nil, configError(field + ": the prime is even, so it is not the Diffie-Hellman prime (check that the hex is complete)")
	}
	if p.BitLen() > maxDHBits {
		return nil, configError(field + ": the prime is longer than 8192 bits")
	}
	if g.Cmp(big.NewInt(2)) < 0 {
		return nil, configError(field + ": the generator is smaller than 2")
	}
	mont, err := rsaenc.NewModulus(p.Bytes())
	if err != nil {
		return nil, configError(field + ": the prime is not usable")
	}
	return &dhGroup{p: p, g: g, mont: mont}, nil
}
