# sharehouse. `make run` starts a server with demo data, `make test` runs
# every test (what .ci/run runs on a fresh machine).

GO       ?= go
FUZZTIME ?= 30s
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: run build test bench fuzz lint clean

# A server on 127.0.0.1:5433 (PostgreSQL protocol) and 127.0.0.1:8433 (HTTP)
# with the data in ./sharehouse-data. The first start prints the superuser's
# password unless SHAREHOUSE_ADMIN_PASSWORD is set.
run:
	$(GO) run -ldflags '$(LDFLAGS)' ./cmd/sharehouse serve --demo

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/sharehouse ./cmd/sharehouse

test:
	$(GO) vet ./... && $(GO) test -race -count=1 -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# go test -fuzz takes one package and one target at a time: a line per
# target (internal/layout checks that none is missing).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzReadPart$$' -fuzztime $(FUZZTIME) ./storage

lint:
	test -z "$$(gofmt -l .)" && $(GO) vet ./...

clean:
	rm -rf bin
