package parser

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// repeatJoin is n copies of item joined by sep.
func repeatJoin(item, sep string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+sep, n), sep)
}

// nested is n copies of open, then mid, then n copies of close.
func nested(open, mid, close string, n int) string {
	return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
}

func inList(n int) string {
	var b strings.Builder
	b.WriteString("SELECT 1 WHERE 7 IN (")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, i)
	}
	b.WriteString(")")
	return b.String()
}

// TestParseNesting: statements of normal use parse however long they are;
// deeply nested ones are refused with TooComplexError before PostgreSQL's
// C parser could overflow its thread's stack (a 1+…+1 of 40,000 terms
// killed the server).
func TestParseNesting(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sql     string
		refused bool
	}{
		{"values 10000", "SELECT * FROM (VALUES " + repeatJoin("(1, 'a', 2+3)", ",", 10000) + ") v", false},
		{"union all 5000", repeatJoin("SELECT 1, 2", " UNION ALL ", 5000), false},
		{"union all 5000 filtered", repeatJoin("SELECT a + 1 FROM t WHERE a = 1 + 2", " UNION ALL ", 5000), false},
		{"and of comparisons 10000", "SELECT 1 WHERE " + repeatJoin("a + 1 = 2", " AND ", 10000), false},
		{"case of 10000 whens", "SELECT CASE " + strings.Repeat("WHEN a = 1 + 2 THEN 1 + 2 ", 10000) + "END", false},
		{"in list 500k", inList(500000), false},
		{"string 1MB", "SELECT '" + strings.Repeat("x", 1<<20) + "'", false},
		{"and 10000", "SELECT " + repeatJoin("true", " AND ", 10000), false},
		{"plus 4000", "SELECT " + repeatJoin("1", "+", 4000), false},
		{"subqueries 2000", "SELECT " + nested("(SELECT ", "1", ")", 2000), false},
		{"joins 1000", "SELECT 1 FROM t0" + strings.Repeat(" JOIN t ON true", 1000), false},
		{"plus 40000", "SELECT " + repeatJoin("1", "+", 40000), true},
		{"plus case 20000", "SELECT 1" + strings.Repeat(" + CASE WHEN a AND b THEN 1 ELSE 2 END", 20000), true},
		{"plus between 20000", "SELECT 1" + strings.Repeat(" + (a BETWEEN 1 AND 2)::int", 20000), true},
		{"concat 20000", "SELECT " + repeatJoin("'a'", "||", 20000), true},
		{"parentheses 20000", "SELECT " + nested("(", "1", ")", 20000), true},
		{"subqueries 5000", "SELECT " + nested("(SELECT ", "1", ")", 5000), true},
		{"casts 20000", "SELECT 1" + strings.Repeat("::int", 20000), true},
		{"minus 20000", "SELECT " + strings.Repeat("- ", 20000) + "1", true},
		{"union all 20000", repeatJoin("SELECT 1", " UNION ALL ", 20000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := Parse(tc.sql)
			var tce *TooComplexError
			if tc.refused {
				if !errors.As(err, &tce) {
					t.Fatalf("Parse: %v, want TooComplexError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkDepthBound(t, sts[0])
		})
	}
}

// checkDepthBound checks the invariant decodeLimit relies on: a parsed
// tree nests at most decodeLimit/maxNesting protobuf messages per level
// that nestingEstimate counted, besides the statement's own few.
func checkDepthBound(t *testing.T, st Statement) {
	t.Helper()
	if st.PG == nil {
		return
	}
	scan, err := pg_query.Scan(st.SQL)
	if err != nil {
		t.Fatal(err)
	}
	var toks []token
	for _, s := range scan.Tokens {
		if !isComment(s) {
			toks = append(toks, makeToken(st.SQL, s))
		}
	}
	est, depth := nestingEstimate(toks), messageDepth(st.PG.ProtoReflect(), decodeLimit)
	if depth > est*(decodeLimit/maxNesting)+statementMessages {
		t.Fatalf("%.80q: tree %d messages deep, estimate %d levels", st.SQL, depth, est)
	}
}

// TestDeparseDepth: a tree too deep for pg_query's C deparser is refused
// (a view of a 9,000-branch UNION ALL killed the server when stored).
func TestDeparseDepth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sql     string
		refused bool
	}{
		{"union all 3000", repeatJoin("SELECT 1", " UNION ALL ", 3000), false},
		{"plus 1500", "SELECT " + repeatJoin("1", "+", 1500), false},
		{"union all 9000", repeatJoin("SELECT 1", " UNION ALL ", 9000), true},
		{"plus 4000", "SELECT " + repeatJoin("1", "+", 4000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := Parse(tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			text, err := Deparse(sts[0].PG)
			var tce *TooComplexError
			if tc.refused != errors.As(err, &tce) {
				t.Fatalf("Deparse: %v, refused want %v", err, tc.refused)
			}
			if !tc.refused && len(text) < len(tc.sql)/2 {
				t.Fatalf("Deparse: %.80q", text)
			}
		})
	}
}
