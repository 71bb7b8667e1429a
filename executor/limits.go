package executor

import (
	"context"
	"fmt"
	"math"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/parser"
)

// DefaultRecipientConnLimit is the connection limit of a token recipient
// that has none of its own when Config.RecipientConnLimit is 0: a quarter
// of the server's default 100 slots, so that one partner cannot take them all.
const DefaultRecipientConnLimit = 25

// LoginLimit says how one login counts against the server's connection
// slots; pgwire counts the sessions, the catalog keeps the limits.
type LoginLimit struct {
	// Superuser logins may use the reserved slots and have no limit of
	// their own, as in PostgreSQL.
	Superuser bool
	// Role is the name in "too many connections for role".
	Role string
	// Key groups the sessions that count against the same limit: those of
	// one tenant, or of one token recipient (whichever token they use).
	Key string
	// Limit is the most sessions Key may hold; catalog.NoConnLimit (-1)
	// for none.
	Limit int
}

// LoginLimit returns the connection limit of user, who has just
// authenticated. An unknown user (dropped meanwhile) is 28000.
func (e *Engine) LoginLimit(ctx context.Context, user string) (LoginLimit, error) {
	var l LoginLimit
	err := e.cat.View(ctx, catalog.System, func(tx *catalog.Tx) error {
		t, ok, err := tx.TenantByName(user)
		if err != nil {
			return err
		}
		if ok {
			l = LoginLimit{Superuser: t.Super, Role: t.Name, Key: fmt.Sprintf("tenant/%d", t.ID), Limit: t.ConnectionLimit()}
			return nil
		}
		r, ok, err := tx.TokenLogin(user)
		if err != nil {
			return err
		}
		if !ok {
			return sqlstate.Errorf(sqlstate.InvalidAuthorization, "role %q does not exist", user)
		}
		l = LoginLimit{Role: user, Key: fmt.Sprintf("recipient/%d", r.ID), Limit: e.recipientConnLimit(r)}
		return nil
	})
	return l, err
}

// recipientConnLimit is r's own limit, else the server's default.
func (e *Engine) recipientConnLimit(r catalog.Recipient) int {
	if n, ok := r.ConnectionLimit(); ok {
		return n
	}
	return e.recipientLimit
}

// alterConnectionLimit runs ALTER TENANT|RECIPIENT name CONNECTION LIMIT n.
// Sessions already open stay; the limit applies to the next logins.
func (x *execution) alterConnectionLimit(s *parser.AlterConnectionLimit) (ownResult, error) {
	if s.Limit < catalog.NoConnLimit || s.Limit > math.MaxInt32 {
		return ownResult{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid connection limit: %d", s.Limit)
	}
	if s.Recipient {
		return x.ddl("ALTER RECIPIENT", func(tx *catalog.Tx) error { return tx.SetRecipientConnLimit(s.Name, s.Limit) })
	}
	return x.ddl("ALTER TENANT", func(tx *catalog.Tx) error { return tx.SetTenantConnLimit(s.Name, s.Limit) })
}

// recipientConnLimit is rolconnlimit of the session's own token login.
func (g *sysGen) recipientConnLimit() int {
	r, ok, err := g.tx.SelfRecipient()
	if err != nil || !ok {
		return catalog.NoConnLimit // the session's next statement finds it gone
	}
	return g.x.s.eng.recipientConnLimit(r)
}
