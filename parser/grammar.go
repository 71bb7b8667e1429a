package parser

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// isOwn reports whether the statement made of toks belongs to the own
// grammar. It looks only at leading keywords (and, for GRANT and REVOKE, at
// "TO SHARE x"-like pairs) so that everything else, including PostgreSQL's
// own GRANT, SHOW and CREATE DATABASE, goes to PostgreSQL's grammar.
func isOwn(t []token) bool {
	w := func(i int) string {
		if i < len(t) && t[i].kind == tokWord {
			return t[i].text
		}
		return ""
	}
	switch w(0) {
	case "create":
		switch w(1) {
		case "tenant", "share", "recipient":
			return true
		case "database":
			return w(3) == "from" && w(4) == "share"
		}
	case "alter", "drop":
		switch w(1) {
		case "tenant", "share", "recipient":
			return true
		}
	case "desc", "describe":
		return true
	case "show":
		switch w(1) {
		case "shares", "grants", "recipients", "tenants":
			return true
		case "all":
			return w(2) == "in"
		}
	case "comment":
		return w(1) == "on" && w(2) == "share"
	case "grant", "revoke":
		for i := 1; i+2 < len(t); i++ {
			switch w(i) {
			case "to", "from", "on":
			default:
				continue
			}
			if w(i+1) != "share" && w(i+1) != "recipient" {
				continue
			}
			if n := t[i+2]; n.kind == tokQuoted || n.kind == tokWord && n.text != "to" && n.text != "from" {
				return true
			}
		}
	}
	return false
}

// ownParser is a recursive-descent parser over the tokens of one statement.
// Errors are sticky: after the first, every method is a no-op that sees the
// end of the statement, and statement returns that first error.
type ownParser struct {
	input string  // the whole input, for error positions
	toks  []token // the statement's tokens, comments dropped
	i     int
	end   token // the ';' ending the statement, or tokEOF
	err   *SyntaxError
}

func (p *ownParser) peekAt(n int) token {
	if p.err != nil || p.i+n >= len(p.toks) {
		return p.end
	}
	return p.toks[p.i+n]
}

func (p *ownParser) peek() token { return p.peekAt(0) }

func (p *ownParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokWord && t.text == w
}

func (p *ownParser) accept(w string) bool {
	if p.isWord(w) {
		p.i++
		return true
	}
	return false
}

func (p *ownParser) expect(words ...string) {
	for _, w := range words {
		if !p.accept(w) {
			p.fail(p.peek())
			return
		}
	}
}

func (p *ownParser) acceptPunct(c string) bool {
	if t := p.peek(); t.kind == tokPunct && t.text == c {
		p.i++
		return true
	}
	return false
}

func (p *ownParser) expectPunct(c string) {
	if !p.acceptPunct(c) {
		p.fail(p.peek())
	}
}

// fail records a syntax error at t, as PostgreSQL words it.
func (p *ownParser) fail(t token) {
	if p.err == nil {
		p.err = syntaxErrorAt(p.input, t)
	}
}

func (p *ownParser) failMsg(t token, msg string) {
	if p.err == nil {
		p.err = &SyntaxError{Pos: charPos(p.input, t.pos), Msg: msg}
	}
}

// syntaxErrorAt is PostgreSQL's syntax error at token t of input.
func syntaxErrorAt(input string, t token) *SyntaxError {
	if t.kind == tokEOF {
		return &SyntaxError{Pos: charPos(input, len(input)), Msg: "syntax error at end of input"}
	}
	return &SyntaxError{Pos: charPos(input, t.pos), Msg: `syntax error at or near "` + t.raw + `"`}
}

// name parses a ColId: an identifier or a keyword PostgreSQL allows as a name.
func (p *ownParser) name() string {
	t := p.peek()
	switch {
	case t.kind == tokQuoted,
		t.kind == tokWord && (t.kw == pg_query.KeywordKind_NO_KEYWORD ||
			t.kw == pg_query.KeywordKind_UNRESERVED_KEYWORD || t.kw == pg_query.KeywordKind_COL_NAME_KEYWORD):
		p.i++
		return t.text
	}
	p.fail(t)
	return ""
}

// qualified parses a dotted name of at most max parts.
func (p *ownParser) qualified(max int) QualifiedName {
	start := p.peek()
	q := QualifiedName{p.name()}
	for p.acceptPunct(".") {
		q = append(q, p.name())
	}
	if len(q) > max && p.err == nil {
		p.failMsg(start, "improper qualified name (too many dotted names): "+q.String())
	}
	return q
}

func (p *ownParser) str() string {
	t := p.peek()
	if t.kind != tokString {
		p.fail(t)
		return ""
	}
	p.i++
	return t.text
}

// commentClause parses the text after COMMENT: [=] 'text'.
func (p *ownParser) commentClause() string {
	p.acceptPunct("=")
	return p.str()
}

func (p *ownParser) ifExists() bool {
	if p.isWord("if") && p.peekAt(1).kind == tokWord && p.peekAt(1).text == "exists" {
		p.i += 2
		return true
	}
	return false
}

func (p *ownParser) ifNotExists() bool {
	if p.isWord("if") && p.peekAt(1).kind == tokWord && p.peekAt(1).text == "not" {
		p.i++
		p.expect("not", "exists")
		return true
	}
	return false
}

// statement parses the whole statement.
func (p *ownParser) statement() (Own, error) {
	var s Own
	switch {
	case p.accept("create"):
		s = p.create()
	case p.accept("alter"):
		s = p.alter()
	case p.accept("drop"):
		s = p.drop()
	case p.accept("grant"):
		s = p.grant(false)
	case p.accept("revoke"):
		s = p.grant(true)
	case p.accept("desc"), p.accept("describe"):
		s = p.describe()
	case p.accept("show"):
		s = p.show()
	case p.accept("comment"):
		p.expect("on", "share")
		c := &CommentOnShare{Name: p.name()}
		p.expect("is")
		if !p.accept("null") {
			c.Comment = p.str()
		}
		s = c
	default:
		p.fail(p.peek())
	}
	if p.err == nil && p.i < len(p.toks) {
		p.fail(p.peek())
	}
	if p.err != nil {
		return nil, p.err
	}
	return s, nil
}

func (p *ownParser) create() Own {
	switch {
	case p.accept("tenant"):
		s := &CreateTenant{Name: p.name()}
		var password, comment bool
		for {
			t := p.peek()
			switch {
			case !password && p.accept("password"):
				password, s.Password = true, p.str()
				continue
			case !comment && p.accept("comment"):
				comment, s.Comment = true, p.commentClause()
				continue
			case !password:
				p.fail(t)
			}
			return s
		}
	case p.accept("share"):
		s := &CreateShare{IfNotExists: p.ifNotExists()}
		s.Name = p.name()
		if p.accept("comment") {
			s.Comment = p.commentClause()
		}
		return s
	case p.accept("recipient"):
		s := &CreateRecipient{IfNotExists: p.ifNotExists()}
		s.Name = p.name()
		var using, comment, props bool
		for {
			switch {
			case !using && p.accept("using"):
				p.expect("id")
				using, s.UsingID = true, p.str()
			case !comment && p.accept("comment"):
				comment, s.Comment = true, p.commentClause()
			case !props && p.accept("properties"):
				props, s.Properties = true, p.properties()
			default:
				return s
			}
		}
	case p.accept("database"):
		s := &CreateDatabaseFromShare{Name: p.name()}
		p.expect("from", "share")
		at := p.peek()
		q := p.qualified(2)
		if len(q) != 2 {
			p.failMsg(at, "a share is named provider.share: "+q.String())
			return s
		}
		s.Provider, s.Share = q[0], q[1]
		return s
	}
	p.fail(p.peek())
	return nil
}

func (p *ownParser) alter() Own {
	switch {
	case p.accept("tenant"):
		s := &AlterTenant{Name: p.name()}
		if p.accept("connection") {
			return p.connectionLimit(false, s.Name)
		}
		if q, ok := p.tenantQuota(s.Name); ok {
			return q
		}
		for {
			switch {
			case s.Password == nil && p.accept("password"):
				pw := p.str()
				s.Password = &pw
			case s.Comment == nil && p.accept("comment"):
				c := p.commentClause()
				s.Comment = &c
			default:
				if s.Password == nil && s.Comment == nil {
					p.fail(p.peek())
				}
				return s
			}
		}
	case p.accept("share"):
		ie := p.ifExists()
		share := p.name()
		switch {
		case p.accept("rename"):
			p.expect("to")
			return &RenameShare{Name: share, IfExists: ie, NewName: p.name()}
		case p.isWord("add"), p.isWord("remove"):
			remove := p.isWord("remove")
			p.i++
			switch {
			case p.accept("table"):
				s := &AlterShareTable{Share: share, IfExists: ie, Remove: remove, Table: p.qualified(3)}
				if !remove {
					if p.accept("as") {
						s.Alias = p.qualified(2)
					}
					if p.accept("comment") {
						s.Comment = p.commentClause()
					}
				}
				return s
			case p.accept("schema"):
				return &AlterShareSchema{Share: share, IfExists: ie, Remove: remove, Schema: p.qualified(2)}
			case p.accept("tenants"), p.accept("accounts"):
				s := &AlterShareTenants{Share: share, IfExists: ie, Remove: remove}
				p.acceptPunct("=")
				s.Tenants = append(s.Tenants, p.name())
				for p.acceptPunct(",") {
					s.Tenants = append(s.Tenants, p.name())
				}
				return s
			}
		}
	case p.accept("recipient"):
		name := p.name()
		switch {
		case p.accept("rotate"):
			p.expect("token")
			s := &RotateRecipientToken{Name: name}
			if p.accept("expire") {
				p.expect("existing", "in")
				s.ExpireExisting, s.ExpireSeconds = true, p.integer()
				p.expect("seconds")
			}
			return s
		case p.accept("set"):
			p.expect("properties")
			return &SetRecipientProperties{Name: name, Properties: p.properties()}
		case p.accept("rename"):
			p.expect("to")
			return &RenameRecipient{Name: name, NewName: p.name()}
		case p.accept("connection"):
			return p.connectionLimit(true, name)
		}
	}
	p.fail(p.peek())
	return nil
}

func (p *ownParser) drop() Own {
	switch {
	case p.accept("tenant"):
		ie := p.ifExists()
		return &DropTenant{IfExists: ie, Name: p.name()}
	case p.accept("share"):
		ie := p.ifExists()
		return &DropShare{IfExists: ie, Name: p.name()}
	case p.accept("recipient"):
		ie := p.ifExists()
		return &DropRecipient{IfExists: ie, Name: p.name()}
	}
	p.fail(p.peek())
	return nil
}

// grant parses what follows GRANT or REVOKE.
func (p *ownParser) grant(revoke bool) Own {
	prep := "to"
	if revoke {
		prep = "from"
	}
	var priv Privilege
	switch {
	case p.accept("usage"):
		priv = PrivUsage
	case p.accept("select"):
		priv = PrivSelect
	default:
		p.fail(p.peek())
		return nil
	}
	p.expect("on")
	if priv == PrivSelect && p.accept("share") {
		s := &RecipientGrant{Revoke: revoke, Share: p.name()}
		p.expect(prep, "recipient")
		s.Recipient = p.name()
		return s
	}
	s := &ShareGrant{Revoke: revoke, Privilege: priv}
	at := p.peek()
	switch {
	case p.accept("database"):
		s.Object, s.Name = ObjDatabase, p.qualified(1)
	case p.accept("schema"):
		s.Object, s.Name = ObjSchema, p.qualified(2)
	case p.accept("all"):
		p.expect("tables", "in", "schema")
		s.Object, s.Name = ObjAllTablesInSchema, p.qualified(2)
	default:
		p.accept("table") // optional, as in PostgreSQL's GRANT
		s.Object, s.Name = ObjTable, p.qualified(3)
	}
	if (priv == PrivUsage) != (s.Object == ObjDatabase || s.Object == ObjSchema) {
		p.fail(at)
	}
	p.expect(prep, "share")
	s.Share = p.name()
	return s
}

func (p *ownParser) describe() Own {
	switch {
	case p.accept("share"):
		return &Describe{Object: ObjShare, Name: p.name()}
	case p.accept("recipient"):
		return &Describe{Object: ObjRecipient, Name: p.name()}
	}
	p.fail(p.peek())
	return nil
}

func (p *ownParser) show() Own {
	switch {
	case p.accept("shares"):
		return &Show{What: ShowShares}
	case p.accept("recipients"):
		return &Show{What: ShowRecipients}
	case p.accept("tenants"):
		return &Show{What: ShowTenants}
	case p.accept("all"):
		p.expect("in", "share")
		return &Show{What: ShowAllInShare, Name: p.name()}
	case p.accept("grants"):
		switch {
		case p.accept("on"):
			p.expect("share")
			return &Show{What: ShowGrantsOnShare, Name: p.name()}
		case p.accept("of"):
			p.expect("share")
			return &Show{What: ShowGrantsOfShare, Name: p.name()}
		case p.accept("to"):
			p.expect("recipient")
			return &Show{What: ShowGrantsToRecipient, Name: p.name()}
		}
	}
	p.fail(p.peek())
	return nil
}

// properties parses ('key' = 'value', …); a key may also be a dotted name,
// a value a number or a word.
func (p *ownParser) properties() []Property {
	p.expectPunct("(")
	var props []Property
	for p.err == nil {
		var prop Property
		if t := p.peek(); t.kind == tokString {
			prop.Key = p.str()
		} else {
			prop.Key = strings.Join(p.qualified(1<<30), ".")
		}
		p.expectPunct("=")
		switch t := p.peek(); t.kind {
		case tokString:
			prop.Value = p.str()
		case tokNumber, tokWord:
			p.i++
			prop.Value = t.raw
		default:
			p.fail(t)
		}
		props = append(props, prop)
		if !p.acceptPunct(",") {
			break
		}
	}
	p.expectPunct(")")
	return props
}

// integer parses a non-negative integer constant as PostgreSQL writes them
// (decimal, 0x/0o/0b prefixes, underscores between digits).
func (p *ownParser) integer() int64 {
	t := p.peek()
	if t.kind != tokNumber {
		p.fail(t)
		return 0
	}
	s, base := strings.ReplaceAll(t.raw, "_", ""), 10
	if len(s) > 2 && s[0] == '0' && strings.ContainsRune("xXoObB", rune(s[1])) {
		base = 0
	}
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		p.fail(t)
		return 0
	}
	p.i++
	return n
}
