package executor

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// A subset of SQL/JSON path (jsonb_path_exists, _match,
// _query_first, _query_array, @? and @@): $, @, $var, member (.key, ."key",
// .*), element ([n], [n to m], [last], [*]) accessors, filters ?(…),
// comparisons, && || !, exists(…), like_regex, starts with, is unknown,
// and the methods size(), type(), double(), abs(), floor(), ceiling().
// Lax mode (the default) unwraps arrays for member accessors, filters and
// comparisons and turns structural errors into no items; strict mode
// raises them. A comparison of values that cannot be compared is unknown.

type jpKind uint8

const (
	jpRoot    jpKind = iota // $
	jpCurrent               // @
	jpVar                   // $name
	jpLiteral               // a scalar
	jpLast                  // last, in a subscript
	jpPath                  // base followed by steps
	jpAnd
	jpOr
	jpNot
	jpCompare // op
	jpExists
	jpLikeRegex
	jpStartsWith
	jpIsUnknown
	jpNeg   // unary minus
	jpArith // op: + - * / %
	jpMode  // the whole expression, in lax or strict mode
)

type jpStepKind uint8

const (
	stepMember jpStepKind = iota
	stepAnyMember
	stepIndex // subscripts
	stepAnyIndex
	stepFilter
	stepMethod
	stepAnyLevel // .**: the item and everything inside it
)

type jpStep struct {
	kind   jpStepKind
	key    string
	subs   [][2]*jpNode // from, to (to nil for a single subscript)
	filter *jpNode
}

type jpNode struct {
	kind  jpKind
	op    string
	name  string
	lit   *jnode
	args  []*jpNode
	steps []jpStep
	re    *regexp.Regexp
	// strict: strict mode (jpMode): no unwrapping, structural errors.
	strict bool
}

func errJSONPath(format string, args ...any) error {
	return sqlstate.Errorf(sqlstate.Code("42601"), format, args...)
}

// parseJSONPath parses a path expression.
func parseJSONPath(s string) (*jpNode, error) {
	p := &jpParser{s: s}
	p.ws()
	strict := p.word("strict")
	if !strict {
		p.word("lax")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	n = &jpNode{kind: jpMode, strict: strict, args: []*jpNode{n}}
	p.ws()
	if p.i != len(p.s) {
		return nil, errJSONPath("syntax error at or near %q of jsonpath input", p.s[p.i:])
	}
	return n, nil
}

type jpParser struct {
	s string
	i int
}

func (p *jpParser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

// lit consumes tok when it is next.
func (p *jpParser) lit(tok string) bool {
	p.ws()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

// word consumes a keyword (not followed by an identifier character).
func (p *jpParser) word(w string) bool {
	p.ws()
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	if j := p.i + len(w); j < len(p.s) && isIdentChar(p.s[j]) {
		return false
	}
	p.i += len(w)
	return true
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func (p *jpParser) fail() error {
	if p.i >= len(p.s) {
		return errJSONPath("syntax error at end of jsonpath input")
	}
	return errJSONPath("syntax error at or near %q of jsonpath input", p.s[p.i:])
}

func (p *jpParser) or() (*jpNode, error) {
	l, err := p.and()
	for err == nil && p.lit("||") {
		var r *jpNode
		if r, err = p.and(); err == nil {
			l = &jpNode{kind: jpOr, args: []*jpNode{l, r}}
		}
	}
	return l, err
}

func (p *jpParser) and() (*jpNode, error) {
	l, err := p.not()
	for err == nil && p.lit("&&") {
		var r *jpNode
		if r, err = p.not(); err == nil {
			l = &jpNode{kind: jpAnd, args: []*jpNode{l, r}}
		}
	}
	return l, err
}

func (p *jpParser) not() (*jpNode, error) {
	p.ws()
	if strings.HasPrefix(p.s[p.i:], "!") && !strings.HasPrefix(p.s[p.i:], "!=") {
		p.i++
		if !p.lit("(") {
			return nil, p.fail()
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.lit(")") {
			return nil, p.fail()
		}
		return &jpNode{kind: jpNot, args: []*jpNode{n}}, nil
	}
	return p.predicate()
}

func (p *jpParser) predicate() (*jpNode, error) {
	if p.word("exists") {
		if !p.lit("(") {
			return nil, p.fail()
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.lit(")") {
			return nil, p.fail()
		}
		return &jpNode{kind: jpExists, args: []*jpNode{n}}, nil
	}
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"==", "!=", "<>", "<=", ">=", "<", ">"} {
		if p.lit(op) {
			r, err := p.additive()
			if err != nil {
				return nil, err
			}
			if op == "<>" {
				op = "!="
			}
			return &jpNode{kind: jpCompare, op: op, args: []*jpNode{l, r}}, nil
		}
	}
	switch {
	case p.word("like_regex"):
		pat, err := p.quoted()
		if err != nil {
			return nil, err
		}
		flags := ""
		if p.word("flag") {
			if flags, err = p.quoted(); err != nil {
				return nil, err
			}
		}
		expr := pat
		if strings.Contains(flags, "i") {
			expr = "(?i)" + expr
		}
		if strings.Contains(flags, "s") {
			expr = "(?s)" + expr
		}
		if strings.Contains(flags, "m") {
			expr = "(?m)" + expr
		}
		if strings.Contains(flags, "q") {
			expr = regexp.QuoteMeta(pat)
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, sqlstate.Errorf(sqlstate.Code("2201B"), "invalid regular expression: %v", err)
		}
		return &jpNode{kind: jpLikeRegex, args: []*jpNode{l}, re: re}, nil
	case p.word("starts"):
		if !p.word("with") {
			return nil, p.fail()
		}
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &jpNode{kind: jpStartsWith, args: []*jpNode{l, r}}, nil
	case p.word("is"):
		if !p.word("unknown") {
			return nil, p.fail()
		}
		return &jpNode{kind: jpIsUnknown, args: []*jpNode{l}}, nil
	}
	return l, nil
}

func (p *jpParser) quoted() (string, error) {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", p.fail()
	}
	jp := &jparser{s: p.s, i: p.i}
	s, err := jp.string()
	if err != nil {
		return "", errJSONPath("syntax error in jsonpath string")
	}
	p.i = jp.i
	return s, nil
}

// additive and multiplicative parse arithmetic on single numbers.
func (p *jpParser) additive() (*jpNode, error) { return p.arithLevel("+-", p.multiplicative) }

func (p *jpParser) multiplicative() (*jpNode, error) { return p.arithLevel("*/%", p.unary) }

// arithLevel parses operands (next) joined by the operators in ops, left
// to right.
func (p *jpParser) arithLevel(ops string, next func() (*jpNode, error)) (*jpNode, error) {
	l, err := next()
	for err == nil {
		p.ws()
		if p.i >= len(p.s) || strings.IndexByte(ops, p.s[p.i]) < 0 {
			break
		}
		op := p.s[p.i : p.i+1]
		p.i++
		var r *jpNode
		if r, err = next(); err == nil {
			l = &jpNode{kind: jpArith, op: op, args: []*jpNode{l, r}}
		}
	}
	return l, err
}

func (p *jpParser) unary() (*jpNode, error) {
	p.ws()
	if p.i < len(p.s) && (p.s[p.i] == '-' || p.s[p.i] == '+') && !(p.i+1 < len(p.s) && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9') {
		neg := p.s[p.i] == '-'
		p.i++
		n, err := p.unary()
		if err != nil || !neg {
			return n, err
		}
		return &jpNode{kind: jpNeg, args: []*jpNode{n}}, nil
	}
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	var steps []jpStep
	for {
		st, ok, err := p.step()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		steps = append(steps, st)
	}
	if len(steps) == 0 {
		return base, nil
	}
	return &jpNode{kind: jpPath, args: []*jpNode{base}, steps: steps}, nil
}

func (p *jpParser) primary() (*jpNode, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.fail()
	}
	switch c := p.s[p.i]; {
	case c == '$':
		p.i++
		j := p.i
		for j < len(p.s) && isIdentChar(p.s[j]) {
			j++
		}
		if j > p.i {
			name := p.s[p.i:j]
			p.i = j
			return &jpNode{kind: jpVar, name: name}, nil
		}
		if p.i < len(p.s) && p.s[p.i] == '"' {
			name, err := p.quoted()
			return &jpNode{kind: jpVar, name: name}, err
		}
		return &jpNode{kind: jpRoot}, nil
	case c == '@':
		p.i++
		return &jpNode{kind: jpCurrent}, nil
	case c == '(':
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.lit(")") {
			return nil, p.fail()
		}
		return n, nil
	case c == '"':
		s, err := p.quoted()
		return &jpNode{kind: jpLiteral, lit: &jnode{kind: jString, str: s}}, err
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.s) && strings.IndexByte("0123456789.eE", p.s[j]) >= 0 || j < len(p.s) && (p.s[j] == '-' || p.s[j] == '+') && (p.s[j-1] == 'e' || p.s[j-1] == 'E') {
			j++
		}
		num := strings.TrimPrefix(p.s[p.i:j], "+")
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return nil, p.fail()
		}
		p.i = j
		return &jpNode{kind: jpLiteral, lit: &jnode{kind: jNumber, str: num}}, nil
	}
	for _, w := range []string{"true", "false", "null", "last"} {
		if p.word(w) {
			switch w {
			case "last":
				return &jpNode{kind: jpLast}, nil
			case "null":
				return &jpNode{kind: jpLiteral, lit: &jnode{kind: jNull}}, nil
			}
			return &jpNode{kind: jpLiteral, lit: &jnode{kind: jBool, b: w == "true"}}, nil
		}
	}
	return nil, p.fail()
}

// step parses one accessor, filter or method call.
func (p *jpParser) step() (jpStep, bool, error) {
	p.ws()
	if p.i >= len(p.s) {
		return jpStep{}, false, nil
	}
	switch p.s[p.i] {
	case '.':
		p.i++
		if p.lit("**") {
			return jpStep{kind: stepAnyLevel}, true, nil
		}
		if p.lit("*") {
			return jpStep{kind: stepAnyMember}, true, nil
		}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '"' {
			k, err := p.quoted()
			return jpStep{kind: stepMember, key: k}, true, err
		}
		j := p.i
		for j < len(p.s) && isIdentChar(p.s[j]) {
			j++
		}
		if j == p.i {
			return jpStep{}, false, p.fail()
		}
		name := p.s[p.i:j]
		p.i = j
		if p.lit("(") {
			if !p.lit(")") {
				return jpStep{}, false, p.fail()
			}
			switch name {
			case "size", "type", "double", "abs", "floor", "ceiling":
				return jpStep{kind: stepMethod, key: name}, true, nil
			}
			return jpStep{}, false, sqlstate.Errorf(sqlstate.FeatureNotSupported, "jsonpath item method .%s() is not supported yet", name)
		}
		return jpStep{kind: stepMember, key: name}, true, nil
	case '[':
		p.i++
		if p.lit("*") {
			if !p.lit("]") {
				return jpStep{}, false, p.fail()
			}
			return jpStep{kind: stepAnyIndex}, true, nil
		}
		st := jpStep{kind: stepIndex}
		for {
			from, err := p.additive()
			if err != nil {
				return jpStep{}, false, err
			}
			var to *jpNode
			if p.word("to") {
				if to, err = p.additive(); err != nil {
					return jpStep{}, false, err
				}
			}
			st.subs = append(st.subs, [2]*jpNode{from, to})
			if p.lit(",") {
				continue
			}
			if !p.lit("]") {
				return jpStep{}, false, p.fail()
			}
			return st, true, nil
		}
	case '?':
		p.i++
		if !p.lit("(") {
			return jpStep{}, false, p.fail()
		}
		f, err := p.or()
		if err != nil {
			return jpStep{}, false, err
		}
		if !p.lit(")") {
			return jpStep{}, false, p.fail()
		}
		return jpStep{kind: stepFilter, filter: f}, true, nil
	}
	return jpStep{}, false, nil
}
