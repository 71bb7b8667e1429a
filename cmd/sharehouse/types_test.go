package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// typeCase is one column type of the round-trip test: one value written as
// an SQL literal, as a binary parameter and as a text parameter, read back in
// text (simple and extended protocol) and binary format.
type typeCase struct {
	col, typ string
	literal  string // SQL literal of the value
	text     string // PostgreSQL's text output of the value
	param    any    // the value as a Go value; pgx sends it in binary
	// canon turns what pgx decoded from the binary format into text.
	canon func(v any) string
}

func mustTime(layout, s string) time.Time {
	t, err := time.Parse(layout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func typeCases() []typeCase {
	uuid := [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	ts := mustTime("2006-01-02 15:04:05.999999", "2024-02-29 13:14:15.123456")
	return []typeCase{
		{"b", "boolean", "true", "t", true, func(v any) string {
			if v.(bool) {
				return "t"
			}
			return "f"
		}},
		{"i2", "smallint", "-32768", "-32768", int16(math.MinInt16), func(v any) string { return fmt.Sprint(v.(int16)) }},
		{"i4", "integer", "2147483647", "2147483647", int32(math.MaxInt32), func(v any) string { return fmt.Sprint(v.(int32)) }},
		{"i8", "bigint", "9223372036854775807", "9223372036854775807", int64(math.MaxInt64), func(v any) string { return fmt.Sprint(v.(int64)) }},
		{"f4", "real", "1.5", "1.5", float32(1.5), func(v any) string { return strconv.FormatFloat(float64(v.(float32)), 'g', -1, 32) }},
		{"f8", "double precision", "3.141592653589793", "3.141592653589793", 3.141592653589793, func(v any) string { return strconv.FormatFloat(v.(float64), 'g', -1, 64) }},
		{"n", "numeric(12,2)", "1234567890.12", "1234567890.12", mustNumeric("1234567890.12"), func(v any) string {
			n := v.(pgtype.Numeric)
			s, err := n.Value()
			if err != nil {
				return err.Error()
			}
			return s.(string)
		}},
		{"t", "text", `'héllo, "wörld" \ ☃ ''q'''`, `héllo, "wörld" \ ☃ 'q'`, `héllo, "wörld" \ ☃ 'q'`, func(v any) string { return v.(string) }},
		{"vc", "varchar(10)", "'abc'", "abc", "abc", func(v any) string { return v.(string) }},
		{"c", "char(5)", "'ab'", "ab   ", "ab", func(v any) string { return v.(string) }},
		{"d", "date", "DATE '2024-02-29'", "2024-02-29", mustTime("2006-01-02", "2024-02-29"), func(v any) string { return v.(time.Time).Format("2006-01-02") }},
		{"ts", "timestamp", "TIMESTAMP '2024-02-29 13:14:15.123456'", "2024-02-29 13:14:15.123456", ts, func(v any) string {
			return v.(time.Time).Format("2006-01-02 15:04:05.999999")
		}},
		{"tstz", "timestamptz", "TIMESTAMPTZ '2024-02-29 14:14:15.123456+01'", "2024-02-29 13:14:15.123456+00", ts, func(v any) string {
			return v.(time.Time).UTC().Format("2006-01-02 15:04:05.999999-07")
		}},
		{"by", "bytea", `'\xdeadbeef00'::bytea`, `\xdeadbeef00`, []byte{0xde, 0xad, 0xbe, 0xef, 0}, func(v any) string { return `\x` + hex.EncodeToString(v.([]byte)) }},
		{"u", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", pgtype.UUID{Bytes: uuid, Valid: true}, func(v any) string {
			b := v.([16]byte)
			h := hex.EncodeToString(b[:])
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}},
	}
}

func mustNumeric(s string) pgtype.Numeric {
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		panic(err)
	}
	return n
}

// normalizeText makes text output comparable across session time zones:
// timestamptz is printed in the session's TimeZone, so it is re-rendered in UTC.
func normalizeText(typ, s string) string {
	if typ != "timestamptz" {
		return s
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2006-01-02 15:04:05.999999-07")
		}
	}
	return s
}

func TestTypesRoundTrip(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	cases := typeCases()

	var cols, names, literals, placeholders []string
	for i, tc := range cases {
		cols = append(cols, tc.col+" "+tc.typ)
		names = append(names, tc.col)
		literals = append(literals, tc.literal)
		placeholders = append(placeholders, fmt.Sprintf("$%d", i+2))
	}
	mustExec(t, conn, "CREATE TABLE alltypes (id integer NOT NULL, "+strings.Join(cols, ", ")+", def text NOT NULL DEFAULT 'dflt')")
	colList := strings.Join(names, ", ")

	// Row 1: SQL literals in a simple query.
	mustExec(t, conn, "INSERT INTO alltypes (id, "+colList+") VALUES (1, "+strings.Join(literals, ", ")+")", pgx.QueryExecModeSimpleProtocol)
	// Row 2: binary parameters (pgx's default for these Go types).
	insert := "INSERT INTO alltypes (id, " + colList + ") VALUES ($1, " + strings.Join(placeholders, ", ") + ")"
	args := []any{int32(2)}
	for _, tc := range cases {
		args = append(args, tc.param)
	}
	if tag := mustExec(t, conn, insert, args...); tag.String() != "INSERT 0 1" {
		t.Fatalf("insert tag %q", tag)
	}
	// Row 3: text parameters (pgx sends Go strings in text format).
	args = []any{"3"}
	for _, tc := range cases {
		args = append(args, tc.text)
	}
	mustExec(t, conn, insert, args...)
	// Row 4: NULLs everywhere they are allowed.
	args = []any{int32(4)}
	for range cases {
		args = append(args, nil)
	}
	mustExec(t, conn, insert, args...)

	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	query := "SELECT id, " + colList + ", def FROM alltypes ORDER BY id"

	checkText := func(t *testing.T, rows pgx.Rows) {
		t.Helper()
		n := 0
		for rows.Next() {
			n++
			vals := make([]*string, len(cases)+2)
			dest := make([]any, len(vals))
			for i := range vals {
				dest[i] = &vals[i]
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			id := *vals[0]
			if *vals[len(vals)-1] != "dflt" {
				t.Errorf("row %s: def = %q, want the DEFAULT", id, *vals[len(vals)-1])
			}
			for i, tc := range cases {
				got := vals[i+1]
				switch {
				case id == "4" && got != nil:
					t.Errorf("row 4 %s (%s) = %q, want NULL", tc.col, tc.typ, *got)
				case id != "4" && got == nil:
					t.Errorf("row %s %s (%s) is NULL, want %q", id, tc.col, tc.typ, tc.text)
				case id != "4" && normalizeText(tc.typ, *got) != tc.text:
					t.Errorf("row %s %s (%s) = %q, want %q", id, tc.col, tc.typ, *got, tc.text)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Fatalf("%d rows, want 4", n)
		}
	}

	t.Run("text simple protocol", func(t *testing.T) {
		rows, err := conn.Query(ctx, query, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatal(err)
		}
		checkText(t, rows)
	})
	t.Run("text extended protocol", func(t *testing.T) {
		rows, err := conn.Query(ctx, query, pgx.QueryResultFormats{pgx.TextFormatCode})
		if err != nil {
			t.Fatal(err)
		}
		checkText(t, rows)
	})
	t.Run("binary", func(t *testing.T) {
		rows, err := conn.Query(ctx, query, pgx.QueryResultFormats{pgx.BinaryFormatCode})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for i, fd := range rows.FieldDescriptions() {
			if fd.Format != pgx.BinaryFormatCode {
				t.Errorf("column %d (%s) came in format %d, want binary", i, fd.Name, fd.Format)
			}
		}
		n := 0
		for rows.Next() {
			n++
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			id := vals[0].(int32)
			for i, tc := range cases {
				v := vals[i+1]
				if id == 4 {
					if v != nil {
						t.Errorf("row 4 %s (%s) = %#v, want NULL", tc.col, tc.typ, v)
					}
					continue
				}
				if v == nil {
					t.Errorf("row %d %s (%s) is NULL", id, tc.col, tc.typ)
					continue
				}
				if got := safeCanon(tc.canon, v); got != tc.text {
					t.Errorf("row %d %s (%s) = %q (%T), want %q", id, tc.col, tc.typ, got, v, tc.text)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Fatalf("%d rows, want 4", n)
		}
	})
	t.Run("psql", func(t *testing.T) {
		out := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", "SELECT i8, n, c, d, by, u FROM alltypes WHERE id = 1")
		want := "9223372036854775807|1234567890.12|ab   |2024-02-29|\\xdeadbeef00|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
		if strings.TrimSpace(out) != want {
			t.Errorf("psql printed %q, want %q", out, want)
		}
	})
	t.Run("constraints and limits", func(t *testing.T) {
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id) VALUES (NULL)"), "23502")
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id, vc) VALUES (5, 'much too long for ten')"), "22001")
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id, i2) VALUES (5, 40000)"), "22003")
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id, n) VALUES (5, 12345678901.5)"), "22003")
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id, d) VALUES (5, 'not a date')"), "22007", "22008")
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id, u) VALUES (5, 'not-a-uuid')"), "22P02")
		wantCode(t, execErr(conn, "INSERT INTO alltypes (id, i4) VALUES (5, 'x')"), "22P02")
		if n := queryInt64(t, conn, "SELECT count(*) FROM alltypes"); n != 4 {
			t.Errorf("%d rows after failed inserts, want 4", n)
		}
	})
}

// safeCanon renders v, reporting a wrong Go type instead of panicking.
func safeCanon(canon func(any) string, v any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<%v>", r)
		}
	}()
	return canon(v)
}
