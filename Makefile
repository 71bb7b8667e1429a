# sharehouse. `make run` starts a server with demo data, `make test` runs
# every test (what .ci/run runs on a fresh machine).

GO       ?= go
FUZZTIME ?= 30s
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: run build test bench bench-pg slt fuzz lint clean

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

# The wire benchmarks side by side with a real PostgreSQL on this machine
# (Debian's postgresql package; installed when missing), default settings,
# fsync on for both: the same BENCH_ROWS-row table (default 10M, in order of
# its id column; PostgreSQL gets an index on id) loaded into both, the same
# queries over pgwire, then a Markdown table of both and their ratio
# (also in PGBENCH_REPORT). BENCH_SERVE_ARGS adds flags to sharehouse serve,
# e.g. BENCH_SERVE_ARGS='--cache-size 0' to measure without the column cache.
PGBENCH_DIR    ?= /tmp/sharehouse-bench-pg
PGBENCH_PORT   ?= 5544
PGBENCH_REPORT ?= /tmp/sharehouse-bench-pg.md
BENCH_ROWS     ?= 10000000
bench-pg:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update && apt-get install -y postgresql)
	@PGBIN=$$(dirname $$(ls /usr/lib/postgresql/*/bin/initdb | tail -1)); \
	rm -rf $(PGBENCH_DIR) $(PGBENCH_REPORT) && mkdir -p $(PGBENCH_DIR) && chown postgres $(PGBENCH_DIR) && \
	su postgres -c "$$PGBIN/initdb -D $(PGBENCH_DIR)/data -A trust >/dev/null && $$PGBIN/pg_ctl -D $(PGBENCH_DIR)/data -l $(PGBENCH_DIR)/log -o '-p $(PGBENCH_PORT) -k /tmp' -w start >/dev/null"; \
	SHAREHOUSE_BENCH_PG=postgres://postgres@127.0.0.1:$(PGBENCH_PORT)/postgres SHAREHOUSE_BENCH_ROWS=$(BENCH_ROWS) SHAREHOUSE_BENCH_REPORT=$(PGBENCH_REPORT) \
		SHAREHOUSE_BENCH_SERVE_ARGS="$(BENCH_SERVE_ARGS)" \
		$(GO) test -run '^$$' -bench 'Wire' -benchtime $${BENCHTIME:-1s} -count 1 -timeout 30m ./cmd/sharehouse; \
	status=$$?; su postgres -c "$$PGBIN/pg_ctl -D $(PGBENCH_DIR)/data -m fast stop >/dev/null"; rm -rf $(PGBENCH_DIR); \
	test -f $(PGBENCH_REPORT) && cat $(PGBENCH_REPORT); exit $$status

# The sqllogictest corpus (../shared/sqllogictest) in full, as engine
# "postgresql"; prints the pass rates and the failures ranked by cause.
SLT_REPORT ?= /tmp/sharehouse-slt.txt
slt:
	SHAREHOUSE_SLT=full SHAREHOUSE_SLT_REPORT=$(SLT_REPORT) $(GO) test -count=1 -run '^TestSQLLogic$$' ./executor; s=$$?; cat $(SLT_REPORT); exit $$s

# go test -fuzz takes one package and one target at a time: a line per
# target (cmd/sharehouse/layout_test.go checks that none is missing).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./parser
	$(GO) test -run '^$$' -fuzz '^FuzzStartup$$' -fuzztime $(FUZZTIME) ./pgwire
	$(GO) test -run '^$$' -fuzz '^FuzzMessages$$' -fuzztime $(FUZZTIME) ./pgwire
	$(GO) test -run '^$$' -fuzz '^FuzzTextDecode$$' -fuzztime $(FUZZTIME) ./executor/sqltype
	$(GO) test -run '^$$' -fuzz '^FuzzBinaryDecode$$' -fuzztime $(FUZZTIME) ./executor/sqltype
	$(GO) test -run '^$$' -fuzz '^FuzzTextCast$$' -fuzztime $(FUZZTIME) ./executor
	$(GO) test -run '^$$' -fuzz '^FuzzViewDef$$' -fuzztime $(FUZZTIME) ./executor
	$(GO) test -run '^$$' -fuzz '^FuzzJSONParse$$' -fuzztime $(FUZZTIME) ./executor
	$(GO) test -run '^$$' -fuzz '^FuzzJSONPath$$' -fuzztime $(FUZZTIME) ./executor
	$(GO) test -run '^$$' -fuzz '^FuzzReadPart$$' -fuzztime $(FUZZTIME) ./storage
	$(GO) test -run '^$$' -fuzz '^FuzzJournalDecode$$' -fuzztime $(FUZZTIME) ./storage
	# The hostile-client run with a random seed for a minute: huge and deep
	# statements, giant values, connection floods, revocation during FETCH.
	SHAREHOUSE_HOSTILE_SEED=0 SHAREHOUSE_HOSTILE_DURATION=$${HOSTILE_DURATION:-60s} $(GO) test -run '^TestHostileClients$$' -count=1 -timeout 15m ./cmd/sharehouse
	# The sharing property test with random seeds and many more steps.
	SHAREHOUSE_SHARING_SEED=0 SHAREHOUSE_SHARING_STEPS=3000 $(GO) test -run '^TestSharingProperties$$' -count=1 ./cmd/sharehouse

lint:
	test -z "$$(gofmt -l .)" && $(GO) vet ./...

clean:
	rm -rf bin
