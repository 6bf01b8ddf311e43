# The consent gateway. `make run` serves the demo, `make test` runs every test.
GO        ?= go
BIN       := bin/caddy
GOFILES   := $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum
FUZZTIME  ?= 10s

.PHONY: build run test test-unit test-short vet fmt adapt bench fuzz clean

build: $(BIN)

$(BIN): $(GOFILES) $(shell find caddymodule -path '*/assets/*' -type f)
	$(GO) build -o $(BIN) ./cmd/caddy

# The demo: the gateway on http://localhost:8080 in front of a demo site on
# 127.0.0.1:8081, both served by the same Caddy from ./Caddyfile.
run: $(BIN)
	$(BIN) run --config Caddyfile --adapter caddyfile

# Every test: unit, golden adapt, integration (a real Caddy in front of a
# real upstream) and browser tests (headless Chromium, skipped with a clear
# message when no browser is installed).
test: $(BIN)
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	CONSENT_CADDY_BIN=$(abspath $(BIN)) $(GO) test -race -count=1 -timeout 25m ./...

# Quick loop while developing: no integration or browser tests.
test-short:
	$(GO) test -short ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# Print the JSON of the demo Caddyfile.
adapt: $(BIN)
	$(BIN) adapt --config Caddyfile --pretty

# Run every fuzz target for FUZZTIME each (e.g. make fuzz FUZZTIME=10m).
fuzz:
	@for pkg in $$($(GO) list ./caddymodule/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin out

# Load and micro benchmarks: the gateway against a bare Caddy proxy, side
# by side in one run (see bench/README.md). Never fails because a number is low.
bench: $(BIN)
	bash bench/run.sh
