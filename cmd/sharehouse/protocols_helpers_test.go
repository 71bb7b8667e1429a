package main

// Helpers that run statements in both of pgx's protocols, the simple one
// (Query) and its default extended mode (Parse, Describe, Bind, Execute,
// with the statement's description cached), and compare what a client
// sees: columns, values, command tag, SQLSTATE.

import (
	"context"
	"database/sql/driver"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// protoResult is what one statement returned, as a client sees it.
type protoResult struct {
	cols []string   // "name oid" per column; nil without a RowDescription
	vals [][]string // values as pgx decodes them, printed
	text [][]string // values as sent in text format, "NULL" for null (simple protocol)
	tag  string
	code string // the SQLSTATE of a server error
	err  error
}

// runProtocol runs sql in the simple protocol or in pgx's default
// (extended) mode and reads every row.
func runProtocol(conn *pgx.Conn, sql string, simple bool) protoResult {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	var args []any
	if simple {
		args = []any{pgx.QueryExecModeSimpleProtocol}
	}
	var r protoResult
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return r.failed(err)
	}
	defer rows.Close()
	for _, f := range rows.FieldDescriptions() {
		r.cols = append(r.cols, fmt.Sprintf("%s %d", f.Name, f.DataTypeOID))
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return r.failed(err)
		}
		printed := make([]string, len(vals))
		for i, v := range vals {
			printed[i] = printValue(v)
		}
		r.vals = append(r.vals, printed)
		raw := rows.RawValues()
		text := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				text[i] = "NULL"
			} else {
				text[i] = string(v)
			}
		}
		r.text = append(r.text, text)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r.failed(err)
	}
	r.tag = rows.CommandTag().String()
	return r
}

func (r protoResult) failed(err error) protoResult {
	r.err = err
	if pe, ok := asPgError(err); ok {
		r.code = pe.Code
	}
	return r
}

// printValue prints a decoded value the same whichever format it came in.
func printValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case driver.Valuer: // pgtype.Numeric and friends print their SQL text
		if dv, err := x.Value(); err == nil {
			return fmt.Sprint(dv)
		}
	}
	return fmt.Sprint(v)
}

// protoDiff says how two results differ to a client ("" if not at all).
// Raw text values are not compared: the extended mode may receive binary.
func protoDiff(a, b protoResult) string {
	var d []string
	if (a.err == nil) != (b.err == nil) || a.code != b.code {
		d = append(d, fmt.Sprintf("error %v vs %v", a.err, b.err))
	}
	if !slices.Equal(a.cols, b.cols) {
		d = append(d, fmt.Sprintf("columns %q vs %q", a.cols, b.cols))
	}
	if !slices.EqualFunc(a.vals, b.vals, slices.Equal) {
		d = append(d, fmt.Sprintf("rows %q vs %q", a.vals, b.vals))
	}
	if a.tag != b.tag {
		d = append(d, fmt.Sprintf("tag %q vs %q", a.tag, b.tag))
	}
	return strings.Join(d, "; ")
}

// queryBoth runs a statement without side effects in the simple protocol,
// then in pgx's default extended mode, reports any difference between the
// two, and returns the simple protocol's rows (text, "NULL" for null) and
// error.
func queryBoth(t testing.TB, conn *pgx.Conn, sql string) ([][]string, error) {
	t.Helper()
	simple := runProtocol(conn, sql, true)
	extended := runProtocol(conn, sql, false)
	if d := protoDiff(simple, extended); d != "" {
		t.Errorf("%s: simple protocol vs extended: %s", sql, d)
	}
	return simple.text, simple.err
}

// mustQueryBoth is queryBoth for a statement that must succeed.
func mustQueryBoth(t testing.TB, conn *pgx.Conn, sql string) [][]string {
	t.Helper()
	rows, err := queryBoth(t, conn, sql)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return rows
}

// mustQueryDefault runs a statement once, in pgx's default extended mode,
// for one with side effects (CREATE RECIPIENT, ROTATE TOKEN), and returns
// its rows as text; it fails the test on an error or a value that did not
// come in text format.
func mustQueryDefault(t testing.TB, conn *pgx.Conn, sql string) [][]string {
	t.Helper()
	r := runProtocol(conn, sql, false)
	if r.err != nil {
		t.Fatalf("query %q: %v", sql, r.err)
	}
	if !slices.EqualFunc(r.text, r.vals, slices.Equal) {
		t.Fatalf("%s: values %q did not come as text (%q)", sql, r.vals, r.text)
	}
	return r.text
}

var (
	activationCodeRE = regexp.MustCompile(`/activate/[^/\s]+`)
	timestampRE      = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?([+-]\d\d:?\d\d|Z))?`)
)

// twinResult is r with world's name suffix replaced by "_W", and the
// values no two runs share (activation codes, times) masked.
func twinResult(r protoResult, world string) protoResult {
	fix := func(s string) string {
		s = activationCodeRE.ReplaceAllString(s, "/activate/<code>")
		s = timestampRE.ReplaceAllString(s, "<time>")
		return strings.ReplaceAll(s, world, "_W")
	}
	fixRows := func(rows [][]string) [][]string {
		out := make([][]string, len(rows))
		for i, row := range rows {
			out[i] = make([]string, len(row))
			for j, v := range row {
				out[i][j] = fix(v)
			}
		}
		return out
	}
	r.vals, r.text = fixRows(r.vals), fixRows(r.text)
	if r.err != nil {
		r.err = fmt.Errorf("%s", fix(r.err.Error()))
	}
	return r
}

// twinWorlds runs a sharing scenario twice, in two disjoint worlds: every
// object name in a statement carries the world's suffix ({w} in the
// statement), the world "_simple" runs every statement in the simple
// protocol, "_ext" in pgx's default extended mode, step by step; each step's
// results must be the same once the suffix is taken out.
type twinWorlds struct {
	t      *testing.T
	simple string // "_simple"
	ext    string // "_ext"
}

// step runs sql ({w} replaced) through conns[0] in the simple world and
// conns[1] in the extended one, compares, and returns both results (also
// on failure: a step may be meant to fail; its SQLSTATE is compared).
func (w twinWorlds) step(conns [2]*pgx.Conn, sql string) [2]protoResult {
	w.t.Helper()
	a := runProtocol(conns[0], strings.ReplaceAll(sql, "{w}", w.simple), true)
	b := runProtocol(conns[1], strings.ReplaceAll(sql, "{w}", w.ext), false)
	if d := protoDiff(twinResult(a, w.simple), twinResult(b, w.ext)); d != "" {
		w.t.Errorf("%s: simple protocol vs extended: %s", sql, d)
	}
	return [2]protoResult{a, b}
}

// mustStep is step for a statement that must succeed in both worlds.
func (w twinWorlds) mustStep(conns [2]*pgx.Conn, sql string) [2]protoResult {
	w.t.Helper()
	r := w.step(conns, sql)
	for i, x := range r {
		if x.err != nil {
			w.t.Fatalf("%s (world %d): %v", sql, i, x.err)
		}
	}
	return r
}
