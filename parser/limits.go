package parser

import (
	"math"
	"strconv"
)

// AlterConnectionLimit is ALTER TENANT name CONNECTION LIMIT n or ALTER
// RECIPIENT name CONNECTION LIMIT n: how many sessions the login may hold
// at once, -1 for no limit of its own (PostgreSQL's ALTER ROLE … CONNECTION
// LIMIT). Values below -1 parse; the executor refuses them as PostgreSQL does.
type AlterConnectionLimit struct {
	Recipient bool // a recipient's limit, else a tenant's
	Name      string
	Limit     int
}

func (s *AlterConnectionLimit) String() string {
	object := "TENANT "
	if s.Recipient {
		object = "RECIPIENT "
	}
	return "ALTER " + object + quoteIdent(s.Name) + " CONNECTION LIMIT " + strconv.Itoa(s.Limit)
}

func (*AlterConnectionLimit) own() {}

// connectionLimit parses what follows ALTER TENANT|RECIPIENT name
// CONNECTION: LIMIT and a signed integer. As in PostgreSQL's grammar the
// number is an Iconst, so one past int32 is a syntax error at it.
func (p *ownParser) connectionLimit(recipient bool, name string) Own {
	p.expect("limit")
	neg := false
	if t := p.peek(); t.kind == tokOther && t.raw == "-" { // not punctuation to the lexer
		neg = true
		p.i++
	}
	at := p.peek()
	n := p.integer()
	if n > math.MaxInt32 {
		p.fail(at)
	}
	if neg {
		n = -n
	}
	return &AlterConnectionLimit{Recipient: recipient, Name: name, Limit: int(n)}
}
