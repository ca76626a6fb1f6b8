# Kakou — the two commands a newcomer needs are `make demo` and `make test`.
# `make check` is what CI runs: it adds the integration checks against real
# mosquitto, socat ptys and chromium (installed with apt-get when missing),
# the race detector, 32-bit and ARM builds, and a short run of every fuzzer.

GO        ?= go
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/kakou/kakou/firmware/unit.Version=$(VERSION)
FUZZTIME  ?= 10s
BIN       := bin

.PHONY: all build cross test check vet fmt-check race test-386 fuzz bench demo deps clean

all: build

build: cross
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./firmware/cmd/... ./gateway/cmd/... ./cloud/cmd/...

# The unit is pure Go (modernc.org/sqlite), so it cross-compiles without cgo.
cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv6/ ./firmware/cmd/... ./gateway/cmd/...
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv7/ ./firmware/cmd/... ./gateway/cmd/...
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/ ./firmware/cmd/... ./gateway/cmd/...

test:
	$(GO) test ./...

check: deps vet fmt-check build race test-386 fuzz
	.ci/qemu-smoke $(BIN)

deps:
	.ci/deps

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# KAKOU_INTEGRATION=1 turns a missing mosquitto/socat/chromium into a failure
# instead of a skip, so CI cannot pass by not testing.
race:
	KAKOU_INTEGRATION=1 $(GO) test -race -count=1 ./...

# A Pi Zero/1 is 32-bit; run the pure packages as 32-bit code too.
test-386:
	CGO_ENABLED=0 GOARCH=386 $(GO) test -short -count=1 ./firmware/... ./drivers/...

fuzz:
	.ci/fuzz $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

demo: build
	configs/demo.sh $(BIN)

clean:
	rm -rf $(BIN) .demo
