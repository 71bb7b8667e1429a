package executor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// FuzzJSONParse checks the json operators' parser against encoding/json:
// it accepts exactly the valid documents, keeps each value's text, and
// orders any two documents consistently.
func FuzzJSONParse(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5e3, "x\u00e9\n"], "b": {"c": null}}`, `[true, false, []]`, ` "s" `, `-0`, `{"a":1,"a":2}`, `[1,`, `{"a"}`, `01`} {
		f.Add(s, `[1, {"a": 2}]`)
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		n, err := parseJSON(s)
		if valid := json.Valid([]byte(s)); valid != (err == nil) {
			t.Fatalf("parseJSON(%q): %v, json.Valid %v", s, err, valid)
		}
		if err != nil {
			return
		}
		if got := n.text(); got != strings.Trim(s, " \t\r\n") {
			t.Fatalf("text of %q is %q", s, got)
		}
		// The scanning lookups find what the parsed document has.
		for _, k := range n.keys {
			v, _ := n.field(k)
			if raw, ok := lookupField(s, k); !ok || raw != v.text() {
				t.Fatalf("lookupField(%q, %q) = %q, %v; want %q", s, k, raw, ok, v.text())
			}
		}
		for k := -len(n.vals) - 1; k <= len(n.vals) && n.kind == jArray; k++ {
			v, want := n.elem(k)
			raw, ok := lookupElem(s, k)
			if ok != want || ok && raw != v.text() {
				t.Fatalf("lookupElem(%q, %d) = %q, %v; want %v", s, k, raw, ok, want)
			}
		}
		// Ordering and containment are jsonb's: of normalized documents.
		nb, err1 := sqltype.NormalizeJSONB([]byte(s))
		mb, err2 := sqltype.NormalizeJSONB([]byte(other))
		if err1 != nil || err2 != nil {
			return
		}
		n, _ = parseJSON(string(nb))
		m, err := parseJSON(string(mb))
		if err != nil {
			t.Fatalf("normalized %q does not parse: %v", mb, err)
		}
		if a, b := compareJSONB(n, m, true), compareJSONB(m, n, true); a != -b {
			t.Fatalf("compare(%q, %q) = %d but reversed %d", s, other, a, b)
		}
		if raw, err := containsRaw(string(nb), m, true); err != nil || raw != jsonbContains(n, m, true) {
			t.Fatalf("containsRaw(%q, %q) = %v, %v; parsed says %v", nb, mb, raw, err, jsonbContains(n, m, true))
		}
		if compareJSONB(n, n, true) != 0 || !jsonbContains(n, n, true) {
			t.Fatalf("%q is not equal to and contained in itself", s)
		}
	})
}

// FuzzJSONPath checks that any path text parses to an expression or a
// clear error, and that evaluating a parsed one never panics.
func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{`$.a[*] ? (@ > 2 && @ < $max)`, `lax $.a[0, last - 1 to last].b`, `$.*.size()`, `exists($.x) || !($.y starts with "z")`, `$ ? (@ like_regex "^a" flag "i")`, `-$.a * 2 % 3`, `$.a[`, `(@ == null) is unknown`} {
		f.Add(s)
	}
	doc, err := parseJSON(`{"a": [1, 2.5, "x", null, true, {"b": [3]}], "x": {"y": "zz"}}`)
	if err != nil {
		f.Fatal(err)
	}
	vars, _ := parseJSON(`{"max": 10}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseJSONPath(s)
		if err != nil {
			if sqlstate.CodeOf(err) == sqlstate.InternalError {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		_, _ = runJSONPath(p, doc, vars)
	})
}
