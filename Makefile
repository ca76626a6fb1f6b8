# Kakou — the two commands a newcomer needs are `make demo` and `make test`.
# `make check` is what CI runs: it adds the integration checks against real
# mosquitto, socat ptys and chromium (installed with apt-get when missing),
# the race detector, ARM builds, the unit's and gateway's tests run as ARMv6
# code under qemu, and a short run of every fuzzer.

GO        ?= go
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Every program reports its version: the unit's lives in firmware/unit, the
# gateway's in gateway/gateway (the collector has none). A -X naming a
# symbol that does not exist is ignored silently, so makefile_test.go checks
# each one.
LDFLAGS   := -s -w -X github.com/kakou/kakou/firmware/unit.Version=$(VERSION) -X github.com/kakou/kakou/gateway/gateway.Version=$(VERSION)
# FUZZTIME is a count of inputs per fuzzer, not a duration: see .ci/fuzz.
FUZZTIME  ?= 5000x
BIN       := bin

.PHONY: all build host cross test check vet fmt-check race no-race test-arm e2e fuzz bench demo deps clean packages nats-server

all: build

build: cross host

# The three programs for this machine: all the demo runs.
host:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./firmware/cmd/... ./gateway/cmd/... ./cloud/cmd/...

# The unit is pure Go (modernc.org/sqlite), so it cross-compiles without cgo.
cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv6/ ./firmware/cmd/... ./gateway/cmd/...
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv7/ ./firmware/cmd/... ./gateway/cmd/...
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/ ./firmware/cmd/... ./gateway/cmd/...

# The real NATS server that configs/nats and the city cluster's tests run:
# built from the version go.mod pins with its tool directive, so CI needs
# nothing from apt for it (Debian's nats-server is older). The ldflags only
# strip it; the -X names are Kakou's and match nothing in it.
nats-server: $(BIN)/nats-server

$(BIN)/nats-server: go.mod go.sum
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $@ github.com/nats-io/nats-server/v2

test:
	$(GO) test ./...

check: deps vet fmt-check build nats-server race no-race test-arm fuzz
	.ci/qemu-smoke $(BIN)

deps:
	.ci/deps

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# KAKOU_INTEGRATION=1 turns a missing mosquitto/socat/chromium into a failure
# instead of a skip, so CI cannot pass by not testing.
# e2e/ holds a fault test with a three-minute outage, so it outgrows go
# test's default ten minutes per package under -race.
race: nats-server
	KAKOU_INTEGRATION=1 $(GO) test -race -count=1 -timeout 30m ./...

# Tests too heavy for the race detector skip under it and run here, one
# package at a time: the city's fault test measures lag, which must be the
# fault's, not other packages' tests on the same cores.
no-race: nats-server
	$(GO) test -count=1 -run 'WhileTheStoreStalls' ./cloud/ingest
	KAKOU_INTEGRATION=1 $(GO) test -count=1 -timeout 15m -run 'TestNATSCityLosesANodeAndACollector' ./e2e

# A Pi Zero/1 is 32-bit ARMv6: run the unit's and gateway's tests as that code,
# under qemu-user-static. GOARCH=386 needs a kernel with 32-bit x86 support,
# which CI machines may lack; qemu runs anywhere.
test-arm:
	CGO_ENABLED=0 GOARCH=arm GOARM=6 $(GO) test -exec qemu-arm-static -short -count=1 ./firmware/... ./drivers/... ./gateway/...

# The tests that start several programs (e2e/README.md), alone.
e2e: nats-server
	KAKOU_INTEGRATION=1 $(GO) test -count=1 -timeout 30m ./e2e

fuzz:
	.ci/fuzz $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The Debian packages (packaging/README.md) in bin/packages: the unit and the
# gateway for armhf (ARMv6), arm64 and amd64, the collector for amd64 and
# arm64, the policy profiles for all. A Debian version must start with a
# digit, so it counts commits rather than using git describe.
DEBVERSION ?= 0.$(shell git rev-list --count HEAD 2>/dev/null || echo 0)+g$(shell git rev-parse --short HEAD 2>/dev/null || echo 0)
packages:
	$(GO) run ./packaging/cmd/kakou-packages -out $(BIN)/packages -version $(DEBVERSION)

# Only what it runs: a fresh clone should not wait for three ARM builds.
demo: host
	configs/demo.sh $(BIN)

clean:
	rm -rf $(BIN) .demo
