package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Values are capped like PostgreSQL's (1 GB, 54000) and the values a query
// builds count against --query-memory (53200): each case fails at once, in
// both protocols, the server's peak resident memory stays far below what
// the queries asked for, and it goes on serving.

// valueLimitCase is one statement that must fail with code and a message
// starting with msg.
type valueLimitCase struct{ name, sql, code, msg string }

func TestValueLimitsDefault(t *testing.T) {
	s := startServer(t)
	runValueLimits(t, s, 1<<30, []valueLimitCase{
		// The statement: 65 s and 11.5 GB before.
		{"lpad", `SELECT length(lpad('x', 2147483647))`, "54000", "requested length too large"},
		{"rpad", `SELECT length(rpad('x', 2147483647, 'ab'))`, "54000", "requested length too large"},
		{"repeat", `SELECT length(repeat('x', 2000000000))`, "54000", "requested length too large"},
		{"repeat of a column", `SELECT length(repeat(g::text, 1100000000)) FROM generate_series(1, 3) g`, "54000", "requested length too large"},
		// 100 copies of a legal 100 MB value are 10 GB: past the default 4 GiB.
		{"many large values", `SELECT repeat('x', 100000000) FROM generate_series(1, 100)`, "53200", "out of memory"},
		{"many large computed values", `SELECT repeat('x', 100000000 + g % 2) FROM generate_series(1, 100) g`, "53200", "out of memory"},
	})
}

func TestValueLimitsQueryMemory(t *testing.T) {
	s := startServer(t, withArgs("--query-memory", "256MB"))
	// The peak is a few times the limit, far below the 4 GB asked: the
	// garbage collector runs at GOGC=400 (serverGCPercent), and up to four
	// projected batches wait between a parallel stage and the aggregate
	// (stageWindowPerWorker), each checked against the budget but charged
	// only while it is built.
	runValueLimits(t, s, 3<<30, []valueLimitCase{
		{"lpad", `SELECT length(lpad('x', 2147483647))`, "54000", "requested length too large"},
		{"one batch of values", `SELECT length(repeat('x', 10000000 + g % 2)) FROM generate_series(1, 100) g`, "53200", "out of memory"},
		{"a constant's copies", `SELECT repeat('x', 10000000) FROM generate_series(1, 100)`, "53200", "out of memory"},
		// 4 GB asked in batches of 8192 rows of 20 kB: the aggregate's
		// state and the next batch pass 256 MB at the second batch.
		{"string_agg", `SELECT length(string_agg(repeat('x', 20000 + g % 2), ',')) FROM generate_series(1, 200000) g`, "53200", "out of memory"},
		{"array_agg", `SELECT cardinality(array_agg(repeat('x', 20000 + g % 2))) FROM generate_series(1, 200000) g`, "53200", "out of memory"},
		{"json_agg", `SELECT length(json_agg(repeat('x', 20000 + g % 2))::text) FROM generate_series(1, 200000) g`, "53200", "out of memory"},
	})
}

// runValueLimits runs each case in the simple and the extended protocol,
// then checks the server's peak memory (below maxPeak bytes), that legal
// large values come back whole, and that another connection is served.
func runValueLimits(t *testing.T, s *server, maxPeak int64, cases []valueLimitCase) {
	conn := s.admin(t, "postgres")
	modes := []struct {
		name string
		args []any
	}{{"simple", []any{pgx.QueryExecModeSimpleProtocol}}, {"extended", nil}}
	for _, tc := range cases {
		for _, m := range modes {
			t.Run(tc.name+"/"+m.name, func(t *testing.T) {
				start := time.Now()
				pe := wantCode(t, queryErr(conn, tc.sql, m.args...), tc.code)
				if !strings.HasPrefix(pe.Message, tc.msg) {
					t.Errorf("message %q, want %q", pe.Message, tc.msg)
				}
				if d := time.Since(start); d > raceSlowdown*15*time.Second {
					t.Errorf("took %v", d)
				}
			})
		}
	}
	// Legal large values work and arrive whole, in both protocols.
	want := strings.Repeat("ab", 5_000_000)
	for _, m := range modes {
		var got string
		var n int64
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		err := conn.QueryRow(ctx, `SELECT repeat('ab', 5000000), length(lpad('', 10000000, 'xy') || 'z')`, m.args...).Scan(&got, &n)
		cancel()
		if err != nil {
			t.Fatalf("%s: legal value: %v", m.name, err)
		}
		if got != want || n != 10_000_001 {
			t.Errorf("%s: got %d bytes and length %d, want %d bytes and 10000001", m.name, len(got), n, len(want))
		}
	}
	// Nothing above held more than a fraction of what it asked for (4 to
	// 10 GB).
	if hwm := procStatusKB(t, s.cmd.Process.Pid, "VmHWM") << 10; hwm > raceSlowdown*maxPeak {
		t.Errorf("server peak resident memory %d MB, want below %d MB", hwm>>20, raceSlowdown*maxPeak>>20)
	}
	if got := queryInt64(t, s.admin(t, "postgres"), `SELECT count(*) FROM generate_series(1, 1000)`); got != 1000 {
		t.Errorf("another connection: %d", got)
	}
	if got := queryInt64(t, conn, `SELECT 41 + 1`); got != 42 {
		t.Errorf("the same connection: %d", got)
	}
}

// procStatusKB reads a kB field (VmRSS, VmHWM) of /proc/<pid>/status.
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
