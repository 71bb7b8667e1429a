package executor

import (
	"context"
	"strconv"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Temporary tables (CREATE TEMP TABLE, CREATE TEMP TABLE … AS) live in a
// schema of the session's own (catalog/temp.go), searched before
// search_path as PostgreSQL's pg_temp is, invisible to other sessions'
// unqualified names and refused to their qualified ones, and dropped when
// the session ends.

// tempSchema is the name of the session's temporary schema.
func (s *Session) tempSchema() string {
	return catalog.TempSchemaPrefix + strconv.FormatUint(uint64(s.pid), 10)
}

// tempRelation returns rv placed in the session's temporary schema, made
// if needed, for a CREATE TEMP TABLE.
func (x *execution) tempRelation(tx *catalog.Tx, rv *pg.RangeVar, onCommit pg.OnCommitAction) (*pg.RangeVar, error) {
	own := x.s.tempSchema()
	if rv.Schemaname != "" && rv.Schemaname != "pg_temp" && rv.Schemaname != own {
		return nil, sqlstate.Errorf(sqlstate.InvalidTableDefinition, "cannot create temporary relation in non-temporary schema").WithPosition(rv.Location + 1)
	}
	if err := tx.EnsureTempSchema(x.s.db, own); err != nil {
		return nil, err
	}
	if x.s.temp == nil {
		x.s.temp = map[string]bool{}
	}
	x.s.temp[x.s.db] = true
	out := proto.Clone(rv).(*pg.RangeVar)
	out.Schemaname, out.Catalogname, out.Relpersistence = own, "", "p"
	// The table of this name from now on has this ON COMMIT action (a
	// failed CREATE leaves one that finds no table, or is overwritten).
	key := tempTableKey{db: x.s.db, schema: own, name: rv.Relname}
	switch onCommit {
	case pg.OnCommitAction_ONCOMMIT_DELETE_ROWS, pg.OnCommitAction_ONCOMMIT_DROP:
		if x.s.onCommit == nil {
			x.s.onCommit = map[tempTableKey]onCommitAction{}
		}
		x.s.onCommit[key] = commitDeleteRows
		if onCommit == pg.OnCommitAction_ONCOMMIT_DROP {
			x.s.onCommit[key] = commitDrop
		}
	default:
		delete(x.s.onCommit, key)
	}
	return out, nil
}

// tempTableKey names a temporary table of the session.
type tempTableKey struct{ db, schema, name string }

// onCommitAction is a temporary table's ON COMMIT DROP or DELETE ROWS.
type onCommitAction int8

const (
	commitDrop onCommitAction = iota + 1
	commitDeleteRows
)

// applyOnCommit runs the ON COMMIT actions of the session's temporary
// tables in tx, which is about to commit: ON COMMIT DROP tables go (with
// what depends on them), ON COMMIT DELETE ROWS tables are emptied.
func (s *Session) applyOnCommit(tx *catalog.Tx) error {
	for key, action := range s.onCommit {
		ref := catalog.TableRef{Database: key.db, Schema: key.schema, Name: key.name}
		t, err := tx.Table(ref)
		if catalog.IsNotFound(err) {
			if action == commitDrop {
				delete(s.onCommit, key)
			}
			continue
		}
		if err != nil {
			return err
		}
		if action == commitDrop {
			if _, err := tx.DropTableCascade(ref); err != nil {
				return err
			}
			delete(s.onCommit, key)
			continue
		}
		if err := tx.Truncate(t); err != nil {
			return err
		}
	}
	return nil
}

// tempSchemaOf maps a schema name of a statement: pg_temp is the session's
// own temporary schema; another session's cannot be named.
func (x *execution) tempSchemaOf(name string) (string, error) {
	switch {
	case name == "pg_temp":
		return x.s.tempSchema(), nil
	case catalog.IsTempSchema(name) && name != x.s.tempSchema():
		return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "cannot access temporary tables of other sessions")
	}
	return name, nil
}

// dropTempSchemas drops the session's temporary tables: it is ending.
func (s *Session) dropTempSchemas() {
	if len(s.temp) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for db := range s.temp {
		err := s.eng.cat.Update(ctx, s.who, func(tx *catalog.Tx) error {
			err := tx.DropSchema(db, s.tempSchema(), true)
			if catalog.IsNotFound(err) {
				return nil
			}
			return err
		})
		if err != nil {
			// What is left goes at the next start (catalog.Open).
			s.log.Warn("drop temporary tables", "db", db, "err", err)
		}
	}
	s.temp = nil
}
