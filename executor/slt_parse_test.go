package executor

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// This file reads sqllogictest files (the SQLite project's format, see
// ../shared/sqllogictest/README.md) into records. Only the parts the
// corpus uses are understood; anything else is an error, so a new corpus
// file with a construct we ignore fails loudly instead of passing quietly.

// sltKind is what a record asks for.
type sltKind int

const (
	sltStatementOK sltKind = iota
	sltStatementError
	sltQuery
	sltHashThreshold
	sltHalt
)

// sltRecord is one record of a test file.
type sltRecord struct {
	kind sltKind
	line int    // 1-based line of the record's first line (conditions included)
	sql  string // statement or query text, lines joined with "\n"

	// Conditions: skipif/onlyif lines before the record, by engine name.
	skipIf, onlyIf []string

	// Queries.
	types    string // one letter per column: I, R or T
	sortMode string // nosort, rowsort or valuesort
	label    string
	expected []string // expected lines after "----", one value (or a hash line) each

	threshold int // hash-threshold
}

// skipped reports whether engine must not run the record.
func (r *sltRecord) skipped(engine string) bool {
	for _, e := range r.skipIf {
		if e == engine {
			return true
		}
	}
	if len(r.onlyIf) == 0 {
		return false
	}
	for _, e := range r.onlyIf {
		if e == engine {
			return false
		}
	}
	return true
}

// parseSLT reads every record of a test file. Lines may end in CRLF (the
// random_* files do).
func parseSLT(r io.Reader) ([]*sltRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	lineNo := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		lineNo++
		return strings.TrimRight(sc.Text(), "\r"), true
	}
	var recs []*sltRecord
	cur := &sltRecord{}
	for {
		line, ok := next()
		if !ok {
			break
		}
		if i := strings.Index(line, "#"); i == 0 {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if cur.line == 0 {
			cur.line = lineNo
		}
		switch fields[0] {
		case "skipif", "onlyif":
			if len(fields) < 2 {
				return nil, fmt.Errorf("line %d: %s without an engine", lineNo, fields[0])
			}
			if fields[0] == "skipif" {
				cur.skipIf = append(cur.skipIf, fields[1])
			} else {
				cur.onlyIf = append(cur.onlyIf, fields[1])
			}
			continue
		case "hash-threshold":
			if len(fields) < 2 {
				return nil, fmt.Errorf("line %d: hash-threshold without a number", lineNo)
			}
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: hash-threshold: %v", lineNo, err)
			}
			cur.kind, cur.threshold = sltHashThreshold, n
		case "halt":
			cur.kind = sltHalt
		case "statement":
			if len(fields) < 2 || (fields[1] != "ok" && fields[1] != "error") {
				return nil, fmt.Errorf("line %d: want statement ok|error, got %q", lineNo, line)
			}
			cur.kind = sltStatementOK
			if fields[1] == "error" {
				cur.kind = sltStatementError
			}
			var sql []string
			for {
				l, ok := next()
				if !ok || strings.TrimSpace(l) == "" {
					break
				}
				sql = append(sql, l)
			}
			cur.sql = strings.Join(sql, "\n")
		case "query":
			if len(fields) < 2 {
				return nil, fmt.Errorf("line %d: query without column types", lineNo)
			}
			cur.kind, cur.types, cur.sortMode = sltQuery, fields[1], "nosort"
			if strings.Trim(cur.types, "IRT") != "" {
				return nil, fmt.Errorf("line %d: unknown column types %q", lineNo, cur.types)
			}
			if len(fields) > 2 {
				cur.sortMode = fields[2]
				switch cur.sortMode {
				case "nosort", "rowsort", "valuesort":
				default:
					return nil, fmt.Errorf("line %d: unknown sort mode %q", lineNo, cur.sortMode)
				}
			}
			if len(fields) > 3 {
				cur.label = fields[3]
			}
			var sql []string
			inResult := false
			for {
				l, ok := next()
				if !ok || strings.TrimSpace(l) == "" {
					break
				}
				if !inResult && l == "----" {
					inResult = true
					continue
				}
				if inResult {
					cur.expected = append(cur.expected, l)
				} else {
					sql = append(sql, l)
				}
			}
			cur.sql = strings.Join(sql, "\n")
		default:
			return nil, fmt.Errorf("line %d: unknown record %q", lineNo, line)
		}
		recs = append(recs, cur)
		cur = &sltRecord{}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur.line != 0 {
		return nil, fmt.Errorf("line %d: conditions without a record", cur.line)
	}
	return recs, nil
}
