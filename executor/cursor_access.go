package executor

import (
	"context"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
)

// A statement reads a shared table only while its consumer may: every
// statement resolves its names anew, so a revocation holds from the next
// one. A cursor (FETCH, MOVE) and a suspended portal (a later Execute)
// go on reading a plan bound earlier, so they re-resolve what it reads
// through shares before each step, and answer as a new SELECT would
// (42P01, or 3D000 when the share's database itself is gone for the
// session, as it is for a token recipient whose token ended). Tables of
// the reader's own are not re-checked: no other principal can take them
// away mid-transaction except by dropping them, as in PostgreSQL.

// sharedRead is a table a plan reads through a share, as the binder
// resolved it.
type sharedRead struct {
	ref  catalog.TableRef
	id   catalog.TableID
	name *pg.RangeVar // the name as written, for the error; no position
}

// noteSharedRead records that the plan being bound reads t, when t is
// reached through a share.
func (x *execution) noteSharedRead(t catalog.Table, ref catalog.TableRef, rv *pg.RangeVar) {
	if t.Via == nil {
		return
	}
	for _, r := range x.sharedReads { // a correlated subquery binds once per row
		if r.id == t.ID && r.ref == ref {
			return
		}
	}
	name := &pg.RangeVar{Catalogname: rv.Catalogname, Schemaname: rv.Schemaname, Relname: rv.Relname, Location: -1}
	x.sharedReads = append(x.sharedReads, sharedRead{ref: ref, id: t.ID, name: name})
}

// checkSharedReads re-resolves reads as the session now sees them: nil
// if every one is still the same table, else the error a new statement
// naming it would get.
func (s *Session) checkSharedReads(ctx context.Context, reads []sharedRead) error {
	if len(reads) == 0 {
		return nil
	}
	tx, done, err := s.readTx(ctx)
	if err != nil {
		return err
	}
	defer done()
	for _, r := range reads {
		t, err := tx.Table(r.ref)
		if err == nil && t.ID != r.id {
			// Dropped and another table shared under its name: the
			// cursor's table is gone all the same.
			err = &catalog.Error{Kind: catalog.NotFound, Object: "table", Name: r.ref.Name}
		}
		if err != nil {
			return relationError(err, r.name)
		}
	}
	return nil
}

// Resume re-checks access before pgwire resumes a suspended portal
// (Execute after PortalSuspended), as FETCH does for a cursor.
func (r *planRows) Resume(ctx context.Context) error {
	if r.closed || r.x == nil || r.s == nil {
		return nil
	}
	err := r.s.checkSharedReads(ctx, r.x.sharedReads)
	if err != nil {
		r.s.statementFailed() // as an error of Next would
	}
	return err
}
