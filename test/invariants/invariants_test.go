// Package invariants checks the shape of the module: what may import
// what, what the wasm links, and how large it may grow. Each rule is a
// test, so that breaking one is a visible, reviewed change.
package invariants

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/brokerauth/brokerauth"

// goList runs `go list` with env for the module's packages matching
// pattern and returns one line per package, from the format.
func goList(t *testing.T, env []string, format string, patterns ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-f", format}, patterns...)...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list %v: %s", patterns, stderr.String())
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// imports maps each package of the module to its imports (tests
// included, where asked).
func imports(t *testing.T, withTests bool) map[string][]string {
	format := `{{.ImportPath}} {{join .Imports " "}}`
	if withTests {
		format = `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`
	}
	out := map[string][]string{}
	for _, line := range goList(t, nil, format, "./...") {
		f := strings.Fields(line)
		out[f[0]] = f[1:]
	}
	return out
}

// core/ is pure Go: nothing in it, tests included, imports syscall/js.
func TestCoreImportsNoSyscallJS(t *testing.T) {
	for pkg, imps := range imports(t, true) {
		if strings.HasPrefix(pkg, module+"/core") {
			assert.NotContains(t, imps, "syscall/js", pkg)
		}
	}
}

// Dependencies run one way. A package under internal/ is a leaf for the
// package it serves: it never imports that package or any other ancestor
// ("a dependency running back up"). core/ ships: no package in it imports
// the simulators, the tests' helpers or the wasm entry.
func TestDependenciesRunDown(t *testing.T) {
	for pkg, imps := range imports(t, false) {
		for _, imp := range imps {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			if strings.Contains(pkg, "/internal/") || strings.HasSuffix(pkg, "/internal") {
				assert.False(t, pkg == imp || strings.HasPrefix(pkg, imp+"/"), "%s imports its ancestor %s", pkg, imp)
			}
			if strings.HasPrefix(pkg, module+"/core") {
				for _, banned := range []string{"/sim", "/test", "/wasm", "/web", "/internal/fuzzcheck"} {
					assert.False(t, strings.HasPrefix(imp, module+banned), "%s (it ships) imports %s", pkg, imp)
				}
			}
		}
	}
}

// Only core/redisstore links a Redis client: the broker packages, and a
// program that imports them without a shared store, carry none.
func TestOnlyRedisstoreLinksRedis(t *testing.T) {
	for _, line := range goList(t, nil, `{{.ImportPath}} {{join .Deps " "}}`, "./core/...", "./wasm/...") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == module+"/core/redisstore" {
			continue
		}
		for _, dep := range f[1:] {
			assert.False(t, strings.HasPrefix(dep, "github.com/redis/"), "%s links %s", f[0], dep)
		}
	}
}

// core itself links no HTTP stack: a program that only encrypts passwords
// must not carry net/http.
func TestCoreLinksNoNetHTTP(t *testing.T) {
	deps := goList(t, nil, `{{join .Deps "\n"}}`, module+"/core")
	assert.NotContains(t, deps, "net/http")
	assert.NotContains(t, deps, "crypto/tls")
}

// wasmTags are the build tags the Makefile builds the wasm with
// (WASM_TAGS), so that the lists below are the built wasm's.
func wasmTags(t *testing.T) string {
	b, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "WASM_TAGS :="); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatal("the Makefile sets no WASM_TAGS")
	return ""
}

// The sessions wasm's dependency list is the committed one (wasm/deps.txt):
// net/http via tinyutil makes it long, so any growth is a visible change.
// After a reviewed change, rewrite the list with
//
//	GOOS=js GOARCH=wasm go list -tags nethttpomithttp2 -deps ./wasm | grep -v '^internal/\|^vendor/' > wasm/deps.txt
func TestWasmDependenciesAreTheCommittedList(t *testing.T) {
	var got []string
	for _, p := range goList(t, []string{"GOOS=js", "GOARCH=wasm"}, `{{.ImportPath}}`, "-tags", wasmTags(t), "-deps", "./wasm") {
		if !strings.HasPrefix(p, "internal/") && !strings.HasPrefix(p, "vendor/") {
			got = append(got, p)
		}
	}
	b, err := os.ReadFile("../../wasm/deps.txt")
	require.NoError(t, err)
	want := strings.Split(strings.TrimSpace(string(b)), "\n")
	assert.Equal(t, want, got, "the sessions wasm links another set of packages than wasm/deps.txt lists")
}

// The encrypt-only wasm (wasm/encrypt, brokerauth/encrypt's module) links
// the Go runtime, syscall/js and the encryption path, and nothing that is
// there for the sessions: no HTTP stack (net/http, tinyutil, crypto/tls),
// and none of the large packages the encryption path can do without (fmt,
// reflect, math/big, crypto/rsa and crypto/rand's FIPS machinery, os). Its
// list is committed too (wasm/encrypt/deps.txt), so that any growth is a
// reviewed change; after one, rewrite it with
//
//	GOOS=js GOARCH=wasm go list -tags nethttpomithttp2 -deps ./wasm/encrypt | grep -v '^internal/\|^vendor/' > wasm/encrypt/deps.txt
func TestEncryptWasmLinksNoHTTP(t *testing.T) {
	var got []string
	for _, p := range goList(t, []string{"GOOS=js", "GOARCH=wasm"}, `{{.ImportPath}}`, "-tags", wasmTags(t), "-deps", "./wasm/encrypt") {
		for _, banned := range []string{"net/http", "net", "crypto/tls", "github.com/syumai/tinyutil", "fmt", "reflect", "math/big", "crypto/rsa", "crypto/rand", "os", "golang.org/x/crypto"} {
			assert.False(t, p == banned || strings.HasPrefix(p, banned+"/"), "the encrypt-only wasm links %s", p)
		}
		if !strings.HasPrefix(p, "internal/") && !strings.HasPrefix(p, "vendor/") {
			got = append(got, p)
		}
	}
	b, err := os.ReadFile("../../wasm/encrypt/deps.txt")
	require.NoError(t, err)
	want := strings.Split(strings.TrimSpace(string(b)), "\n")
	assert.Equal(t, want, got, "the encrypt-only wasm links another set of packages than wasm/encrypt/deps.txt lists")
}

// Ceilings on each wasm's gzip size (the build writes them into npm/).
var gzipCeilings = map[string]int{
	"brokerauth-encrypt.wasm": 650_000,
	"brokerauth.wasm":         1_875_000,
}

func TestWasmSizeCeilings(t *testing.T) {
	for name, ceiling := range gzipCeilings {
		raw, err := os.ReadFile(filepath.Join("../../npm", name))
		if os.IsNotExist(err) {
			t.Skipf("npm/%s is not built (make build)", name)
		}
		require.NoError(t, err)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(raw)
		require.NoError(t, zw.Close())
		t.Logf("%s: %d bytes, %d gzip (ceiling %d)", name, len(raw), buf.Len(), ceiling)
		assert.LessOrEqual(t, buf.Len(), ceiling, "%s grew past its gzip ceiling", name)
	}
}
