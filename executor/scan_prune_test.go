package executor

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/storage"
)

// pruneEngine opens an engine whose Parquet row groups hold 100 rows.
func pruneEngine(t *testing.T) *Session {
	t.Helper()
	_, s := testEngineWith(t, func(o *storage.Options) {
		o.RowGroupRows = 100
		o.FileRows = 1000
		o.NoCompactor = true
	})
	return s
}

var rowGroupsLine = regexp.MustCompile(`Row groups: (\d+) of (\d+) read`)

// rowGroupsRead runs EXPLAIN [ANALYZE] of query and returns the scans'
// "Row groups" figures, in plan order.
func rowGroupsRead(t *testing.T, s *Session, explain string) [][2]int {
	t.Helper()
	var out [][2]int
	for _, r := range mustRun(t, s, explain) {
		if m := rowGroupsLine.FindStringSubmatch(r[0]); m != nil {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

func TestScanPruneSortedColumn(t *testing.T) {
	s := pruneEngine(t)
	mustRun(t, s, `CREATE TABLE ev (id int8, grp text, amt numeric(12,2), f float8, d date, ts timestamp, n int4, nm varchar(10))`)
	// 5000 rows in id order: 5 files of 10 row groups of 100 rows.
	mustRun(t, s, `INSERT INTO ev SELECT i, 'g' || (i % 7), i * 1.5, i::float8 / 4, DATE '2024-01-01' + i, TIMESTAMP '2024-01-01' + i * INTERVAL '1 hour', CASE WHEN i > 4500 THEN NULL ELSE i END, 'n-' || lpad(i::text, 5, '0') FROM generate_series(1, 5000) i`)
	// A few rows kept inline (always read).
	mustRun(t, s, `INSERT INTO ev VALUES (7, 'x', 1, 1, DATE '2030-01-01', NULL, NULL, 'n-01234')`)
	cases := []struct {
		where string
		count string
		read  int // of 51; -1: nothing to prune on
	}{
		{"id BETWEEN 1000 AND 1099", "100", 2 + 1},
		{"id = 2500", "1", 1 + 1},
		{"id IN (5, 4999)", "2", 2 + 1},
		{"id < 150", "150", 2 + 1},
		{"id > 4950.5", "50", 1 + 1}, // int8 column, numeric constant
		{"id >= 4901::int2", "100", 1 + 1},
		{"1000 > id", "1000", 10 + 1}, // the inline row has id 7 // constant on the left
		{"amt <= 150", "101", 1 + 1},
		{"d = DATE '2024-01-11'", "1", 1 + 1},
		{"ts < TIMESTAMP '2024-01-01 05:00'", "4", 1 + 1},
		{"d < TIMESTAMP '2024-01-03'", "1", 1 + 1}, // date widened to timestamp
		{"f >= 1240", "41", 51},                    // a float's upper bound is NaN: only lower bounds prune
		{"f < 25", "100", 1 + 1},
		{"n IS NULL", "501", 5 + 1},
		{"n IS NOT NULL AND id > 4400", "100", 1 + 1},
		{"id BETWEEN 10 AND 20 OR id BETWEEN 3000 AND 3001", "13", 3 + 1},
		{"grp = 'g3' AND id < 50", "7", 1 + 1},
		{"grp = 'g3'", "714", 51}, // every row group holds g0…g6
		{"id <> 5", "5000", 51},
		{"nm LIKE 'n-012%'", "101", 2 + 1}, // byte-order prefix range
		{"nm LIKE 'n-012_0'", "10", 2 + 1},
		{"nm LIKE '%5'", "500", -1},     // no prefix: no test, no line
		{"nm LIKE 'n_012%'", "101", 51}, // _ is a wildcard: prefix "n"
	}
	for _, c := range cases {
		q := "SELECT count(*) FROM ev WHERE " + c.where
		if got := flat(mustRun(t, s, q)); got != c.count {
			t.Errorf("%s: count %s, want %s", c.where, got, c.count)
		}
		rg := rowGroupsRead(t, s, "EXPLAIN ANALYZE "+q)
		plain := rowGroupsRead(t, s, "EXPLAIN "+q)
		if c.read < 0 && len(rg) == 0 && len(plain) == 0 {
			continue
		}
		if len(rg) != 1 || rg[0] != [2]int{c.read, 51} || !slices.Equal(rg, plain) {
			t.Errorf("%s: row groups %v (EXPLAIN %v), want %d of 51", c.where, rg, plain, c.read)
		}
	}
	// No pushed predicate, no line.
	if rg := rowGroupsRead(t, s, "EXPLAIN SELECT count(*) FROM ev WHERE id + 1 = 5"); len(rg) != 0 {
		t.Errorf("unprunable predicate shows %v", rg)
	}
}

// TestScanPruneJoinsAndParams: a scan below a join prunes on its own
// conjuncts (WHERE and ON), not on the null-extended side of an outer
// join; bound parameters prune like constants.
func TestScanPruneJoinsAndParams(t *testing.T) {
	s := pruneEngine(t)
	mustRun(t, s, `CREATE TABLE a (id int8, v int4); CREATE TABLE b (id int8, w int4)`)
	mustRun(t, s, `INSERT INTO a SELECT i, i % 10 FROM generate_series(1, 2000) i`)
	mustRun(t, s, `INSERT INTO b SELECT i, i FROM generate_series(1, 2000) i`)
	mustRun(t, s, `CREATE VIEW va AS SELECT id, v * 2 AS v2 FROM a WHERE v <> 1`)
	cases := []struct {
		q     string
		rows  string
		reads [][2]int
	}{
		{`SELECT count(*) FROM a JOIN b ON a.id = b.id WHERE a.id < 100`, "99", [][2]int{{1, 20}}}, // b has no predicate of its own
		{`SELECT count(*) FROM a JOIN b ON a.id = b.id AND b.w >= 1901 WHERE a.id > 1850`, "100", [][2]int{{2, 20}, {1, 20}}},
		{`SELECT count(*) FROM a, b WHERE a.id = b.id AND b.id BETWEEN 500 AND 599`, "100", [][2]int{{2, 20}}},
		// LEFT JOIN: WHERE on the preserved side prunes it; ON on the
		// nullable side prunes that; WHERE b.w IS NULL must not prune b.
		{`SELECT count(*) FROM a LEFT JOIN b ON a.id = b.id AND b.w < 50 WHERE a.id <= 100`, "100", [][2]int{{1, 20}, {1, 20}}},
		{`SELECT count(*) FROM a LEFT JOIN b ON a.id = b.id AND b.w < 50 WHERE b.w IS NULL AND a.id <= 300`, "251", [][2]int{{3, 20}, {1, 20}}},
		{`SELECT count(*) FROM a LEFT JOIN b ON a.id = b.id WHERE b.w IS NULL`, "0", [][2]int{}},
		// Derived tables and WITH queries pass plain columns through to
		// their scans; grouped, computed or limited ones do not.
		{`SELECT count(*) FROM (SELECT id AS k, v FROM a) s WHERE s.k < 100`, "99", [][2]int{{1, 20}}},
		{`WITH w AS (SELECT * FROM a WHERE v = 3) SELECT count(*) FROM w WHERE id > 1900`, "10", [][2]int{{1, 20}}},
		{`SELECT count(*) FROM (SELECT id, count(*) FROM a GROUP BY id) g WHERE id < 100`, "99", [][2]int{}},
		{`SELECT count(*) FROM (SELECT id + 0 AS id FROM a) s WHERE id < 100`, "99", [][2]int{}},
		{`SELECT count(*) FROM (SELECT * FROM a ORDER BY id LIMIT 150) s WHERE id > 100`, "50", [][2]int{}},
		{`SELECT count(*) FROM (SELECT a.id, b.w FROM a JOIN b ON a.id = b.id) j WHERE j.w < 50 AND j.id > 10`, "39", [][2]int{{20, 20}, {1, 20}}},
		{`SELECT count(*) FROM (SELECT a.id AS aid, b.w FROM a LEFT JOIN b ON a.id = b.id AND b.w < 0) j WHERE j.w IS NULL AND j.aid < 100`, "99", [][2]int{{1, 20}, {0, 20}}},
		{`SELECT count(*) FROM (SELECT * FROM (SELECT id AS x FROM a) i) o WHERE x BETWEEN 1500 AND 1510`, "11", [][2]int{{2, 20}}},
		{`SELECT count(*) FROM va WHERE id < 100`, "89", [][2]int{{1, 20}}}, // through a view
		{`SELECT count(*) FROM va WHERE v2 = 4`, "200", [][2]int{{20, 20}}}, // computed: only the view's own WHERE
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.q)); got != c.rows {
			t.Errorf("%s: %s, want %s", c.q, got, c.rows)
		}
		if rg := rowGroupsRead(t, s, "EXPLAIN ANALYZE "+c.q); !slices.Equal(rg, c.reads) {
			t.Errorf("%s: row groups %v, want %v", c.q, rg, c.reads)
		}
	}
	// Bound parameters: prepared once, executed with different values.
	ctx := context.Background()
	st, err := s.Prepare(ctx, `SELECT count(*) FROM a WHERE id BETWEEN $1 AND $2`, []sqltype.OID{sqltype.Int8, sqltype.Int8})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]string{{"1", "10"}, {"150", "450"}, {"3000", "4000"}} {
		res, err := s.Execute(ctx, st, []Param{{Data: []byte(p[0])}, {Data: []byte(p[1])}})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := resultRows(t, s, res)
		if err != nil {
			t.Fatal(err)
		}
		lo, _ := strconv.Atoi(p[0])
		hi, _ := strconv.Atoi(p[1])
		want := max(0, min(hi, 2000)-lo+1)
		if got := flat(rows); got != strconv.Itoa(want) {
			t.Errorf("params %v: %s, want %d", p, got, want)
		}
	}
	st, err = s.Prepare(ctx, `EXPLAIN ANALYZE SELECT count(*) FROM a WHERE id BETWEEN $1 AND $2`, []sqltype.OID{sqltype.Int8, sqltype.Int8})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Execute(ctx, st, []Param{{Data: []byte("150")}, {Data: []byte("450")}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := resultRows(t, s, res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flat(rows), "Row groups: 4 of 20 read") {
		t.Errorf("EXPLAIN with parameters:\n%s", flat(rows))
	}
}

// TestScanPruneMatchesUnpruned is the property: on random data (nulls,
// NaN, negative numbers, odd strings, several parts and inline rows) and
// random predicates, the pruned query returns what the same predicate
// returns when nothing can prune it (wrapped in IS TRUE, which the pruner
// does not look into).
func TestScanPruneMatchesUnpruned(t *testing.T) {
	s := pruneEngine(t)
	seed := int64(rand.Uint32())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewSource(seed))
	mustRun(t, s, `CREATE TABLE r (rid int4, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, dec numeric(10,3), num numeric, tx text, vc varchar(5), bp char(3), d date, ts timestamp, tz timestamptz)`)
	strs := []string{"", "a", "a ", "a\t", "ab", "b", "B", "é", "z", "zz", "ä", "~", "0", "10", "9"}
	val := func(kind string, center int) string {
		if rnd.Intn(8) == 0 {
			return "NULL"
		}
		v := center + rnd.Intn(40) - 20
		switch kind {
		case "int":
			return strconv.Itoa(v)
		case "float":
			switch rnd.Intn(30) {
			case 0:
				return "'NaN'"
			case 1:
				return "'-Infinity'"
			case 2:
				return "'-0'"
			}
			return fmt.Sprintf("%d.%d", v, rnd.Intn(10))
		case "dec":
			return fmt.Sprintf("%d.%03d", v, rnd.Intn(1000))
		case "str":
			return "'" + strs[(v%len(strs)+len(strs))%len(strs)] + "'"
		case "date":
			return fmt.Sprintf("DATE '2020-01-01' + %d", v)
		case "ts":
			return fmt.Sprintf("TIMESTAMP '2020-01-01' + %d * INTERVAL '1 hour'", v)
		}
		panic(kind)
	}
	kinds := []string{"int", "int", "int", "float", "float", "dec", "dec", "str", "str", "str", "date", "ts", "ts"}
	casts := []string{"int2", "int4", "int8", "float4", "float8", "numeric(10,3)", "numeric", "text", "varchar(5)", "char(3)", "date", "timestamp", "timestamptz"}
	cols := []string{"i2", "i4", "i8", "f4", "f8", "dec", "num", "tx", "vc", "bp", "d", "ts", "tz"}
	// Three big inserts (Parquet files) and a few small ones (inline).
	for part, n := range []int{1500, 700, 2300, 3, 5} {
		var rows []string
		for i := 0; i < n; i++ {
			center := (i/50)*10 - 100 + part*7 // drifts: row groups cover different ranges
			vals := make([]string, len(kinds))
			for k, kind := range kinds {
				vals[k] = "(" + val(kind, center) + ")::" + casts[k]
			}
			rows = append(rows, fmt.Sprintf("(%d, %s)", part*10000+i, strings.Join(vals, ", ")))
		}
		if _, _, err := run(t, s, "INSERT INTO r VALUES "+strings.Join(rows, ", ")); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	ops := []string{"=", "<", "<=", ">", ">=", "<>"}
	constFor := func(k int) string {
		kind := kinds[k]
		c := val(kind, rnd.Intn(400)-150)
		switch rnd.Intn(4) {
		case 0: // another type: the binder coerces one side
			switch kind {
			case "int":
				return fmt.Sprintf("%d.5", rnd.Intn(400)-150)
			case "float":
				return strconv.Itoa(rnd.Intn(400) - 150)
			case "dec":
				return fmt.Sprintf("%d::int8", rnd.Intn(400)-150)
			case "date":
				return fmt.Sprintf("TIMESTAMP '2020-01-01 12:00' + %d * INTERVAL '1 day'", rnd.Intn(400)-150)
			}
		case 1:
			if kind == "int" {
				return c + "::int2"
			}
		}
		return c
	}
	qual := "" // qualifies the predicates' columns
	pred := func() string {
		k := rnd.Intn(len(cols))
		c := qual + cols[k]
		switch rnd.Intn(8) {
		case 0:
			return c + " IS NULL"
		case 1:
			return c + " IS NOT NULL"
		case 2:
			return fmt.Sprintf("%s BETWEEN %s AND %s", c, constFor(k), constFor(k))
		case 3:
			return fmt.Sprintf("%s IN (%s, %s, %s)", c, constFor(k), constFor(k), constFor(k))
		case 4:
			return fmt.Sprintf("%s %s %s", constFor(k), ops[rnd.Intn(len(ops))], c)
		case 5:
			if kinds[k] == "str" {
				p := strs[rnd.Intn(len(strs))]
				return fmt.Sprintf("%s LIKE '%s%s'", c, p[:rnd.Intn(len(p)+1)], []string{"%", "_%", "", "%a"}[rnd.Intn(4)])
			}
		}
		return fmt.Sprintf("%s %s %s", c, ops[rnd.Intn(len(ops))], constFor(k))
	}
	pruned, failed := 0, 0
	queries := 150
	if sltRace {
		queries = 30 // the race detector slows the engine about fifteenfold
	}
	for q := 0; q < queries; q++ {
		// The table itself, or behind a derived table or WITH query.
		sel := []string{
			"SELECT rid FROM r WHERE ",
			"SELECT rid FROM (SELECT * FROM r) t WHERE ",
			"WITH t AS (SELECT * FROM r) SELECT rid FROM t WHERE ",
			"SELECT t.rid FROM (SELECT * FROM r) t JOIN r r2 ON r2.rid = t.rid WHERE ",
		}[rnd.Intn(4)]
		qual = ""
		if strings.Contains(sel, "JOIN") {
			qual = "t."
		}
		var ps []string
		for n := 1 + rnd.Intn(3); n > 0; n-- {
			ps = append(ps, pred())
		}
		if rnd.Intn(4) == 0 {
			ps = []string{"(" + ps[0] + " OR " + pred() + ")"}
		}
		where := strings.Join(ps, " AND ")
		var wrapped []string
		for _, p := range ps {
			wrapped = append(wrapped, "("+p+") IS TRUE")
		}
		got, _, err := run(t, s, sel+where)
		want, _, werr := run(t, s, sel+strings.Join(wrapped, " AND "))
		if err != nil || werr != nil {
			// Predicates are well typed: only a cast of a constant may
			// fail (out of range), and then both must.
			if (err == nil) != (werr == nil) {
				t.Fatalf("%s: error %v, unpruned error %v", where, err, werr)
			}
			failed++
			continue
		}
		if flat(sortedRows(got)) != flat(sortedRows(want)) {
			t.Fatalf("%s%s: %d rows, unpruned %d", sel, where, len(got), len(want))
		}
		if rg := rowGroupsRead(t, s, "EXPLAIN "+sel+where); len(rg) == 1 && rg[0][0] < rg[0][1] {
			pruned++
		}
	}
	t.Logf("%d of %d queries skipped row groups, %d failed in both forms", pruned, queries, failed)
	if pruned < queries/10 || failed > queries/10 {
		t.Errorf("%d of %d queries skipped row groups, %d failed: the test checks little", pruned, queries, failed)
	}
}

func sortedRows(rows [][]string) [][]string {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	return out
}

var columnCacheLine = regexp.MustCompile(`Column cache: hit=(\d+) read=(\d+)`)

// TestExplainAnalyzeColumnCache: EXPLAIN ANALYZE tells how the row groups
// a scan read were found: decoded from their files the first time, from
// the column cache the next, and a new column decodes again.
func TestExplainAnalyzeColumnCache(t *testing.T) {
	s := pruneEngine(t)
	mustRun(t, s, `CREATE TABLE ev (id int8, grp text)`)
	mustRun(t, s, `INSERT INTO ev SELECT i, 'g' || (i % 7) FROM generate_series(1, 5000) i`)
	cache := func(query string) string {
		t.Helper()
		for _, r := range mustRun(t, s, "EXPLAIN ANALYZE "+query) {
			if m := columnCacheLine.FindStringSubmatch(r[0]); m != nil {
				return m[1] + "/" + m[2]
			}
		}
		return "none"
	}
	for _, c := range []struct{ query, want string }{
		// ids 1000…1199 lie in row groups 901–1000, 1001–1100 and 1101–1200.
		{`SELECT count(id) FROM ev WHERE id BETWEEN 1000 AND 1199`, "0/3"},
		{`SELECT count(id) FROM ev WHERE id BETWEEN 1000 AND 1199`, "3/0"},
		{`SELECT max(id) FROM ev`, "3/47"},
		{`SELECT max(id) FROM ev`, "50/0"},
		{`SELECT max(grp) FROM ev WHERE id < 150`, "0/2"}, // grp was never read
	} {
		if got := cache(c.query); got != c.want {
			t.Errorf("%s: column cache hit/read %s, want %s", c.query, got, c.want)
		}
	}
}
