package core

import (
	"testing"

	"github.com/brokerauth/brokerauth/internal/testkeys"
)

func BenchmarkParseEncryptionKey(b *testing.B) {
	for b.Loop() {
		if _, err := ParseEncryptionKey(testkeys.CapitalGuideKey); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptPassword(b *testing.B) {
	for b.Loop() {
		if _, err := EncryptPassword(testkeys.CapitalGuideKey, "1647440528194", "1111qqqq"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptPasswordWithKey(b *testing.B) {
	key, err := ParseEncryptionKey(testkeys.CapitalGuideKey)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := EncryptPasswordWithKey(key, "1647440528194", "1111qqqq"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptPasswordBackends is BenchmarkEncryptPassword with each RSA
// backend, whatever the architecture's default: under WebAssembly rsaenc is
// the default for being the faster, elsewhere crypto/rsa is.
func BenchmarkEncryptPasswordBackends(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			withRSAEnc(b, be.on)
			for b.Loop() {
				if _, err := EncryptPassword(testkeys.CapitalGuideKey, "1647440528194", "1111qqqq"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
