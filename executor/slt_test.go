package executor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestSQLLogic runs the public sqllogictest corpus (../shared/sqllogictest,
// beside the repository) in process, as the engine "postgresql", and fails
// when a file's pass rate drops below the one recorded in
// testdata/slt/rates.txt (a ratchet; the file says how to raise it).
//
// Every record runs (seconds), except under the race detector (make
// test), where each file runs a deterministic sample: every
// sltSampleEvery-th query, all statements. SHAREHOUSE_SLT=full or
// =sample picks the mode whatever the build (make slt: full). Set
// SHAREHOUSE_SLT_REPORT=path to write the full report (rates, failure
// causes ranked with examples, failure rate by SQL feature) to a file;
// the test log has it too (go test -v); SHAREHOUSE_SLT_FAILURES=path
// writes every failing record with what differed.
func TestSQLLogic(t *testing.T) {
	root := sltModuleRoot(t)
	corpus := filepath.Join(root, "..", "shared", "sqllogictest")
	files, err := filepath.Glob(filepath.Join(corpus, "*.test"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no sqllogictest corpus at %s: the repository is expected beside shared/ (as CI clones it)", corpus)
	}
	mode := sltModeFull
	if sltRace {
		mode = sltModeSample
	}
	switch v := os.Getenv("SHAREHOUSE_SLT"); v {
	case "":
	case sltModeFull, sltModeSample:
		mode = v
	default:
		t.Fatalf("SHAREHOUSE_SLT=%q: want full or sample", v)
	}
	ratesPath := filepath.Join(root, "testdata", "slt", "rates.txt")
	rates, err := readSLTRates(ratesPath)
	if err != nil {
		t.Fatal(err)
	}

	update := os.Getenv("SHAREHOUSE_SLT_UPDATE") != ""
	var (
		mu      sync.Mutex
		results []*sltFileResult
	)
	t.Run("files", func(t *testing.T) {
		for _, path := range files {
			name := filepath.Base(path)
			t.Run(strings.TrimSuffix(name, ".test"), func(t *testing.T) {
				t.Parallel()
				res := runSLTFile(t, path, mode)
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
				rate := res.rate()
				want, ok := rates[sltRateKey{name, mode}]
				switch {
				case !ok && update:
					t.Logf("%s: no %s rate recorded yet; recording %.2f%%", name, mode, sltFloor(rate))
				case !ok:
					t.Errorf("%s: no %s rate recorded in %s; measured %.2f%% (record it: SHAREHOUSE_SLT_UPDATE=1)", name, mode, ratesPath, rate)
				case rate < want:
					t.Errorf("%s: pass rate %.2f%% (%d of %d) fell below the recorded %.2f%%; run with -v or SHAREHOUSE_SLT_REPORT=/tmp/slt.txt for the failures",
						name, rate, res.passed, res.run, want)
				case sltFloor(rate) > want:
					t.Logf("%s: pass rate %.2f%% is above the recorded %.2f%%: raise it (SHAREHOUSE_SLT_UPDATE=1)", name, rate, want)
				}
			})
		}
	})
	slices.SortFunc(results, func(a, b *sltFileResult) int { return strings.Compare(a.name, b.name) })
	report := sltReport(results, mode)
	t.Log("\n" + report)
	if p := os.Getenv("SHAREHOUSE_SLT_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	if p := os.Getenv("SHAREHOUSE_SLT_FAILURES"); p != "" {
		if err := os.WriteFile(p, []byte(sltFailureList(results)), 0o644); err != nil {
			t.Error(err)
		}
	}
	if update && len(results) == len(files) {
		if err := raiseSLTRates(ratesPath, mode, results); err != nil {
			t.Error(err)
		}
	}
}

// sltSampleEvery: in sample mode, each file runs one query in this many
// (select1/select2 too: their correlated subqueries are slow under -race).
const sltSampleEvery = 4

const (
	sltModeSample = "sample"
	sltModeFull   = "full"
)

// sltFileResult is what one file's run measured.
type sltFileResult struct {
	name                       string
	run, passed, skipped, left int // left: not run because sampled out
	failures                   []sltOutcome
	elapsed                    time.Duration
	leaked                     int64 // bytes left allocated after the session closed
	all                        []sltOutcome
}

// rate is the percentage of records run that passed.
func (r *sltFileResult) rate() float64 {
	if r.run == 0 {
		return 0
	}
	return 100 * float64(r.passed) / float64(r.run)
}

// runSLTFile runs one file in a fresh engine, one session as admin.
func runSLTFile(t *testing.T, path, mode string) *sltFileResult {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := parseSLT(f)
	f.Close()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res := &sltFileResult{name: filepath.Base(path)}
	every := 1
	if mode == sltModeSample {
		every = sltSampleEvery
	}

	s, panics, mem := sltEngine(t)
	runner := &sltRunner{s: s, engine: "postgresql", panics: panics}
	start := time.Now()
	nth := 0
	for _, rec := range recs {
		if rec.skipped(runner.engine) {
			if rec.kind == sltQuery || rec.kind == sltStatementOK || rec.kind == sltStatementError {
				res.skipped++
			}
			continue
		}
		if rec.kind == sltHalt {
			break
		}
		if rec.kind == sltQuery {
			nth++
			if (nth-1)%every != 0 {
				res.left++
				continue
			}
		}
		out, counted := runner.run(rec)
		if !counted {
			continue
		}
		res.run++
		res.all = append(res.all, out)
		if out.pass {
			res.passed++
		} else {
			res.failures = append(res.failures, out)
		}
	}
	res.elapsed = time.Since(start)
	s.Close()
	res.leaked = int64(mem.CurrentAlloc())
	if res.leaked != 0 {
		t.Logf("%s: %d bytes of query memory still allocated after the session closed", res.name, res.leaked)
	}
	return res
}

// sltEngine opens a real store, catalog and engine in a temp dir, like
// testEngine, but logs into a panic catcher and leaves leak checks to the
// report: one leak must not hide the rates.
func sltEngine(t *testing.T) (*Session, *sltPanicLog, *memory.CheckedAllocator) {
	t.Helper()
	cat := openCatalog(t)
	panics := &sltPanicLog{}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	eng := New(Config{Catalog: cat, Allocator: mem, Logger: slog.New(panics)})
	s, err := eng.NewSession(context.Background(), SessionOptions{User: "admin", Database: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, panics, mem
}

// sltModuleRoot walks up from the package directory to go.mod.
func sltModuleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
}

// sltFloor rounds a percentage down to two decimals, as rates are recorded.
func sltFloor(p float64) float64 {
	return float64(int64(p*100+1e-9)) / 100
}

// sltReport is the human report: rates per file, then the failure causes
// ranked by count with examples, then failure rates by SQL feature.
func sltReport(results []*sltFileResult, mode string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sqllogictest as \"postgresql\", mode %s\n\n", mode)
	fmt.Fprintf(&b, "%-38s %7s %7s %7s %8s %8s %8s %9s\n", "file", "run", "passed", "failed", "skipped", "sampled", "rate", "time")
	var run, passed, failed, skipped, left int
	for _, r := range results {
		fmt.Fprintf(&b, "%-38s %7d %7d %7d %8d %8d %7.2f%% %9s\n", r.name, r.run, r.passed, len(r.failures), r.skipped, r.left,
			r.rate(), r.elapsed.Round(time.Millisecond))
		run, passed, failed, skipped, left = run+r.run, passed+r.passed, failed+len(r.failures), skipped+r.skipped, left+r.left
		if r.leaked != 0 {
			fmt.Fprintf(&b, "  (%d bytes of query memory leaked)\n", r.leaked)
		}
	}
	total := 0.0
	if run > 0 {
		total = 100 * float64(passed) / float64(run)
	}
	fmt.Fprintf(&b, "%-38s %7d %7d %7d %8d %8d %7.2f%%\n\n", "total", run, passed, failed, skipped, left, total)
	b.WriteString(sltCauses(results))
	b.WriteString(sltFeatures(results))
	return b.String()
}
