package main

// The sqllogictest-style harness: every testdata/logic/*.test file runs
// against its own server. The format is CockroachDB's, reduced:
//
//	# a comment
//	statement ok
//	CREATE TABLE t (a int, b text)
//
//	statement error pgcode 42P01 relation "nope" does not exist
//	SELECT * FROM nope
//
//	query IT rowsort
//	SELECT a, b FROM t
//	----
//	1 x
//	2 NULL
//
//	user alice [database]
//
// A record ends at a blank line. query takes one type letter per column (I
// integer, R float/numeric, T text, B bool, D date/time; only the count is
// checked) and the options rowsort, valuesort, nosort (the default),
// colnames (the first expected line holds the column names), separated by
// commas or spaces. Values are
// printed as PostgreSQL's text format with NULL for null and · for an empty
// string, separated by single spaces. `statement error` / `query error` take
// an optional `pgcode XXXXX` and a regular expression that must match the
// message. `user NAME [DB]` switches the connection; a user's password is its
// name, except admin's. `skipif sharehouse` / `onlyif postgresql` before a
// record skip it here (postgresql-only behaviour). `halt` ends the file.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

var logicFiles = flag.String("logic", "", "glob of testdata/logic file names to run (default all)")

// logicRecord is one record of a logic file.
type logicRecord struct {
	pos      string // file:line, for messages
	kind     string // statement, query, user
	sql      string
	wantErr  bool
	code     string // SQLSTATE of an expected error
	msgRE    string // regexp of an expected error message
	types    string // query column types
	sort     string // rowsort, valuesort or ""
	colnames bool
	expected []string
	user, db string // for kind user
}

func TestLogic(t *testing.T) {
	t.Parallel()
	pattern := "*.test"
	if *logicFiles != "" {
		pattern = *logicFiles
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "logic", pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no logic files match testdata/logic/%s", pattern)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".test"), func(t *testing.T) {
			t.Parallel()
			records, err := parseLogicFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := startServer(t)
			runLogic(t, s, records)
		})
	}
}

var directiveRE = regexp.MustCompile(`^(statement|query|user|skipif|onlyif|halt)\b\s*(.*)$`)

func parseLogicFile(path string) ([]logicRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var (
		lines []string
		out   []logicRecord
	)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	name := filepath.Join("testdata", "logic", filepath.Base(path))
	skipNext := false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pos := fmt.Sprintf("%s:%d", name, i+1)
		m := directiveRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%s: unknown directive %q", pos, line)
		}
		args := m[2]
		// body reads SQL lines up to a blank line or "----".
		body := func() (string, bool) {
			var sql []string
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && strings.TrimSpace(lines[i+1]) != "----" {
				i++
				sql = append(sql, lines[i])
			}
			sep := i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "----"
			if sep {
				i++
			}
			return strings.Join(sql, "\n"), sep
		}
		rec := logicRecord{pos: pos, kind: m[1]}
		switch m[1] {
		case "halt":
			return out, nil
		case "skipif", "onlyif":
			engine := strings.TrimSpace(args)
			skipNext = (m[1] == "skipif") == (engine == "sharehouse")
			continue
		case "user":
			f := strings.Fields(args)
			if len(f) < 1 || len(f) > 2 {
				return nil, fmt.Errorf("%s: want user NAME [DATABASE]", pos)
			}
			rec.user, rec.db = f[0], "postgres"
			if len(f) == 2 {
				rec.db = f[1]
			}
		case "statement", "query":
			if rest, ok := strings.CutPrefix(args, "error"); ok {
				rec.wantErr = true
				rest = strings.TrimSpace(rest)
				if code, ok := strings.CutPrefix(rest, "pgcode "); ok {
					rec.code, rest, _ = strings.Cut(strings.TrimSpace(code), " ")
				}
				rec.msgRE = strings.TrimSpace(rest)
			} else if m[1] == "statement" {
				if strings.TrimSpace(args) != "ok" {
					return nil, fmt.Errorf("%s: want statement ok or statement error", pos)
				}
			} else {
				f := strings.Fields(args)
				if len(f) == 0 {
					return nil, fmt.Errorf("%s: query needs column types", pos)
				}
				rec.types = f[0]
				for _, opt := range strings.FieldsFunc(strings.Join(f[1:], " "), func(r rune) bool { return r == ',' || r == ' ' }) {
					switch opt {
					case "rowsort", "valuesort":
						rec.sort = opt
					case "nosort":
					case "colnames":
						rec.colnames = true
					default:
						return nil, fmt.Errorf("%s: unknown query option %q", pos, opt)
					}
				}
			}
			var sep bool
			rec.sql, sep = body()
			if rec.sql == "" {
				return nil, fmt.Errorf("%s: no SQL", pos)
			}
			if sep {
				if rec.kind != "query" || rec.wantErr {
					return nil, fmt.Errorf("%s: ---- only follows a query", pos)
				}
				for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					i++
					rec.expected = append(rec.expected, strings.Join(strings.Fields(lines[i]), " "))
				}
			} else if rec.kind == "query" && !rec.wantErr {
				return nil, fmt.Errorf("%s: query without ----", pos)
			}
		}
		if skipNext {
			skipNext = false
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

func runLogic(t *testing.T, s *server, records []logicRecord) {
	conns := map[[2]string]*pgx.Conn{}
	connFor := func(user, db string) *pgx.Conn {
		key := [2]string{user, db}
		if c, ok := conns[key]; ok {
			return c
		}
		password := user
		if user == "admin" {
			password = adminPassword
		}
		c := s.connect(t, user, password, db)
		conns[key] = c
		return c
	}
	user, db := "admin", "postgres"
	for _, rec := range records {
		if rec.kind == "user" {
			user, db = rec.user, rec.db
			continue
		}
		conn := connFor(user, db)
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		var (
			err  error
			cols []string
			got  [][]string
		)
		if rec.kind == "statement" {
			_, err = conn.Exec(ctx, rec.sql, pgx.QueryExecModeSimpleProtocol)
		} else {
			cols, got, err = logicQuery(ctx, conn, rec.sql)
		}
		cancel()
		if rec.wantErr {
			if err == nil {
				t.Errorf("%s: want an error, got success\n%s", rec.pos, rec.sql)
				continue
			}
			pe, ok := asPgError(err)
			if !ok {
				t.Errorf("%s: want a server error, got %v", rec.pos, err)
				continue
			}
			if rec.code != "" && pe.Code != rec.code {
				t.Errorf("%s: SQLSTATE %s (%s), want %s\n%s", rec.pos, pe.Code, pe.Message, rec.code, rec.sql)
			}
			if rec.msgRE != "" {
				re, rerr := regexp.Compile(rec.msgRE)
				if rerr != nil {
					t.Errorf("%s: bad regexp: %v", rec.pos, rerr)
				} else if !re.MatchString(pe.Message) {
					t.Errorf("%s: message %q does not match %q", rec.pos, pe.Message, rec.msgRE)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v\n%s", rec.pos, err, rec.sql)
			continue
		}
		if rec.kind == "statement" {
			continue
		}
		if len(cols) != len(rec.types) {
			t.Errorf("%s: %d columns, the types say %d (%s)", rec.pos, len(cols), len(rec.types), rec.types)
		}
		var lines []string
		switch rec.sort {
		case "rowsort":
			slices.SortFunc(got, func(a, b []string) int { return slices.Compare(a, b) })
		case "valuesort":
			var all []string
			for _, r := range got {
				all = append(all, r...)
			}
			slices.Sort(all)
			got = nil
			for _, v := range all {
				got = append(got, []string{v})
			}
		}
		if rec.colnames {
			lines = append(lines, strings.Join(cols, " "))
		}
		for _, r := range got {
			lines = append(lines, strings.Join(r, " "))
		}
		if !slices.Equal(lines, rec.expected) {
			t.Errorf("%s: results differ\n%s\ngot:\n%s\nwant:\n%s", rec.pos, rec.sql, strings.Join(lines, "\n"), strings.Join(rec.expected, "\n"))
		}
	}
}

// logicQuery runs sql with the simple protocol, so every value is in
// PostgreSQL's text format, and renders it for comparison.
func logicQuery(ctx context.Context, conn *pgx.Conn, sql string) ([]string, [][]string, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cols []string
	for _, fd := range rows.FieldDescriptions() {
		cols = append(cols, fd.Name)
	}
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			switch {
			case v == nil:
				row[i] = "NULL"
			case len(v) == 0:
				row[i] = "·"
			default:
				row[i] = strings.Join(strings.Fields(string(v)), " ")
				if row[i] == "" {
					row[i] = "·"
				}
			}
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

// TestLogicFilesParse checks the syntax of every logic file without a server,
// so that a broken file is reported as such.
func TestLogicFilesParse(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "logic", "*.test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		records, err := parseLogicFile(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(records) == 0 {
			t.Errorf("%s: no records", path)
		}
	}
}
