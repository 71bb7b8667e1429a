package executor

import (
	"cmp"
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// A parsed JSON document for the json/jsonb operators and functions. Nodes
// keep their exact text (raw), so a json value's parts come back as they
// were written and a jsonb value's parts (stored normalized) come back
// normalized without printing them again; nodes built by a function have
// no raw text and are printed as jsonb prints.

type jkind uint8

// The kinds in jsonb's order: Null < String < Number < Boolean < Array < Object.
const (
	jNull jkind = iota
	jString
	jNumber
	jBool
	jArray
	jObject
)

var jkindNames = [...]string{"null", "string", "number", "boolean", "array", "object"}

type jnode struct {
	kind jkind
	raw  string   // the value's text as stored; "" for a built node
	str  string   // a string's value, a number's text
	b    bool     // a boolean's value
	keys []string // an object's keys in document order
	vals []*jnode // an object's values or an array's elements
}

// errJSONSyntax is json's input error.
func errJSONSyntax(s string) error {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type json").
		WithDetail("Token %q is invalid.", s)
}

// parseJSON parses one JSON document.
func parseJSON(s string) (*jnode, error) {
	p := jparser{s: s}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(s) {
		return nil, errJSONSyntax(s)
	}
	return n, nil
}

type jparser struct {
	s string
	i int
}

func (p *jparser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) at(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

func (p *jparser) fail() error { return errJSONSyntax(p.s[min(p.i, len(p.s)):]) }

func (p *jparser) value() (*jnode, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.fail()
	}
	start := p.i
	var n *jnode
	switch c := p.s[p.i]; c {
	case '{':
		n = &jnode{kind: jObject}
		p.i++
		p.ws()
		if p.at('}') {
			p.i++
			break
		}
		for {
			p.ws()
			if !p.at('"') {
				return nil, p.fail()
			}
			k, err := p.string()
			if err != nil {
				return nil, err
			}
			p.ws()
			if !p.at(':') {
				return nil, p.fail()
			}
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.keys, n.vals = append(n.keys, k), append(n.vals, v)
			p.ws()
			if p.at(',') {
				p.i++
				continue
			}
			if !p.at('}') {
				return nil, p.fail()
			}
			p.i++
			break
		}
	case '[':
		n = &jnode{kind: jArray}
		p.i++
		p.ws()
		if p.at(']') {
			p.i++
			break
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
			p.ws()
			if p.at(',') {
				p.i++
				continue
			}
			if !p.at(']') {
				return nil, p.fail()
			}
			p.i++
			break
		}
	case '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		n = &jnode{kind: jString, str: s}
	case 't', 'f', 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(p.s[p.i:], lit) {
				p.i += len(lit)
				n = &jnode{kind: jBool, b: lit == "true"}
				if lit == "null" {
					n.kind = jNull
				}
				break
			}
		}
		if n == nil {
			return nil, p.fail()
		}
	default:
		for p.i < len(p.s) && strings.IndexByte("+-.eE0123456789", p.s[p.i]) >= 0 {
			p.i++
		}
		num := p.s[start:p.i]
		if num == "" || !json.Valid([]byte(num)) {
			return nil, errJSONSyntax(p.s[start:])
		}
		n = &jnode{kind: jNumber, str: num}
	}
	n.raw = p.s[start:p.i]
	return n, nil
}

// string reads a quoted string at p.i.
func (p *jparser) string() (string, error) {
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			escaped = true
			p.i += 2
			continue
		case '"':
			p.i++
			q := p.s[start:p.i]
			for k := 1; k < len(q)-1; k++ {
				if q[k] < 0x20 {
					return "", errJSONSyntax(q) // control characters must be escaped
				}
			}
			if !escaped {
				return q[1 : len(q)-1], nil
			}
			var s string
			if err := json.Unmarshal([]byte(q), &s); err != nil {
				return "", errJSONSyntax(q)
			}
			return s, nil
		}
		p.i++
	}
	return "", errJSONSyntax(p.s[start:])
}

// text is the node's text: as stored, or printed as jsonb prints.
func (n *jnode) text() string {
	if n.raw != "" {
		return n.raw
	}
	return string(n.appendText(nil))
}

func (n *jnode) appendText(buf []byte) []byte { return n.appendPrinted(buf, false) }

// appendPrinted prints as jsonb prints, keeping stored text as it is
// unless canonical, which prints numbers without trailing fractional
// zeros (jsonb's equality key: 1.0 = 1).
func (n *jnode) appendPrinted(buf []byte, canonical bool) []byte {
	if n.raw != "" && !canonical {
		return append(buf, n.raw...)
	}
	switch n.kind {
	case jNull:
		return append(buf, "null"...)
	case jBool:
		return strconv.AppendBool(buf, n.b)
	case jNumber:
		s := n.str
		if canonical && strings.IndexByte(s, '.') >= 0 && !strings.ContainsAny(s, "eE") {
			s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
		}
		return append(buf, s...)
	case jString:
		return append(buf, jsonString(n.str)...)
	case jArray:
		buf = append(buf, '[')
		for i, v := range n.vals {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = v.appendPrinted(buf, canonical)
		}
		return append(buf, ']')
	}
	buf = append(buf, '{')
	for i, k := range n.keys {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, jsonString(k)...)
		buf = append(buf, ": "...)
		buf = n.vals[i].appendPrinted(buf, canonical)
	}
	return append(buf, '}')
}

// scalarText is ->>'s text of a node: a string unquoted, null as NULL.
func (n *jnode) scalarText() (string, bool) {
	switch n.kind {
	case jNull:
		return "", false
	case jString:
		return n.str, true
	}
	return n.text(), true
}

// field is an object's value for key (the last of duplicates, as json's
// operators find it).
func (n *jnode) field(key string) (*jnode, bool) {
	if n.kind != jObject {
		return nil, false
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == key {
			return n.vals[i], true
		}
	}
	return nil, false
}

// elem is an array's element k, counted from the end when negative.
func (n *jnode) elem(k int) (*jnode, bool) {
	if n.kind != jArray {
		return nil, false
	}
	if k < 0 {
		k += len(n.vals)
	}
	if k < 0 || k >= len(n.vals) {
		return nil, false
	}
	return n.vals[k], true
}

// normalizeObject orders a built object's keys as jsonb keeps them (by
// length, then bytes), the last of duplicate keys winning.
func (n *jnode) normalizeObject() {
	n.raw = ""
	idx := make([]int, 0, len(n.keys))
	last := map[string]int{}
	for i, k := range n.keys {
		if j, ok := last[k]; ok {
			idx[j] = i
			continue
		}
		last[k] = len(idx)
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return jsonbKeyLess(n.keys[idx[a]], n.keys[idx[b]]) })
	keys, vals := make([]string, len(idx)), make([]*jnode, len(idx))
	for j, i := range idx {
		keys[j], vals[j] = n.keys[i], n.vals[i]
	}
	n.keys, n.vals = keys, vals
}

func jsonbKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// compareJSONB is jsonb's btree order: kinds as ordered above (a top-level
// scalar as a one-element array), arrays by length then elements, objects by
// pair count then pairs in key order, numbers by value, strings bytewise.
func compareJSONB(a, b *jnode, top bool) int {
	if a.kind != b.kind {
		if top && (a.kind == jArray) != (b.kind == jArray) && a.kind <= jArray && b.kind <= jArray {
			// A top-level scalar is a one-element pseudo-array: an array
			// of another length compares by length, one of one element
			// is above it.
			if a.kind == jArray {
				return cmp.Or(cmp.Compare(len(a.vals), 1), 1)
			}
			return cmp.Or(cmp.Compare(1, len(b.vals)), -1)
		}
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case jNull:
		return 0
	case jString:
		return strings.Compare(a.str, b.str)
	case jNumber:
		return compareJSONNumbers(a.str, b.str)
	case jBool:
		return orderBool(a.b, b.b)
	case jArray:
		if c := cmp.Compare(len(a.vals), len(b.vals)); c != 0 {
			return c
		}
		for i := range a.vals {
			if c := compareJSONB(a.vals[i], b.vals[i], false); c != 0 {
				return c
			}
		}
		return 0
	}
	if c := cmp.Compare(len(a.keys), len(b.keys)); c != 0 {
		return c
	}
	for i := range a.keys {
		if c := strings.Compare(a.keys[i], b.keys[i]); c != 0 {
			return c
		}
		if c := compareJSONB(a.vals[i], b.vals[i], false); c != 0 {
			return c
		}
	}
	return 0
}

// compareJSONNumbers compares two JSON numbers by value.
func compareJSONNumbers(x, y string) int {
	if i, err := strconv.ParseInt(x, 10, 64); err == nil {
		if j, err := strconv.ParseInt(y, 10, 64); err == nil {
			return cmp.Compare(i, j)
		}
	}
	rx, okx := new(big.Rat).SetString(x)
	ry, oky := new(big.Rat).SetString(y)
	if !okx || !oky {
		return strings.Compare(x, y)
	}
	return rx.Cmp(ry)
}

// jsonbContains is @>: every part of b is in a. An array contains an
// array whose every element is in some element of it; an array contains
// a scalar at top level; objects contain objects whose pairs they have.
func jsonbContains(a, b *jnode, top bool) bool {
	if a.kind != b.kind {
		if top && a.kind == jArray && b.kind < jArray {
			for _, e := range a.vals {
				if e.kind == b.kind && compareJSONB(e, b, false) == 0 {
					return true
				}
			}
		}
		return false
	}
	switch a.kind {
	case jObject:
		for i, k := range b.keys {
			v, ok := a.field(k)
			if !ok || !jsonbContains(v, b.vals[i], false) {
				return false
			}
		}
		return true
	case jArray:
	next:
		for _, be := range b.vals {
			for _, ae := range a.vals {
				if ae.kind == be.kind && (ae.kind >= jArray && jsonbContains(ae, be, false) || ae.kind < jArray && compareJSONB(ae, be, false) == 0) {
					continue next
				}
			}
			return false
		}
		return true
	}
	return compareJSONB(a, b, false) == 0
}
