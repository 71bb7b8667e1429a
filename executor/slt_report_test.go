package executor

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file turns the failures of a sqllogictest run into the report that
// says what to fix first, and keeps the ratchet file testdata/slt/rates.txt.

// sltTopCauses is how many causes get examples in the report.
const sltTopCauses = 15

type sltExample struct {
	file string
	out  sltOutcome
}

// sltCauses ranks the failure causes of all files by count, each with its
// count per file and, for the top ones, the two shortest failing records.
func sltCauses(results []*sltFileResult) string {
	type cause struct {
		key      string
		n        int
		perFile  map[string]int
		examples []sltExample
	}
	byKey := map[string]*cause{}
	for _, r := range results {
		for _, f := range r.failures {
			c := byKey[f.cause]
			if c == nil {
				c = &cause{key: f.cause, perFile: map[string]int{}}
				byKey[f.cause] = c
			}
			c.n++
			c.perFile[r.name]++
			c.examples = append(c.examples, sltExample{r.name, f})
			// Keep the two shortest, from different SQL texts.
			slices.SortStableFunc(c.examples, func(a, b sltExample) int { return len(a.out.rec.sql) - len(b.out.rec.sql) })
			c.examples = slices.CompactFunc(c.examples, func(a, b sltExample) bool { return a.out.rec.sql == b.out.rec.sql })
			if len(c.examples) > 2 {
				c.examples = c.examples[:2]
			}
		}
	}
	causes := make([]*cause, 0, len(byKey))
	total := 0
	for _, c := range byKey {
		causes = append(causes, c)
		total += c.n
	}
	slices.SortFunc(causes, func(a, b *cause) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.key, b.key)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "failure causes (%d failures, %d causes), most first:\n", total, len(causes))
	for i, c := range causes {
		files := make([]string, 0, len(c.perFile))
		for f, n := range c.perFile {
			files = append(files, fmt.Sprintf("%s %d", strings.TrimSuffix(f, ".test"), n))
		}
		slices.Sort(files)
		fmt.Fprintf(&b, "%3d. %6d  %s  [%s]\n", i+1, c.n, c.key, strings.Join(files, ", "))
	}
	b.WriteString("\n")
	for i, c := range causes {
		if i == sltTopCauses {
			break
		}
		fmt.Fprintf(&b, "── #%d %s (%d)\n", i+1, c.key, c.n)
		for _, ex := range c.examples {
			rec := ex.out.rec
			if rec.kind == sltQuery {
				fmt.Fprintf(&b, "  %s:%d  query %s %s\n", ex.file, rec.line, rec.types, rec.sortMode)
			} else {
				fmt.Fprintf(&b, "  %s:%d  statement\n", ex.file, rec.line)
			}
			b.WriteString(sltIndent(rec.sql, "    "))
			if ex.out.detail != "" {
				b.WriteString(sltIndent(ex.out.detail, "    => "))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// sltFailureList is every failing record: where, why, its SQL and what
// differed, for grepping when the top examples are not enough.
func sltFailureList(results []*sltFileResult) string {
	var b strings.Builder
	for _, r := range results {
		for _, f := range r.failures {
			fmt.Fprintf(&b, "%s:%d  %s\n", r.name, f.rec.line, f.cause)
			b.WriteString(sltIndent(f.rec.sql, "    "))
			if f.detail != "" {
				b.WriteString(sltIndent(f.detail, "    => "))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func sltIndent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(prefix)
		b.WriteString(l)
		b.WriteString("\n")
	}
	return b.String()
}

// sltFeatureList names SQL features by a pattern on the upper-cased text.
var sltFeatureList = []struct {
	name string
	re   *regexp.Regexp
}{
	{"NULLIF", regexp.MustCompile(`\bNULLIF\s*\(`)},
	{"COALESCE", regexp.MustCompile(`\bCOALESCE\s*\(`)},
	{"CASE", regexp.MustCompile(`\bCASE\b`)},
	{"BETWEEN", regexp.MustCompile(`\bBETWEEN\b`)},
	{"NOT BETWEEN", regexp.MustCompile(`\bNOT\s+BETWEEN\b`)},
	{"IN (…)", regexp.MustCompile(`\bIN\s*\(`)},
	{"NOT IN (…)", regexp.MustCompile(`\bNOT\s+IN\s*\(`)},
	{"IN (SELECT …)", regexp.MustCompile(`\bIN\s*\(\s*SELECT\b`)},
	{"EXISTS", regexp.MustCompile(`\bEXISTS\b`)},
	{"subquery (SELECT …)", regexp.MustCompile(`\(\s*SELECT\b`)},
	{"CAST", regexp.MustCompile(`\bCAST\s*\(`)},
	{"AVG", regexp.MustCompile(`\bAVG\s*\(`)},
	{"SUM", regexp.MustCompile(`\bSUM\s*\(`)},
	{"COUNT", regexp.MustCompile(`\bCOUNT\s*\(`)},
	{"MIN/MAX", regexp.MustCompile(`\b(MIN|MAX)\s*\(`)},
	{"aggregate(DISTINCT …)", regexp.MustCompile(`\b(AVG|SUM|COUNT|MIN|MAX)\s*\(\s*DISTINCT\b`)},
	{"aggregate(ALL …)", regexp.MustCompile(`\b(AVG|SUM|COUNT|MIN|MAX)\s*\(\s*ALL\b`)},
	{"SELECT DISTINCT", regexp.MustCompile(`\bSELECT\s+DISTINCT\b`)},
	{"GROUP BY", regexp.MustCompile(`\bGROUP\s+BY\b`)},
	{"HAVING", regexp.MustCompile(`\bHAVING\b`)},
	{"ORDER BY", regexp.MustCompile(`\bORDER\s+BY\b`)},
	{"JOIN", regexp.MustCompile(`\bJOIN\b`)},
	{"CROSS JOIN", regexp.MustCompile(`\bCROSS\s+JOIN\b`)},
	{"FROM a, b", regexp.MustCompile(`\bFROM\s+\w+(\s+(AS\s+)?\w+)?\s*,`)},
	{"IS [NOT] NULL", regexp.MustCompile(`\bIS\s+(NOT\s+)?NULL\b`)},
	{"NULL literal", regexp.MustCompile(`\bNULL\b`)},
	{"division /", regexp.MustCompile(`/`)},
	{"modulo %", regexp.MustCompile(`%`)},
	{"NOT", regexp.MustCompile(`\bNOT\b`)},
	{"abs()", regexp.MustCompile(`\bABS\s*\(`)},
	{"UNION/EXCEPT/INTERSECT", regexp.MustCompile(`\b(UNION|EXCEPT|INTERSECT)\b`)},
	{"column alias AS", regexp.MustCompile(`\bAS\s+COL\d`)},
	{"no FROM", regexp.MustCompile(`^\s*SELECT\b(?s:(.*))$`)}, // refined in sltHasFeature
}

func sltHasFeature(i int, upper string) bool {
	f := sltFeatureList[i]
	if f.name == "no FROM" {
		return !strings.Contains(upper, " FROM ")
	}
	return f.re.MatchString(upper)
}

// sltFeatures counts, per SQL feature, the records run that use it and
// how many of them failed: a feature failing far above the overall rate
// points at its implementation.
func sltFeatures(results []*sltFileResult) string {
	type count struct {
		name      string
		run, fail int
	}
	counts := make([]count, len(sltFeatureList))
	for i, f := range sltFeatureList {
		counts[i].name = f.name
	}
	for _, r := range results {
		for _, o := range r.all {
			if o.rec.kind != sltQuery {
				continue
			}
			upper := strings.ToUpper(strings.Join(strings.Fields(o.rec.sql), " "))
			for i := range sltFeatureList {
				if sltHasFeature(i, upper) {
					counts[i].run++
					if !o.pass {
						counts[i].fail++
					}
				}
			}
		}
	}
	slices.SortFunc(counts, func(a, b count) int { return b.fail - a.fail })
	var b strings.Builder
	b.WriteString("failing queries by SQL feature (a query counts under every feature it uses):\n")
	fmt.Fprintf(&b, "  %-24s %7s %7s %7s\n", "feature", "run", "failed", "fail%")
	for _, c := range counts {
		if c.run == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %-24s %7d %7d %6.1f%%\n", c.name, c.run, c.fail, 100*float64(c.fail)/float64(c.run))
	}
	return b.String()
}

// sltRateKey names one recorded rate: a file in a mode.
type sltRateKey struct{ file, mode string }

// readSLTRates reads lines "<file> <mode> <percent>"; # starts a comment.
func readSLTRates(path string) (map[sltRateKey]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rates := map[sltRateKey]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"<file> <mode> <percent>\", got %q", path, n, line)
		}
		p, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		rates[sltRateKey{f[0], f[1]}] = p
	}
	return rates, sc.Err()
}

// raiseSLTRates rewrites the rates of mode that the run beat, rounded down;
// it never lowers one (that takes an edit, and a reason in the commit).
func raiseSLTRates(path, mode string, results []*sltFileResult) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	measured := map[string]float64{}
	for _, r := range results {
		measured[r.name] = sltFloor(r.rate())
	}
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && !strings.HasPrefix(f[0], "#") && f[1] == mode {
			if m, ok := measured[f[0]]; ok {
				seen[f[0]] = true
				if old, err := strconv.ParseFloat(f[2], 64); err != nil || m > old {
					line = fmt.Sprintf("%-38s %-6s %6.2f", f[0], mode, m)
				}
			}
		}
		out = append(out, line)
	}
	for _, r := range results {
		if !seen[r.name] {
			out = append(out, fmt.Sprintf("%-38s %-6s %6.2f", r.name, mode, measured[r.name]))
		}
	}
	return os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644)
}
