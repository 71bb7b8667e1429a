package executor

import (
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// The runner is only as good as its verdicts: these tests pin that it
// fails what it should, so a rate in testdata/slt/rates.txt means what it says.

func TestSLTFormatValue(t *testing.T) {
	cases := []struct {
		letter byte
		t      sqltype.T
		v      sltValue
		want   string
	}{
		{'I', sqltype.Int4T, sltValue{text: "-42"}, "-42"},
		{'I', sqltype.Int8T, sltValue{null: true}, "NULL"},
		{'I', sqltype.NumericT, sltValue{text: "12.75"}, "12"},
		{'I', sqltype.NumericT, sltValue{text: "-0.5"}, "0"},
		{'I', sqltype.NumericT, sltValue{text: "-65.3333333333333333"}, "-65"},
		{'I', sqltype.Float8T, sltValue{text: "-7.9"}, "-7"},
		{'I', sqltype.Float8T, sltValue{text: "1e+20"}, "100000000000000000000"},
		{'I', sqltype.BoolT, sltValue{text: "t"}, "1"},
		{'I', sqltype.TextT, sltValue{text: "abc"}, "0"},
		{'I', sqltype.TextT, sltValue{text: " 17x"}, "17"},
		{'R', sqltype.Int4T, sltValue{text: "3"}, "3.000"},
		{'R', sqltype.NumericT, sltValue{text: "2.0005"}, "2.001"},
		{'R', sqltype.Float8T, sltValue{text: "-0.0001"}, "-0.000"},
		{'T', sqltype.TextT, sltValue{text: ""}, "(empty)"},
		{'T', sqltype.TextT, sltValue{text: "a\tb"}, "a@b"},
		{'T', sqltype.Int4T, sltValue{text: "5"}, "5"},
		{'T', sqltype.TextT, sltValue{null: true}, "NULL"},
	}
	for _, c := range cases {
		if got := sltFormatValue(c.letter, c.t, c.v); got != c.want {
			t.Errorf("%c %v %+v: got %q, want %q", c.letter, c.t, c.v, got, c.want)
		}
	}
}

func TestSLTHash(t *testing.T) {
	// md5("1\n2\n3\n")
	if got, want := sltHash([]string{"1", "2", "3"}), "3 values hashing to c0710d6b4f15dfa88f600b0e6b624077"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestSLTRunnerVerdicts runs a small script whose records say which verdict
// each must get ("pass" or the failure cause) in their label.
func TestSLTRunnerVerdicts(t *testing.T) {
	script := strings.ReplaceAll(`hash-threshold 4

statement ok
CREATE TABLE t(a INTEGER, b INTEGER)

statement ok
INSERT INTO t VALUES(1, 20), (3, NULL), (2, 10)

statement error
INSERT INTO nope VALUES(1)

statement error
SELECT 1

query I nosort pass
SELECT a FROM t ORDER BY a
----
1
2
3

query I nosort wrong-values
SELECT a FROM t ORDER BY a DESC
----
1
2
3

query I rowsort pass
SELECT a FROM t
----
1
2
3

query II rowsort wrong-count
SELECT a, b FROM t WHERE a < 3
----
1
20

query II rowsort pass
SELECT a, b FROM t
----
6 values hashing to HASH

query II rowsort wrong-values
SELECT a, b + 1 FROM t
----
6 values hashing to HASH

query I valuesort pass
SELECT b FROM t
----
10
20
NULL

query II nosort wrong-columns
SELECT a FROM t WHERE a = 1
----
1
20

query I nosort 42P01
SELECT * FROM missing
----

skipif postgresql
query I nosort skipped
SELECT 1
----
2

onlyif mysql
query I nosort skipped
SELECT 1
----
2

onlyif postgresql
query I nosort pass
SELECT 1
----
1

halt

query I nosort after-halt
SELECT 1
----
2
`, "HASH", strings.TrimPrefix(sltHash([]string{"1", "20", "2", "10", "3", "NULL"}), "6 values hashing to "))
	recs, err := parseSLT(strings.NewReader(strings.ReplaceAll(script, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	s, panics, _ := sltEngine(t)
	r := &sltRunner{s: s, engine: "postgresql", panics: panics}
	queries := 0
	for _, rec := range recs {
		if rec.kind == sltHalt {
			break
		}
		if rec.skipped(r.engine) {
			if rec.label != "skipped" {
				t.Errorf("line %d skipped", rec.line)
			}
			continue
		}
		out, counted := r.run(rec)
		if !counted {
			continue
		}
		got := "pass"
		if !out.pass {
			got = out.cause
		}
		want := map[string]string{
			"":              "pass",
			"pass":          "pass",
			"wrong-values":  "wrong result: values",
			"wrong-count":   "wrong result: row count",
			"wrong-columns": "wrong number of columns",
			"42P01":         `42P01 relation "…" does not exist`,
		}[rec.label]
		if rec.kind == sltQuery {
			queries++
		} else if rec.sql == "SELECT 1" {
			want = "statement succeeded, want an error"
		}
		if got != want {
			t.Errorf("line %d (%s): got verdict %q, want %q\n%s", rec.line, rec.sql, got, want, out.detail)
		}
	}
	if queries != 10 {
		t.Errorf("ran %d queries, want 10", queries)
	}
}
