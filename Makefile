# brokerauth — one Makefile for the Go core, the wasm, the npm package, the
# demo and every test layer. `make test` and `make demo` work on a fresh
# machine that has Go, Node and npm: they install the rest themselves.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# The Go release this project is built and tested with (major.minor). The
# wasm and wasm_exec.js must come from the same toolchain, so the build
# refuses any other.
GO_VERSION := go1.26

# The one place that sets production build flags:
# $(call build_wasm,VERSION,OUT[,PACKAGE]), PACKAGE ./wasm by default.
# WASM_TAGS leaves net/http's bundled HTTP/2 out of the wasm: under js/wasm
# fetch speaks HTTP, and its package initialisation (the HPACK tables) would
# run at every start of the sessions module. test/invariants lists the
# wasm's packages with the same tags, read from here.
VERSION := $(shell node -p "require('./npm/package.json').version")
WASM_TAGS := nethttpomithttp2
build_wasm = GOOS=js GOARCH=wasm go build -tags $(WASM_TAGS) -trimpath -ldflags="-s -w -X main.version=$(1)" -o $(2) $(or $(3),./wasm)

GOROOT_WASM := $(shell go env GOROOT)/lib/wasm
WASM_ENV := GOOS=js GOARCH=wasm PATH="$(GOROOT_WASM):$$PATH"

DEMO_ADDR ?= 127.0.0.1:8080
BUILD := build

GO_SOURCES := go.mod go.sum $(shell find core internal wasm -name '*.go' -not -name '*_test.go')
JS_SOURCES := $(wildcard js/*.js js/*.mjs js/*.d.ts.in core/redisstore/*.lua) npm/package.json LICENSE

.PHONY: build pack test test-go test-wasm test-js test-browser test-deps demo bench fuzz soak clean check-go

build: check-go npm/brokerauth.wasm npm/brokerauth-encrypt.wasm npm/wasm_exec.js npm/LICENSE-go npm/index.mjs $(BUILD)/web

# The npm package as `npm publish` would send it, to install from this
# checkout: build/brokerauth-<version>.tgz.
pack: build
	npm pack --pack-destination $(BUILD) ./npm

# A wasm that reports another version, for the handshake test.
$(BUILD)/other-version.wasm: $(GO_SOURCES)
	$(call build_wasm,0.0.0-other,$@)

# The demo server, also started by the browser tests.
$(BUILD)/web: $(GO_SOURCES) $(shell find web sim -type f)
	go build -o $@ ./web

check-go:
	@case "$$(go env GOVERSION)" in $(GO_VERSION)|$(GO_VERSION).*) ;; \
	  *) echo "brokerauth builds with $(GO_VERSION).x; found $$(go env GOVERSION)" >&2; exit 1;; esac

npm/brokerauth.wasm: $(GO_SOURCES) npm/package.json
	$(call build_wasm,$(VERSION),$@)

# brokerauth/encrypt's module: encryptPassword alone (wasm/encrypt).
npm/brokerauth-encrypt.wasm: $(GO_SOURCES) npm/package.json
	$(call build_wasm,$(VERSION),$@,./wasm/encrypt)

# Copied from the toolchain that built the .wasm, never committed.
npm/wasm_exec.js: $(GOROOT_WASM)/wasm_exec.js
	cp $< $@

npm/LICENSE-go: $(shell go env GOROOT)/LICENSE
	cp $< $@

# The build reads the API table off the wasm for the TypeScript declarations.
npm/index.mjs: $(JS_SOURCES) npm/wasm_exec.js npm/brokerauth.wasm npm/brokerauth-encrypt.wasm node_modules/.package-lock.json
	node js/build.mjs

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Everything the tests need that a fresh machine lacks: npm dev
# dependencies, OpenSSL (the independent decryptor), Debian's Chromium
# (playwright-core drives it; it never downloads a browser of its own) and
# redis-server (the session store's tests start a throwaway one:
# test/with-redis.sh).
# apt-get runs as root, through sudo for another user; without either,
# one line says what to install.
APT_PACKAGES := $(strip $(if $(shell command -v openssl),,openssl) $(if $(wildcard /usr/bin/chromium),,chromium) $(if $(shell command -v redis-server),,redis-server))
test-deps: node_modules/.package-lock.json
	@if [ -n "$(APT_PACKAGES)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then as_root=; \
	  elif command -v sudo >/dev/null && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then as_root=sudo; \
	  else echo "make test needs the Debian packages $(APT_PACKAGES): install them as root (apt-get install -y $(APT_PACKAGES)) or give this user sudo, then run make test again" >&2; exit 1; fi; \
	  echo "installing $(APT_PACKAGES) with apt-get$${as_root:+ (through sudo)}"; \
	  $$as_root apt-get update -qq && $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

# The tests keep their temporary files under build/_tmp, never in the
# system's temp folder, and must leave none behind: make test fails on a
# leftover. The underscore keeps the go tool's ./... out of it, where go
# test's own work folders live while it runs.
TEST_TMP := $(CURDIR)/$(BUILD)/_tmp
test-go test-wasm test-js test-browser: export TMPDIR := $(TEST_TMP)
test-go test-wasm test-js test-browser: | $(TEST_TMP)
$(TEST_TMP):
	mkdir -p $@

test: test-deps build test-go test-wasm test-js test-browser
	@left="$$(ls -A $(TEST_TMP) 2>/dev/null)"; \
	if [ -n "$$left" ]; then echo "the tests left files behind in $(TEST_TMP): $$left" >&2; exit 1; fi

# go.mod and go.sum must say exactly what the code imports.
test-go:
	go mod tidy -diff
	go vet ./...
	test/with-redis.sh go test -count=1 ./core/... ./internal/... ./sim/... ./test/invariants
	@echo "replay of recorded broker answers (test/replay):"
	go test -count=1 -v ./test/replay | grep -v -E '^ *(=== RUN|--- PASS)'

test-wasm:
	$(WASM_ENV) go vet -tags $(WASM_TAGS) ./wasm/...
	$(WASM_ENV) go test -tags $(WASM_TAGS) -count=1 ./wasm/...

# The JS tests run against the package as a user receives it: npm pack, then
# npm install of the tarball into a scratch project; next to a throwaway
# Redis for the session store's (test/js/fleet.test.mjs, cli-store.test.mjs).
test-js: build $(BUILD)/other-version.wasm
	node test/js/pack-consumer.mjs $(BUILD)/consumer
	test/with-redis.sh node --test --test-reporter=spec test/js/

# In-browser tests: the demo server and Debian's Chromium via playwright-core.
# Screenshots land in test-results/ (git-ignored).
test-browser: build
	go test -count=1 ./web
	node --test --test-reporter=spec test/browser/

demo: build
	$(BUILD)/web -addr $(DEMO_ADDR)

bench: build
	go test -run '^$$' -bench . -benchmem ./core
	$(WASM_ENV) go test -run '^$$' -bench . -benchtime 2000x ./core
	node bench/run.mjs

# Every Go fuzz target in core/, one after another, FUZZTIME each (their
# seed corpora already run in every `go test`).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$(go list ./core/... ./internal/...); do \
	  for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# The long keepalive soak: 72 simulated hours per broker on a fake clock
# (`go test` runs 6 hours of it).
soak:
	BROKERAUTH_SOAK=long go test -count=1 -v -run '^TestSoak' -timeout 30m ./core/soak

# Only what the build made: git status is clean afterwards.
clean:
	rm -rf $(BUILD) test-results npm/brokerauth.wasm npm/brokerauth-encrypt.wasm npm/wasm_exec.js npm/LICENSE-go npm/LICENSE \
	  npm/index.mjs npm/index.cjs npm/browser.mjs npm/cli.mjs npm/index.d.ts npm/index.d.mts \
	  npm/encrypt.mjs npm/encrypt.cjs npm/encrypt-browser.mjs npm/encrypt.d.ts npm/encrypt.d.mts \
	  npm/redis.mjs npm/redis.cjs npm/redis.d.ts npm/redis.d.mts *.tgz
