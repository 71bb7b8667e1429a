package parser

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// TestParse runs testdata/parse: each `parse` prints every statement of its
// input, own statements as String() (checked to be a fixpoint) and
// PostgreSQL statements as pg_query deparses them.
func TestParse(t *testing.T) {
	datadriven.Walk(t, "testdata/parse", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			if td.Cmd != "parse" {
				t.Fatalf("%s: unknown directive %q", td.Pos, td.Cmd)
			}
			sts, err := Parse(td.Input)
			if err != nil {
				t.Fatalf("%s: %v", td.Pos, err)
			}
			var b strings.Builder
			for _, st := range sts {
				if got := td.Input[st.Offset : st.Offset+len(st.SQL)]; got != st.SQL {
					t.Errorf("%s: Offset %d gives %q, SQL is %q", td.Pos, st.Offset, got, st.SQL)
				}
				if st.Own != nil {
					checkFixpoint(t, st.Own)
					fmt.Fprintf(&b, "%s: %s\n", reflect.TypeOf(st.Own).Elem().Name(), st.Own)
					continue
				}
				out, err := Deparse(st.PG)
				if err != nil {
					t.Fatalf("%s: deparse %q: %v", td.Pos, st.SQL, err)
				}
				fmt.Fprintf(&b, "pg: %s\n", out)
			}
			if len(sts) == 0 {
				b.WriteString("(empty)\n")
			}
			return b.String()
		})
	})
}

// TestErrors runs testdata/errors: each `error` prints the error as psql
// would, with the position drawn as a caret.
func TestErrors(t *testing.T) {
	datadriven.Walk(t, "testdata/errors", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			if td.Cmd != "error" {
				t.Fatalf("%s: unknown directive %q", td.Pos, td.Cmd)
			}
			_, err := Parse(td.Input)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%s: want a SyntaxError, got %v", td.Pos, err)
			}
			return formatError(td.Input, se)
		})
	})
}

// formatError draws err as psql does: the message, then the line holding
// the position with a caret under it.
func formatError(input string, err *SyntaxError) string {
	out := fmt.Sprintf("ERROR: %s (position %d)\n", err.Msg, err.Pos)
	if err.Pos == 0 {
		return out
	}
	runes := []rune(input)
	p := min(err.Pos-1, len(runes))
	lineNo, start := 1, 0
	for i := 0; i < p; i++ {
		if runes[i] == '\n' {
			lineNo, start = lineNo+1, i+1
		}
	}
	end := start
	for end < len(runes) && runes[end] != '\n' {
		end++
	}
	prefix := fmt.Sprintf("LINE %d: ", lineNo)
	return out + prefix + string(runes[start:end]) + "\n" + strings.Repeat(" ", len(prefix)+p-start) + "^\n"
}

// checkFixpoint checks that s prints as SQL that parses back to s.
func checkFixpoint(t testing.TB, s Own) {
	t.Helper()
	text := s.String()
	sts, err := Parse(text)
	if err != nil {
		t.Fatalf("%q does not parse: %v", text, err)
	}
	if len(sts) != 1 || sts[0].Own == nil {
		t.Fatalf("%q parses to %d statements, not one own statement", text, len(sts))
	}
	if !reflect.DeepEqual(sts[0].Own, s) {
		t.Fatalf("%q parses to %#v, not %#v", text, sts[0].Own, s)
	}
}

func TestPGVersion(t *testing.T) {
	tree, err := pg_query.Parse("SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	if tree.Version != pgVersion {
		t.Fatalf("pg_query's version is %d, pgVersion says %d", tree.Version, pgVersion)
	}
}

func TestPosition(t *testing.T) {
	sql := "SELECT 'é'; SELECT x FROM t"
	sts, err := Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	st := sts[1]
	ref := st.PG.Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val.GetColumnRef()
	// x is the 20th character of sql (the 21st byte).
	if got := st.Position(ref.Location); got != 20 {
		t.Fatalf("Position(%d) = %d, want 20", ref.Location, got)
	}
	if got := st.Position(-1); got != 0 {
		t.Fatalf("Position(-1) = %d, want 0", got)
	}
}

func TestQuoteIdent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"orders", "orders"},
		{"Orders", `"Orders"`},
		{"select", `"select"`},
		{"share", "share"}, // unreserved
		{"a b", `"a b"`},
		{`a"b`, `"a""b"`},
		{"_x1$", `"_x1$"`},
		{"1a", `"1a"`},
		{"é", `"é"`},
	} {
		if got := quoteIdent(tc.in); got != tc.want {
			t.Errorf("quoteIdent(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestDecodeString(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		ok        bool
	}{
		{`'abc'`, "abc", true},
		{`'it''s'`, "it's", true},
		{`''`, "", true},
		{"'a'\n'b'", "ab", true},
		{"'a' -- c\n'b'", "ab", true},
		{`E'a\nb\\c\'d\x41\101\u00e9'`, "a\nb\\c'dAAé", true},
		{`N'x'`, "x", true},
		{`$$a'b$$`, "a'b", true},
		{`$t$a$$b$t$`, "a$$b", true},
		{`'a\n'`, `a\n`, true},
		{`x`, "", false},
	} {
		got, ok := decodeString(tc.raw)
		if got != tc.want || ok != tc.ok {
			t.Errorf("decodeString(%q) = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}
