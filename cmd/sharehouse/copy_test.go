package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

func TestPsqlCopy(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE people (id bigint NOT NULL, name text, score numeric(6,2), born date, active boolean)")

	dir := t.TempDir()
	csv := "id,name,score,born,active\n" +
		"1,Ada,99.50,1815-12-10,true\n" +
		"2,\"Hopper, Grace\",88.25,1906-12-09,false\n" +
		"3,\"say \"\"hi\"\"\",,1912-06-23,\n" +
		"4,\"multi\nline\",1.00,2000-01-01,t\n" +
		"5,,0,1999-12-31,f\n"
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out := s.mustPsql(t, "admin", adminPassword, "postgres", dir, "-c", `\copy people from 'people.csv' csv header`)
	if !strings.Contains(out, "COPY 5") && out != "" {
		t.Logf("psql printed %q", out)
	}
	if n := queryInt64(t, conn, "SELECT count(*) FROM people"); n != 5 {
		t.Fatalf("%d rows after \\copy, want 5", n)
	}
	want := []string{"Ada", "Hopper, Grace", `say "hi"`, "multi\nline", "NULL"}
	if got := queryStrings(t, conn, "SELECT name FROM people ORDER BY id"); !slices.Equal(got, want) {
		t.Fatalf("names %q, want %q", got, want)
	}
	if got := queryStrings(t, conn, "SELECT score FROM people WHERE id = 3"); !slices.Equal(got, []string{"NULL"}) {
		t.Fatalf("empty unquoted CSV field read as %q, want NULL", got)
	}

	t.Run("COPY TO STDOUT csv", func(t *testing.T) {
		out := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", "COPY people TO STDOUT (FORMAT csv, HEADER)")
		want := "id,name,score,born,active\n" +
			"1,Ada,99.50,1815-12-10,t\n" +
			"2,\"Hopper, Grace\",88.25,1906-12-09,f\n" +
			"3,\"say \"\"hi\"\"\",,1912-06-23,\n" +
			"4,\"multi\nline\",1.00,2000-01-01,t\n" +
			"5,,0.00,1999-12-31,f\n"
		// Row order of a COPY without ORDER BY is the insertion order here.
		if out != want {
			t.Fatalf("COPY TO STDOUT printed\n%q\nwant\n%q", out, want)
		}
	})
	t.Run("COPY TO STDOUT text", func(t *testing.T) {
		out := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", "COPY (SELECT id, name FROM people WHERE id >= 4 ORDER BY id) TO STDOUT")
		if want := "4\tmulti\\nline\n5\t\\N\n"; out != want {
			t.Fatalf("COPY TO STDOUT printed %q, want %q", out, want)
		}
	})
	t.Run("psql \\copy to a file", func(t *testing.T) {
		s.mustPsql(t, "admin", adminPassword, "postgres", dir, "-c", `\copy people to 'out.csv' csv header`)
		b, err := os.ReadFile(filepath.Join(dir, "out.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(b), "\n"); lines != 7 { // header, 5 rows, one embedded newline
			t.Fatalf("out.csv has %d lines:\n%s", lines, b)
		}
	})
	t.Run("COPY FROM STDIN text in a script", func(t *testing.T) {
		script := "COPY people (id, name) FROM STDIN;\n10\ttab\\there\n11\t\\N\n\\.\nSELECT count(*) FROM people;\n"
		out, errOut, err := s.psql(t, "admin", adminPassword, "postgres", "", strings.NewReader(script), "-f", "-")
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, errOut)
		}
		if strings.TrimSpace(out) != "7" {
			t.Fatalf("count after COPY FROM STDIN printed %q, want 7", out)
		}
		if got := queryStrings(t, conn, "SELECT name FROM people WHERE id = 10"); !slices.Equal(got, []string{"tab\there"}) {
			t.Fatalf("text COPY escape read as %q", got)
		}
	})
	t.Run("bad CSV commits nothing", func(t *testing.T) {
		bad := "id,name,score,born,active\n20,ok,1,2020-01-01,t\n21,bad,notanumber,2020-01-01,t\n"
		if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, err := s.psql(t, "admin", adminPassword, "postgres", dir, nil, "-c", `\copy people from 'bad.csv' csv header`)
		if err == nil {
			t.Fatal("\\copy of a bad file succeeded")
		}
		if !strings.Contains(errOut, "invalid input syntax") {
			t.Errorf("stderr %q lacks PostgreSQL's message", errOut)
		}
		if n := queryInt64(t, conn, "SELECT count(*) FROM people WHERE id >= 20"); n != 0 {
			t.Fatalf("%d rows of a failed COPY are visible", n)
		}
	})
}

// TestCopyFromBinary loads 100k rows with pgx CopyFrom, which uses the
// binary COPY format.
func TestCopyFromBinary(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE events (id bigint NOT NULL, kind text, value double precision, amount numeric(12,2), at timestamptz, flag boolean, small integer)")

	const n = 100_000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		var kind any = fmt.Sprintf("kind-%d", i%10)
		if i%1000 == 0 {
			kind = nil
		}
		return []any{int64(i), kind, float64(i) / 4, mustNumeric(fmt.Sprintf("%d.%02d", i/100, i%100)), base.Add(time.Duration(i) * time.Second), i%2 == 0, int32(i % 1000)}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	got, err := conn.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"id", "kind", "value", "amount", "at", "flag", "small"}, src)
	if err != nil {
		t.Fatalf("CopyFrom: %v", err)
	}
	t.Logf("binary COPY of %d rows: %v (%.0f rows/s)", n, time.Since(start), n/time.Since(start).Seconds())
	if got != n {
		t.Fatalf("CopyFrom reported %d rows, want %d", got, n)
	}
	if c := queryInt64(t, conn, "SELECT count(*) FROM events"); c != n {
		t.Fatalf("count(*) = %d, want %d", c, n)
	}
	if sum := queryInt64(t, conn, "SELECT sum(id) FROM events"); sum != n*(n+1)/2 {
		t.Fatalf("sum(id) = %d", sum)
	}
	if nulls := queryInt64(t, conn, "SELECT count(*) FROM events WHERE kind IS NULL"); nulls != n/1000 {
		t.Fatalf("%d NULL kinds, want %d", nulls, n/1000)
	}
	var (
		kind   string
		value  float64
		amount pgtype.Numeric
		at     time.Time
		flag   bool
		small  int32
	)
	mustQueryRow(t, conn, "SELECT kind, value, amount, at, flag, small FROM events WHERE id = $1", []any{&kind, &value, &amount, &at, &flag, &small}, int64(12345))
	amt, _ := amount.Value()
	if kind != "kind-5" || value != 12345.0/4 || amt != "123.45" || !at.Equal(base.Add(12345*time.Second)) || flag || small != 345 {
		t.Fatalf("row 12345 = %q %v %v %v %v %v", kind, value, amt, at, flag, small)
	}
}
