package parser

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Statement is one statement of a possibly multi-statement string.
type Statement struct {
	// SQL is the statement's text without surrounding whitespace, comments
	// and the terminating semicolon.
	SQL string
	// Offset is the byte offset of SQL within the string given to Parse.
	Offset int
	// PG is set for ordinary SQL. Locations inside it are byte offsets into
	// SQL; Position turns them into positions for error messages.
	PG *pg_query.RawStmt
	// Own is set for a statement of the own grammar.
	Own Own

	input string // the whole string given to Parse
}

// Position returns the 1-based character position in the whole string given
// to Parse of the byte offset loc within SQL, as PostgreSQL reports error
// positions; 0 for a negative (unknown) loc.
func (s *Statement) Position(loc int32) int {
	if loc < 0 || s.Offset+int(loc) > len(s.input) {
		return 0
	}
	return charPos(s.input, s.Offset+int(loc))
}

// SyntaxError is a statement PostgreSQL (or the own grammar) cannot parse.
// The executor sends it as SQLSTATE 42601.
type SyntaxError struct {
	// Pos is the 1-based character position in the whole string given to
	// Parse, 0 if unknown.
	Pos int
	// Msg is in PostgreSQL's words, e.g. `syntax error at or near "x"`,
	// `syntax error at end of input`, `unterminated quoted string at or near "'x"`.
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// charPos returns the 1-based character position of byte offset off in s.
func charPos(s string, off int) int {
	return utf8.RuneCountInString(s[:off]) + 1
}

// Parse splits sql into statements and parses each: the sharing and tenant
// statements with the own grammar, everything else with PostgreSQL's. A
// string of only whitespace and comments gives no statements and no error.
//
// The split uses PostgreSQL's scanner (the same one pg_query's
// SplitWithScanner uses, but its tokens keep their offsets), so a ';' inside
// a string, a dollar quote, a quoted identifier, a comment or parentheses
// does not end a statement.
func Parse(sql string) ([]Statement, error) {
	if err := checkEncoding(sql); err != nil {
		return nil, err
	}
	scan, err := pg_query.Scan(sql)
	if err != nil {
		return nil, pgError(err, sql, 0)
	}
	var out []Statement
	toks := make([]token, 0, len(scan.Tokens))
	depth := 0
	for i := 0; i <= len(scan.Tokens); i++ {
		end := token{kind: tokEOF, pos: len(sql)}
		if i < len(scan.Tokens) {
			st := scan.Tokens[i]
			if isComment(st) {
				continue
			}
			t := makeToken(sql, st)
			switch {
			case t.kind == tokPunct && t.text == "(":
				depth++
			case t.kind == tokPunct && t.text == ")":
				depth--
			}
			if !(t.kind == tokPunct && t.text == ";" && depth <= 0) {
				toks = append(toks, t)
				continue
			}
			end = t
		}
		depth = 0
		if len(toks) == 0 {
			continue
		}
		st, err := parseOne(sql, toks, end)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		toks = toks[:0]
	}
	return out, nil
}

// parseOne parses the statement made of toks, ended by end (';' or EOF).
func parseOne(sql string, toks []token, end token) (Statement, error) {
	first, last := toks[0], toks[len(toks)-1]
	st := Statement{
		SQL:    sql[first.pos : last.pos+len(last.raw)],
		Offset: first.pos,
		input:  sql,
	}
	if isOwn(toks) {
		p := &ownParser{input: sql, toks: toks, end: end}
		own, err := p.statement()
		if err != nil {
			return Statement{}, err
		}
		st.Own = own
		return st, nil
	}
	// PostgreSQL sees the terminator (or the trailing whitespace up to the
	// end of input) too, so that an error there reads and points as it would
	// in PostgreSQL: at or near ";", or at end of input.
	text := sql[first.pos:]
	if end.kind != tokEOF {
		text = sql[first.pos : end.pos+1]
	}
	if nestingEstimate(toks) > maxNesting {
		return Statement{}, &TooComplexError{}
	}
	tree, err := parsePG(text)
	if err != nil {
		return Statement{}, pgError(err, sql, first.pos)
	}
	if len(tree.Stmts) != 1 {
		// The scanner split at every top-level ';', so this cannot happen.
		return Statement{}, fmt.Errorf("parser: %d statements in one piece %q", len(tree.Stmts), st.SQL)
	}
	st.PG = tree.Stmts[0]
	return st, nil
}

// decodeLimit is how deeply nested a parse tree's protobuf may be. A tree
// that passed maxNesting has at most a few messages per level (a
// subquery is six: Node, SubLink, Node, SelectStmt, Node, ResTarget);
// the default limit of 10,000 would refuse 2,000 nested subqueries, which
// PostgreSQL accepts. Decoding recurses on the goroutine's growable stack.
const decodeLimit = 8*maxNesting + statementMessages

// statementMessages is the depth of the messages around a statement's
// first nesting level (RawStmt, Node, SelectStmt, Node, ResTarget …).
const statementMessages = 32

// parsePG parses text with PostgreSQL's grammar, as pg_query.Parse does
// but with decodeLimit for the tree.
func parsePG(text string) (*pg_query.ParseResult, error) {
	buf, err := pgparser.ParseToProtobuf(text)
	if err != nil {
		return nil, err
	}
	tree := &pg_query.ParseResult{}
	if err := (proto.UnmarshalOptions{RecursionLimit: decodeLimit}).Unmarshal(buf, tree); err != nil {
		if strings.Contains(err.Error(), "exceeded maximum recursion depth") {
			return nil, &TooComplexError{}
		}
		return nil, fmt.Errorf("parser: decoding the parse tree: %w", err)
	}
	return tree, nil
}

// pgError turns an error of pg_query on text starting at byte base of sql
// into a SyntaxError positioned in sql. pg_query's cursor position is, like
// PostgreSQL's, a 1-based character position.
func pgError(err error, sql string, base int) error {
	var pe *pgparser.Error
	if !errors.As(err, &pe) {
		return err
	}
	pos := 0
	if pe.Cursorpos > 0 {
		pos = charPos(sql, base) - 1 + pe.Cursorpos
	}
	return &SyntaxError{Pos: pos, Msg: pe.Message}
}

// pgVersion is the PostgreSQL version of pg_query's grammar; a parse tree
// handed back to pg_query must carry it (TestPGVersion keeps it true).
const pgVersion = 170007

// Deparse prints a PostgreSQL statement as SQL, as pg_query deparses it.
func Deparse(stmt *pg_query.RawStmt) (string, error) {
	return DeparseTree(&pg_query.ParseResult{Version: pgVersion, Stmts: []*pg_query.RawStmt{stmt}})
}

// maxDeparseDepth bounds how deeply nested, in protobuf messages, a tree
// handed to pg_query's C deparser may be. It recurses on the calling
// thread's stack more per level than the parser does and without a check:
// on an 8 MB thread stack it overflowed, killing the process, at about
// 9,000 levels (a 9,000-branch UNION ALL, or a 5,000-term 1+…+1, in a
// view); half of that leaves a margin.
const maxDeparseDepth = 4000

// DeparseTree prints a parse tree as SQL, as pg_query.Deparse does, and
// refuses with TooComplexError a tree too deep for the C deparser.
func DeparseTree(tree *pg_query.ParseResult) (string, error) {
	if messageDepth(tree.ProtoReflect(), maxDeparseDepth) > maxDeparseDepth {
		return "", &TooComplexError{}
	}
	return pg_query.Deparse(tree)
}

// messageDepth is how deeply m's messages nest, m included, counted up to
// just past limit (so the walk itself stays bounded).
func messageDepth(m protoreflect.Message, limit int) int {
	if limit < 0 {
		return 1
	}
	most := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && most <= limit; i++ {
				most = max(most, messageDepth(l.Get(i).Message(), limit-1))
			}
		case fd.Message() != nil && !fd.IsMap():
			most = max(most, messageDepth(v.Message(), limit-1))
		}
		return most <= limit
	})
	return most + 1
}

// checkEncoding rejects what PostgreSQL rejects before parsing a query:
// invalid UTF-8, and NUL, which would silently end the C string that
// PostgreSQL's scanner reads.
func checkEncoding(sql string) error {
	for i := 0; i < len(sql); {
		r, n := utf8.DecodeRuneInString(sql[i:])
		if r == 0 || r == utf8.RuneError && n == 1 {
			return &SyntaxError{Pos: charPos(sql, i), Msg: fmt.Sprintf(`invalid byte sequence for encoding "UTF8": 0x%02x`, sql[i])}
		}
		i += n
	}
	return nil
}
