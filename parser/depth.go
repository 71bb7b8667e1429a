package parser

import "strings"

// maxNesting bounds nestingEstimate of a statement handed to PostgreSQL's
// parser. pg_query's C code (the grammar actions, then the conversion of
// the tree to protobuf) recurses once or more per tree level on the
// calling thread's stack, without PostgreSQL's check_stack_depth (its stack
// base is never set), so a deep enough tree overflows that stack and
// kills the whole process: a 1+1+…+1 chain does at about 25,000 terms on
// an 8 MB thread stack. Go's protobuf decoder refuses trees deeper than
// 10,000 messages anyway (a 1+…+1 chain is two per term), so the bound
// only has to keep the C side well inside its stack; PostgreSQL itself
// stops far earlier (54001 at a few thousand terms with max_stack_depth
// 2MB), so nothing it accepts is refused here.
const maxNesting = 10000

// TooComplexError is a statement nested too deeply to be parsed or bound
// safely: PostgreSQL's 54001 "stack depth limit exceeded".
type TooComplexError struct{}

func (e *TooComplexError) Error() string { return "stack depth limit exceeded" }

// nestingEstimate returns an upper bound, in tree levels, on how deeply
// the parse tree of toks can nest, computed from the tokens alone (the
// scanner does not recurse, so this is safe on any input). Each bracket
// opens a level; within a level, every operator or nesting keyword since
// the last comma can deepen a left- or right-deep chain of expressions
// (1+1+1, NOT NOT x, x::a::b) until a comma or a keyword that ends the
// expression, and every UNION, INTERSECT, EXCEPT or JOIN deepens a chain
// of queries that nothing but the closing bracket ends. Lists (IN, VALUES,
// select lists, AND and OR) are flat, so their length does not count.
// Right-nested forms (NOT NOT …, CASE … CASE, f(f(…))) are also bounded by
// the grammar's own stack (10,000 entries: "memory exhausted"); left-deep
// chains are not, which is what this bound is for.
func nestingEstimate(toks []token) int {
	type level struct{ base, expr, chain int }
	stack := []level{{base: 1}}
	total, most := 1, 1
	add := func(n int, chain bool) {
		top := &stack[len(stack)-1]
		if chain {
			top.chain += n
		} else {
			top.expr += n
		}
		total += n
		most = max(most, total)
	}
	for i, t := range toks {
		switch {
		case t.raw == "(" || t.raw == "[" || isWord(t, "case") || isWord(t, "begin"):
			// CASE … END brackets like ( … ): the chain an END + 1 goes
			// on with is the one before the CASE.
			base := 1
			if isWord(t, "case") {
				base = 2 // CaseExpr, CaseWhen
			}
			// A subquery nests a handful of nodes (SubLink, SelectStmt,
			// target list, ResTarget) per bracket.
			if i+1 < len(toks) && isQueryStart(toks[i+1]) {
				base = 4
			}
			stack = append(stack, level{base: base})
			total += base
			most = max(most, total)
		case t.raw == ")" || t.raw == "]" || isWord(t, "end"):
			if len(stack) > 1 {
				top := stack[len(stack)-1]
				total -= top.base + top.expr + top.chain
				stack = stack[:len(stack)-1]
			}
		case t.raw == "," || t.kind == tokWord && t.kw != 0 && endKeywords[t.text]:
			// The next expression is a sibling of the one before, not
			// its operand.
			top := &stack[len(stack)-1]
			total -= top.expr
			top.expr = 0
			if chainKeywords[t.text] {
				add(1, true)
			}
		case t.kind == tokWord && nestingKeywords[t.text] && t.kw != 0:
			add(1, false)
		case t.kind == tokPunct && t.raw == "=", t.kind == tokOther && isOperator(t.raw):
			add(1, false)
		}
	}
	return most
}

// isWord reports whether t is the keyword kw (lower case).
func isWord(t token, kw string) bool {
	return t.kind == tokWord && t.kw != 0 && t.text == kw
}

// isQueryStart reports whether t can begin a query in brackets.
func isQueryStart(t token) bool {
	return t.kind == tokWord && (t.text == "select" || t.text == "values" || t.text == "with" || t.text == "table")
}

// isOperator reports whether raw is an operator token (+, ||, ::, ->>, …).
func isOperator(raw string) bool {
	return raw != "" && strings.Trim(raw, "+-*/<>=~!@#%^&|`?:") == ""
}

// nestingKeywords are the keywords that make an expression one level
// deeper than its operands.
var nestingKeywords = map[string]bool{
	"not": true, "is": true, "like": true, "ilike": true, "similar": true,
	"between": true, "in": true, "at": true, "collate": true,
	"operator": true, "isnull": true, "notnull": true,
}

// endKeywords end an expression: what follows is not its operand. AND and
// OR are among them because PostgreSQL's grammar flattens a AND b AND c
// into one list (and an AND under an OR is one level).
var endKeywords = map[string]bool{
	"and": true, "or": true, "when": true, "then": true, "else": true,
	"select": true, "from": true, "where": true, "group": true, "having": true,
	"order": true, "limit": true, "offset": true, "on": true, "using": true,
	"values": true, "set": true, "returning": true, "as": true, "by": true,
	"union": true, "intersect": true, "except": true, "join": true,
}

// chainKeywords join queries or tables into left-deep trees.
var chainKeywords = map[string]bool{
	"union": true, "intersect": true, "except": true, "join": true,
}
