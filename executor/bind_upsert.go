package executor

import (
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// bindOnConflict binds INSERT's ON CONFLICT clause for table t; w's
// checker gives up the arbiter keys, which the upsert handles itself.
func (q *queryBinder) bindOnConflict(oc *pg.OnConflictClause, t catalog.Table, rv *pg.RangeVar, w *tableWriter) (*onConflict, error) {
	keys := t.IndexKeys()
	unique := func(k *catalog.Key) bool {
		for _, i := range t.Indexes {
			if &i.Key == k || i.Key.IndexID == k.IndexID {
				return i.Unique && i.Plain()
			}
		}
		return true // the primary key and UNIQUE constraints
	}
	var arbiters []*catalog.Key
	switch {
	case oc.Infer != nil && oc.Infer.Conname != "":
		for _, k := range keys {
			if k.Name == oc.Infer.Conname && unique(k) {
				arbiters = append(arbiters, k)
			}
		}
		if len(arbiters) == 0 {
			return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "constraint %q for table %q does not exist", oc.Infer.Conname, t.Name)
		}
	case oc.Infer != nil:
		if oc.Infer.WhereClause != nil {
			return nil, notSupported("ON CONFLICT … WHERE (partial unique indexes) is not supported")
		}
		var want []string
		for _, n := range oc.Infer.IndexElems {
			el := n.GetIndexElem()
			if el == nil || el.Name == "" {
				return nil, notSupported("ON CONFLICT on expressions is not supported")
			}
			want = append(want, el.Name)
		}
		sort.Strings(want)
		for _, k := range keys {
			var have []string
			for _, p := range t.Positions(k.Columns) {
				have = append(have, t.Columns[p-1].Name)
			}
			sort.Strings(have)
			if unique(k) && strings.Join(have, "\x00") == strings.Join(want, "\x00") {
				arbiters = append(arbiters, k)
			}
		}
		if len(arbiters) == 0 {
			return nil, sqlstate.Errorf(sqlstate.InvalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
		}
	case oc.Action == pg.OnConflictAction_ONCONFLICT_UPDATE:
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name").
			WithHint("For example, ON CONFLICT (column_name).")
	default:
		for _, k := range keys {
			if unique(k) {
				arbiters = append(arbiters, k)
			}
		}
	}
	c := &onConflict{}
	for _, k := range arbiters {
		c.arbiters = append(c.arbiters, newKeyCheck(t, k))
		w.cons.dropKey(k.Name)
	}
	if oc.Action != pg.OnConflictAction_ONCONFLICT_UPDATE {
		return c, nil
	}
	// DO UPDATE: SET and WHERE see the existing row under the table's name
	// (or alias) and the proposed one as "excluded".
	sc := tableScope(t, rv)
	n := len(t.Columns)
	for i, col := range t.Columns {
		ct := columnType(col)
		sc.cols = append(sc.cols, &scopeColumn{rel: "excluded", name: col.Name, t: ct, dt: ct.Arrow(), idx: n + i, tableOID: uint32(t.ID), attnum: int16(i + 1)})
	}
	b := &q.binder
	var err error
	if c.sets, err = q.x.bindAssignments(b, t, sc, oc.TargetList); err != nil {
		return nil, err
	}
	if oc.WhereClause != nil {
		e, err := b.bindExpr(oc.WhereClause, sc)
		if err != nil {
			return nil, err
		}
		if c.where, err = b.coerceBool(e, "WHERE"); err != nil {
			return nil, err
		}
	}
	return c, nil
}
