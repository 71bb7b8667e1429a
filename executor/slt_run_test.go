package executor

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// This file runs sqllogictest records against a session and judges them
// the way the reference runner (sqllogictest.c) does: values formatted by
// the query's column letters, sorted per the sort mode, compared one per
// line, or as "N values hashing to MD5" above the hash threshold.

// sltStatementTimeout bounds one record: operators check ctx per batch, so
// a runaway plan fails its record instead of stalling the whole suite.
const sltStatementTimeout = 20 * time.Second

// sltOutcome is the verdict on one record that ran.
type sltOutcome struct {
	rec    *sltRecord
	pass   bool
	cause  string // histogram key when !pass: "<SQLSTATE> message" or "wrong result: …"
	detail string // what differed, for the report
}

// sltRunner runs the records of one file in one session.
type sltRunner struct {
	s         *Session
	engine    string // the name skipif/onlyif are matched against
	threshold int    // hash-threshold; 0 means never hash
	panics    *sltPanicLog
}

// sltValue is one result cell in the PostgreSQL text form.
type sltValue struct {
	null bool
	text string
}

// exec runs sql as one simple-Query message and returns the columns and
// text rows of its last statement. Panics (the engine recovers its own in
// Execute, but not while rows stream) become errors with the stack's top.
func (r *sltRunner) exec(sql string) (cols []Column, rows [][]sltValue, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), sltStatementTimeout)
	defer cancel()
	s := r.s
	r.panics.reset()
	stmts, err := s.Parse(ctx, sql)
	if err != nil {
		return nil, nil, err
	}
	s.BeginBatch(len(stmts))
	var open Rows
	defer func() {
		if p := recover(); p != nil {
			err = &sltPanic{value: fmt.Sprint(p), stack: string(debug.Stack())}
			if open != nil {
				func() {
					defer func() { recover() }()
					open.Close(err)
				}()
			}
		}
		s.EndBatch(err)
		if err != nil && sqlstate.CodeOf(err) == sqlstate.InternalError {
			if p := r.panics.last(); p != "" {
				err = &sltPanic{value: p, cause: err}
			}
		}
	}()
	for _, st := range stmts {
		cols, rows = nil, nil
		res, err := s.Execute(ctx, st, nil)
		if err != nil {
			return nil, nil, err
		}
		if res.Rows == nil {
			continue
		}
		open = res.Rows
		cols = res.Rows.Columns()
		for {
			rec, err := res.Rows.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				res.Rows.Close(err)
				open = nil
				return nil, nil, err
			}
			encs := make([]sqltype.Encoder, len(cols))
			for i, c := range cols {
				if encs[i], err = sqltype.TextEncoder(c.Type, rec.Column(i).DataType(), s.TextFormat()); err != nil {
					res.Rows.Close(err)
					open = nil
					return nil, nil, fmt.Errorf("column %d (%s): %w", i+1, c.Type, err)
				}
			}
			for j := 0; j < int(rec.NumRows()); j++ {
				row := make([]sltValue, len(cols))
				for i := range cols {
					if rec.Column(i).IsNull(j) {
						row[i].null = true
					} else {
						row[i].text = string(encs[i](nil, rec.Column(i), j))
					}
				}
				rows = append(rows, row)
			}
		}
		if err := res.Rows.Close(nil); err != nil {
			open = nil
			return nil, nil, err
		}
		open = nil
	}
	return cols, rows, nil
}

// run executes one record that is not skipped. It returns false for
// records that are not tests (hash-threshold, halt).
func (r *sltRunner) run(rec *sltRecord) (sltOutcome, bool) {
	out := sltOutcome{rec: rec}
	switch rec.kind {
	case sltHashThreshold:
		r.threshold = rec.threshold
		return out, false
	case sltHalt:
		return out, false
	case sltStatementOK:
		if _, _, err := r.exec(rec.sql); err != nil {
			out.cause, out.detail = sltErrorCause(err), sltErrorDetail(err)
			return out, true
		}
		out.pass = true
	case sltStatementError:
		if _, _, err := r.exec(rec.sql); err == nil {
			out.cause = "statement succeeded, want an error"
			return out, true
		}
		out.pass = true
	case sltQuery:
		cols, rows, err := r.exec(rec.sql)
		if err != nil {
			out.cause, out.detail = sltErrorCause(err), sltErrorDetail(err)
			return out, true
		}
		if len(cols) != len(rec.types) {
			out.cause = "wrong number of columns"
			out.detail = fmt.Sprintf("want %d columns (%s), got %d", len(rec.types), rec.types, len(cols))
			return out, true
		}
		got := sltFormat(rec.types, cols, rows)
		switch rec.sortMode {
		case "rowsort":
			sltSortRows(got, len(cols))
		case "valuesort":
			slices.Sort(got)
		}
		out.pass, out.cause, out.detail = r.compare(rec, got)
	}
	return out, true
}

var sltHashLine = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

// compare judges the formatted values against the record's expected lines.
func (r *sltRunner) compare(rec *sltRecord, got []string) (bool, string, string) {
	want := rec.expected
	hashed := len(want) == 1 && sltHashLine.MatchString(want[0])
	if hashed {
		h := sltHash(got)
		if h == want[0] {
			return true, "", ""
		}
		m := sltHashLine.FindStringSubmatch(want[0])
		n, _ := strconv.Atoi(m[1])
		cause := "wrong result: values"
		if n != len(got) {
			cause = "wrong result: row count"
		}
		return false, cause, fmt.Sprintf("want %s\ngot  %s\ngot values: %s", want[0], h, sltPreview(got, len(rec.types)))
	}
	if slices.Equal(got, want) {
		return true, "", ""
	}
	cause := "wrong result: values"
	if len(got) != len(want) {
		cause = "wrong result: row count"
	}
	return false, cause, fmt.Sprintf("want: %s\ngot:  %s", sltPreview(want, len(rec.types)), sltPreview(got, len(rec.types)))
}

// sltPreview shows up to 12 rows of values, rows separated by " | ".
func sltPreview(vals []string, ncol int) string {
	if ncol < 1 {
		ncol = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(%d values) ", len(vals))
	for i := 0; i < len(vals); i += ncol {
		if i/ncol == 12 {
			b.WriteString(" | …")
			break
		}
		if i > 0 {
			b.WriteString(" | ")
		}
		end := min(i+ncol, len(vals))
		b.WriteString(strings.Join(vals[i:end], " "))
	}
	return b.String()
}

// sltHash is the reference's digest: the MD5 of every value followed by a
// newline, in result order.
func sltHash(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		io.WriteString(h, v)
		io.WriteString(h, "\n")
	}
	return fmt.Sprintf("%d values hashing to %x", len(vals), h.Sum(nil))
}

// sltSortRows sorts the row-major values by rows, comparing the formatted
// values column by column as strings (the reference's strcmp).
func sltSortRows(vals []string, ncol int) {
	if ncol == 0 {
		return
	}
	rows := make([][]string, 0, len(vals)/ncol)
	for i := 0; i+ncol <= len(vals); i += ncol {
		rows = append(rows, vals[i:i+ncol:i+ncol])
	}
	sorted := make([][]string, len(rows))
	copy(sorted, rows)
	slices.SortStableFunc(sorted, func(a, b []string) int { return slices.Compare(a, b) })
	out := make([]string, 0, len(vals))
	for _, row := range sorted {
		out = append(out, row...)
	}
	copy(vals, out)
}

// sltFormat renders the rows row-major per the column letters: I as an
// integer (a fractional value truncates toward zero, text as C's atoi
// would read it, booleans as 1/0), R with three decimals, T as text with
// the empty string as "(empty)" and unprintable bytes as '@'. NULL is
// "NULL" in every column.
func sltFormat(types string, cols []Column, rows [][]sltValue) []string {
	out := make([]string, 0, len(rows)*len(cols))
	for _, row := range rows {
		for i, v := range row {
			out = append(out, sltFormatValue(types[i], cols[i].Type, v))
		}
	}
	return out
}

func sltFormatValue(letter byte, t sqltype.T, v sltValue) string {
	if v.null {
		return "NULL"
	}
	switch letter {
	case 'I':
		switch t.OID {
		case sqltype.Bool:
			return sltBool(v.text, "1", "0")
		case sqltype.Float4, sqltype.Float8:
			f, err := strconv.ParseFloat(v.text, 64)
			if err != nil || math.IsNaN(f) {
				return "0"
			}
			f = math.Trunc(f)
			if math.Abs(f) < 1<<63 {
				return strconv.FormatInt(int64(f), 10)
			}
			return strconv.FormatFloat(f, 'f', 0, 64)
		}
		return sltAtoi(v.text)
	case 'R':
		if t.OID == sqltype.Bool {
			return sltBool(v.text, "1.000", "0.000")
		}
		return fmt.Sprintf("%.3f", sltStrtod(v.text))
	default:
		if v.text == "" {
			return "(empty)"
		}
		b := []byte(v.text)
		for i, c := range b {
			if c < ' ' || c > '~' {
				b[i] = '@'
			}
		}
		return string(b)
	}
}

func sltBool(text, t, f string) string {
	if text == "t" || text == "true" {
		return t
	}
	return f
}

// sltAtoi is C's atoi on text: leading blanks, a sign, then digits; the
// rest is ignored ("12.75" is 12, "abc" is 0).
func sltAtoi(s string) string {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	digits := strings.TrimLeft(s[:end], "0")
	if digits == "" {
		return "0"
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// sltStrtod is C's strtod on text: the longest prefix that is a number.
func sltStrtod(s string) float64 {
	s = strings.TrimSpace(s)
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}

// sltPanic is an engine panic met while running a record.
type sltPanic struct {
	value string
	stack string // set when the runner, not Execute, recovered it
	cause error
}

func (p *sltPanic) Error() string { return "panic: " + p.value }
func (p *sltPanic) Unwrap() error { return p.cause }

// sltPanicLog is the engine's logger during a run: Execute recovers panics
// and logs them, so the report can name the panic behind an XX000.
type sltPanicLog struct {
	mu  sync.Mutex
	msg string
}

func (h *sltPanicLog) reset() { h.mu.Lock(); h.msg = ""; h.mu.Unlock() }

func (h *sltPanicLog) last() string { h.mu.Lock(); defer h.mu.Unlock(); return h.msg }

func (h *sltPanicLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *sltPanicLog) Handle(_ context.Context, rec slog.Record) error {
	if !strings.Contains(rec.Message, "panic") {
		return nil
	}
	msg := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "panic" {
			msg = a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	h.msg = msg
	h.mu.Unlock()
	return nil
}

func (h *sltPanicLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *sltPanicLog) WithGroup(string) slog.Handler      { return h }

var (
	sltQuoted = regexp.MustCompile(`"[^"]*"`)
	sltNumber = regexp.MustCompile(`\b\d+(\.\d+)?\b`)
)

// sltErrorCause is the histogram key of an error: its SQLSTATE and its
// message with names and numbers blanked, so one missing feature is one
// line however many queries trip on it.
func sltErrorCause(err error) string {
	var p *sltPanic
	if errors.As(err, &p) {
		return "panic: " + sltNumber.ReplaceAllString(p.value, "N")
	}
	msg := err.Error()
	msg = sltQuoted.ReplaceAllString(msg, `"…"`)
	msg = sltNumber.ReplaceAllString(msg, "N")
	return string(sqlstate.CodeOf(err)) + " " + msg
}

// sltErrorDetail is the error as a client would see it.
func sltErrorDetail(err error) string {
	var p *sltPanic
	if errors.As(err, &p) {
		d := "panic: " + p.value
		if p.stack != "" {
			d += "\n" + sltTrimStack(p.stack)
		}
		return d
	}
	return fmt.Sprintf("ERROR %s: %s", sqlstate.CodeOf(err), err.Error())
}

// sltTrimStack keeps the frames of our code nearest the panic.
func sltTrimStack(stack string) string {
	var keep []string
	lines := strings.Split(stack, "\n")
	for i := 0; i < len(lines) && len(keep) < 8; i++ {
		l := strings.TrimSpace(lines[i])
		if strings.Contains(l, "sharehouse/") && !strings.Contains(l, "slt_run_test.go") && !strings.Contains(l, "panic(") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
