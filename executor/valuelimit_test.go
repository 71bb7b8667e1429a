package executor

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// TestValueCaps: a function that would build a value past PostgreSQL's
// 1 GB fails with 54000 and its PostgreSQL wording, at once: before it
// allocates, so each case is quick.
func TestValueCaps(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE big (s text)`)
	mustRun(t, s, `INSERT INTO big VALUES (repeat('x', 600000))`)
	for _, tc := range []struct{ name, sql string }{
		{"lpad", `SELECT length(lpad('x', 2147483647))`},
		{"rpad fill", `SELECT length(rpad('x', 1073741823, 'ab'))`},
		{"repeat", `SELECT length(repeat('x', 2000000000))`},
		{"repeat two bytes", `SELECT length(repeat('xy', 600000000))`},
		{"repeat of a column", `SELECT length(repeat(s, 2000)) FROM big`},
		{"repeat at the cap", `SELECT length(repeat('x', 1073741820))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			wantError(t, s, tc.sql, sqlstate.ProgramLimitExceeded, "requested length too large", "")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: the value was built", d)
			}
		})
	}
	// Legal values still work.
	if got := flat(mustRun(t, s, `SELECT length(repeat('x', 10000000)), length(lpad('ab', 10000000, 'xyz')), right(rpad('a', 7, 'xy'), 3), length(repeat(s, 10)) FROM big`)); got != "10000000,10000000,yxy,6000000" {
		t.Errorf("legal values: %s", got)
	}
}

// TestValueCapsPerFunction checks each function's 54000 and wording under
// a cap lowered to 1 MB, so no test builds a gigabyte.
func TestValueCapsPerFunction(t *testing.T) {
	e, s := testEngine(t)
	e.valueCap = 1 << 20
	mustRun(t, s, `CREATE TABLE big (s text, b bytea)`)
	mustRun(t, s, `INSERT INTO big VALUES (repeat('x', 600000), repeat('x', 600000)::bytea)`)
	for _, tc := range []struct{ name, sql, msg, detail string }{
		{"repeat", `SELECT length(repeat(s, 2)) FROM big`, "requested length too large", ""},
		{"lpad", `SELECT length(lpad(s, 1100000, 'ab')) FROM big`, "requested length too large", ""},
		{"translate", `SELECT length(translate(s, 'x', 'é')) FROM big`, "requested length too large", ""},
		{"concat", `SELECT length(concat(s, s)) FROM big`, "out of memory", "Cannot enlarge string buffer containing 600000 bytes by 600000 more bytes."},
		{"concat_ws", `SELECT length(concat_ws(',', s, s)) FROM big`, "out of memory", "Cannot enlarge string buffer containing 600000 bytes by 600001 more bytes."},
		{"||", `SELECT length(s || s) FROM big`, "invalid memory alloc request size 1200000", ""},
		{"bytea ||", `SELECT length(b || b) FROM big`, "invalid memory alloc request size 1200000", ""},
		{"replace", `SELECT length(replace(s, 'x', 'yy')) FROM big`, "out of memory", ""},
		{"overlay", `SELECT length(overlay(s placing s from 2)) FROM big`, "invalid memory alloc request size 1200000", ""},
		{"json_build_array", `SELECT length(json_build_array(s, s)::text) FROM big`, "out of memory", ""},
		{"to_json", `SELECT length(to_json(s)::text) FROM (SELECT repeat('x', 1048575) AS s) q`, "out of memory", ""},
		{"string_agg", `SELECT length(string_agg(s, '')) FROM big, generate_series(1, 2)`, "out of memory", "Cannot enlarge string buffer containing 600000 bytes by 600000 more bytes."},
		{"string_agg bytea", `SELECT length(string_agg(b, '\x00'::bytea)) FROM big, generate_series(1, 2)`, "out of memory", "Cannot enlarge string buffer containing 600000 bytes by 600001 more bytes."},
		{"json_agg", `SELECT length(json_agg(s)::text) FROM big, generate_series(1, 2)`, "out of memory", ""},
		{"jsonb_object_agg", `SELECT length(jsonb_object_agg(g, s)::text) FROM big, generate_series(1, 2) g`, "out of memory", ""},
		{"array_agg", `SELECT cardinality(array_agg(s)) FROM big, generate_series(1, 2)`, "invalid memory alloc request size", ""},
		{"array ||", `SELECT cardinality(ARRAY[s] || ARRAY[s]) FROM big`, "invalid memory alloc request size", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, s, tc.sql, sqlstate.ProgramLimitExceeded, tc.msg, tc.detail)
		})
	}
	// Under the cap the same functions work and are correct.
	if got := flat(mustRun(t, s, `SELECT max(length(concat(s, 'y'))), max(length(s || 'y')), length(string_agg(s, ',')), cardinality(array_agg(s)) FROM big`)); got != "600001,600001,600000,1" {
		t.Errorf("under the cap: %s", got)
	}
}

// wantError runs sql and checks its error's code, message prefix and
// (when given) detail.
func wantError(t *testing.T, s *Session, sql string, code sqlstate.Code, msg, detail string) {
	t.Helper()
	_, _, err := run(t, s, sql)
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != code {
		t.Fatalf("%s: got %v (%s), want %s", sql, err, sqlstate.CodeOf(err), code)
	}
	if !strings.HasPrefix(se.Message, msg) || detail != "" && se.Detail != detail {
		t.Errorf("%s: got %q (detail %q), want %q (detail %q)", sql, se.Message, se.Detail, msg, detail)
	}
}

// TestValueMemoryLimit: the values a query builds count against the query
// memory limit; past it the query fails with 53200 before building the
// batch, and the session goes on.
func TestValueMemoryLimit(t *testing.T) {
	e, s := testEngine(t)
	e.queryMemory = 64 << 20
	cases := []string{
		`SELECT repeat('x', 1000000) FROM generate_series(1, 100)`,
		`SELECT lpad('x', 1000000) FROM generate_series(1, 100)`,
		`SELECT repeat('x', 1000000) || 'y' FROM generate_series(1, 100)`,
		`SELECT concat(repeat('x', 1000000), 'y') FROM generate_series(1, 100)`,
		`SELECT length(string_agg(repeat('x', 1000000), ',')) FROM generate_series(1, 100)`,
		`SELECT length(string_agg(repeat('x', 1000000), ',' ORDER BY g DESC)) FROM generate_series(1, 100) g`,
		`SELECT g % 10, length(string_agg(repeat('x', 1000000), ',')) FROM generate_series(1, 100) g GROUP BY 1`,
		`SELECT cardinality(array_agg(repeat('x', 1000000))) FROM generate_series(1, 100)`,
		`SELECT length(jsonb_agg(repeat('x', 1000000))::text) FROM generate_series(1, 100)`,
		`SELECT length(json_object_agg(g, repeat('x', 1000000))::text) FROM generate_series(1, 100) g`,
	}
	for _, sql := range cases {
		if _, _, err := run(t, s, sql); sqlstate.CodeOf(err) != sqlstate.OutOfMemory {
			t.Errorf("%s: got %v (%s), want 53200", sql, err, sqlstate.CodeOf(err))
		} else if !strings.Contains(err.Error(), "needs more than 64 MB") {
			t.Errorf("%s: %v", sql, err)
		}
	}
	// Under the limit the same shapes run, and correctly.
	if got := flat(mustRun(t, s, `SELECT length(string_agg(repeat('x', 100000), ',')), sum(length(repeat('y', 100000))) FROM generate_series(1, 100)`)); got != "10000099,10000000" {
		t.Errorf("under the limit: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT count(*) FROM (SELECT repeat('x', 1000000) FROM generate_series(1, 20)) q`)); got != "20" {
		t.Errorf("under the limit: %s", got)
	}
}

func TestValueOutAdd(t *testing.T) {
	ec := &evalContext{budget: newMemBudget(100)}
	o := ec.newValueOut("f()")
	if err := o.add(60, errAllocSize); err != nil {
		t.Fatal(err)
	}
	if err := o.add(50, errAllocSize); sqlstate.CodeOf(err) != sqlstate.OutOfMemory {
		t.Fatalf("past the budget: %v", err)
	}
	if err := o.add(maxValueBytes+1, lengthTooLarge); sqlstate.CodeOf(err) != sqlstate.ProgramLimitExceeded {
		t.Fatalf("past the value cap: %v", err)
	}
	// What an aggregate holds leaves less room for a batch.
	var h heldValues
	h.budget = ec.budget
	if err := h.charge("agg()", 90); err != nil {
		t.Fatal(err)
	}
	o = ec.newValueOut("f()")
	if err := o.add(20, errAllocSize); sqlstate.CodeOf(err) != sqlstate.OutOfMemory {
		t.Fatalf("with 90 held: %v", err)
	}
	h.release()
	if got := ec.budget.heldBytes(); got != 0 {
		t.Fatalf("held after release: %d", got)
	}
	// Without a budget only one Arrow array's capacity bounds a batch.
	o = (&evalContext{}).newValueOut("f()")
	if err := o.add(maxValueBytes, errAllocSize); err != nil {
		t.Fatal(err)
	}
	if err := o.add(maxValueBytes, errAllocSize); err != nil {
		t.Fatal(err)
	}
	if err := o.add(maxValueBytes, errAllocSize); sqlstate.CodeOf(err) != sqlstate.OutOfMemory || !strings.Contains(err.Error(), "in one batch") {
		t.Fatalf("past 2 GB in one batch: %v", err)
	}
}

func TestPadSize(t *testing.T) {
	for _, tc := range []struct {
		s, fill string
		n       int64
	}{{"hi", "xy", 5}, {"hello", "xy", 3}, {"é", "ñü", 6}, {"", "abc", 7}, {"a", "", 4}, {"abc", "x", 0}, {"a", "€", 4}, {"ab", "xyz", 10}, {"abcdef", "xy", 3}} {
		for _, left := range []bool{true, false} {
			want := padReference(tc.s, tc.n, tc.fill, left)
			size := padSize(tc.s, tc.n, tc.fill)
			dst := make([]byte, size)
			if got := string(dst[:writePad(dst, tc.s, tc.n, tc.fill, left)]); got != want || size < int64(len(want)) {
				t.Errorf("writePad(%q, %d, %q, %v) = %q in %d bytes, want %q", tc.s, tc.n, tc.fill, left, got, size, want)
			}
		}
	}
	if got, want := translateSize("aébc", "éb", "xyz"), int64(len(translateString("aébc", "éb", "xyz"))); got != want {
		t.Errorf("translateSize = %d, want %d", got, want)
	}
	if got, want := replaceSize("abab", "ab", "xyz"), int64(len(strings.ReplaceAll("abab", "ab", "xyz"))); got != want {
		t.Errorf("replaceSize = %d, want %d", got, want)
	}
}

// padReference is lpad/rpad written plainly, the oracle of writePad.
func padReference(s string, length int64, fill string, left bool) string {
	if length <= 0 {
		return ""
	}
	n := int64(utf8.RuneCountInString(s))
	if n >= length || fill == "" {
		return runePrefix(s, int(min(length, n)))
	}
	need := int(length - n)
	fr := []rune(fill)
	var p strings.Builder
	for i := 0; i < need; i++ {
		p.WriteRune(fr[i%len(fr)])
	}
	if left {
		return p.String() + s
	}
	return s + p.String()
}

// TestArrayBytes counts the rows of whole and sliced variable-width
// arrays, bytea included (its ValueOffset refuses the end index).
func TestArrayBytes(t *testing.T) {
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"ab", "cde", "", "fghi"}, nil)
	str := sb.NewStringArray()
	defer str.Release()
	bb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	bb.AppendValues([][]byte{[]byte("xy"), nil, []byte("z")}, []bool{true, false, true})
	bin := bb.NewBinaryArray()
	defer bin.Release()
	sliced := array.NewSlice(str, 1, 3)
	defer sliced.Release()
	for _, tc := range []struct {
		name string
		a    arrow.Array
		want int64
	}{
		{"text", str, 9 + 4*4},
		{"sliced text", sliced, 3 + 4*2},
		{"bytea", bin, 3 + 4*3},
	} {
		if got := arrayBytes(tc.a); got != tc.want {
			t.Errorf("%s: arrayBytes = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestTranslate: translate maps, keeps and drops characters as
// PostgreSQL's does, and its size estimate is its result's length.
func TestTranslate(t *testing.T) {
	_, s := testEngine(t)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT translate('12345', '143', 'ax')`, "a2x5"},
		{`SELECT translate('héllo', 'él', 'E')`, "hEo"},
		{`SELECT translate('abc', '', 'xyz')`, "abc"},
		{`SELECT translate('aaa', 'aa', 'bc')`, "bbb"},
	} {
		if got := mustRun(t, s, tc.sql); len(got) != 1 || got[0][0] != tc.want {
			t.Errorf("%s = %q, want %q", tc.sql, got, tc.want)
		}
	}
	if n := translateSize("héllo", "él", "E"); n != int64(len("hEo")) {
		t.Errorf("translateSize = %d, want %d", n, len("hEo"))
	}
}
