package executor

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLongStatements parses, binds and runs statements that are long
// but flat, as generated SQL is: a 5,000-branch UNION ALL (a left-deep
// tree of set operations took 58 s and 1.3 GB) and a 500,000-item IN list
// (24 s and 936 MB as 500,000 comparisons per batch).
func BenchmarkLongStatements(b *testing.B) {
	s := benchSession(b)
	var union []string
	for i := 0; i < 5000; i++ {
		union = append(union, fmt.Sprintf("SELECT %d AS x", i))
	}
	var items []string
	for i := 0; i < 500000; i++ {
		items = append(items, fmt.Sprint(3*i))
	}
	for _, q := range []struct{ name, sql string }{
		{"union_all_5000", "SELECT count(*), sum(x) FROM (" + strings.Join(union, " UNION ALL ") + ") u"},
		{"in_list_500000", "SELECT count(*) FROM generate_series(1, 1000000) g WHERE g IN (" + strings.Join(items, ",") + ")"},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.SetBytes(int64(len(q.sql)))
			for i := 0; i < b.N; i++ {
				drainQuery(b, s, q.sql)
			}
		})
	}
}
