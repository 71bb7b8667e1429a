package parser

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that positions and offsets stay
// inside the input, and that every own statement prints as SQL that parses
// back to an equal statement, and that nestingEstimate bounds the depth of
// every tree PostgreSQL's parser returns. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"CREATE SHARE s COMMENT 'x'; SELECT 1",
		"ALTER SHARE IF EXISTS s ADD TABLE a.b.c AS d.e COMMENT 'c'",
		"CREATE RECIPIENT r USING ID 't' PROPERTIES ('k' = 'v')",
		"GRANT SELECT ON ALL TABLES IN SCHEMA a.b TO SHARE s",
		"SELECT ';' /* ; */ -- ;",
		"SELECT ((1+2)*-3)::int, NOT NOT x IS NULL, CASE WHEN a THEN b END FROM t JOIN u ON (SELECT 1) = 1",
		"SELECT ARRAY[ARRAY[1]] UNION ALL SELECT abs(abs(1)) ORDER BY 1",
		"SELECT (((((((((((((((((((((1)))))))))))))))))))))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		sts, err := Parse(sql)
		if err != nil {
			var tc *TooComplexError
			if errors.As(err, &tc) {
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %T %v, want a SyntaxError", sql, err, err)
			}
			if n := utf8.RuneCountInString(sql); se.Pos < 0 || se.Pos > n+1 {
				t.Fatalf("Parse(%q): position %d outside 0..%d", sql, se.Pos, n+1)
			}
			return
		}
		for _, st := range sts {
			if st.Offset < 0 || st.Offset+len(st.SQL) > len(sql) || sql[st.Offset:st.Offset+len(st.SQL)] != st.SQL {
				t.Fatalf("Parse(%q): statement %q at bad offset %d", sql, st.SQL, st.Offset)
			}
			if (st.PG == nil) == (st.Own == nil) {
				t.Fatalf("Parse(%q): statement %q must have exactly one of PG and Own", sql, st.SQL)
			}
			if st.Own != nil {
				checkFixpoint(t, st.Own)
			}
			checkDepthBound(t, st)
		}
	})
}
