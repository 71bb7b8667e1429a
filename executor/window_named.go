package executor

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Named windows: WINDOW w AS (…) defines windows that OVER w uses as
// they are and OVER (w …) extends, as PostgreSQL's
// transformWindowDefinitions does.

// namedWindow is one WINDOW clause entry, resolved against the earlier
// ones it refers to.
type namedWindow struct {
	name string
	def  *pg.WindowDef
	used bool
}

// defineWindows resolves a SELECT's WINDOW clause into wb.
func (wb *windowBinding) defineWindows(clause []*pg.Node) error {
	for _, n := range clause {
		wd := n.GetWindowDef()
		if wd == nil {
			continue
		}
		if _, dup := wb.named[wd.Name]; dup {
			return sqlstate.Errorf(sqlstate.WindowingError, "window %q is already defined", wd.Name).WithPosition(wd.Location + 1)
		}
		def, err := wb.extend(wd)
		if err != nil {
			return err
		}
		if wb.named == nil {
			wb.named = map[string]*namedWindow{}
		}
		nw := &namedWindow{name: wd.Name, def: def}
		wb.named[wd.Name] = nw
		wb.order = append(wb.order, nw)
	}
	return nil
}

// resolve returns the window an OVER clause means: a named window as is
// (OVER w) or the clause merged with the window it names (OVER (w …)).
func (wb *windowBinding) resolve(over *pg.WindowDef) (*pg.WindowDef, error) {
	if over.Name == "" {
		return wb.extend(over)
	}
	nw := wb.named[over.Name]
	if nw == nil {
		return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "window %q does not exist", over.Name).WithPosition(over.Location + 1)
	}
	nw.used = true
	return nw.def, nil
}

// extend merges w with the window it copies (w.Refname), if any. The copy
// keeps the base's PARTITION BY, takes ORDER BY from whichever has one,
// and the frame from w; anything else is PostgreSQL's 42P20.
func (wb *windowBinding) extend(w *pg.WindowDef) (*pg.WindowDef, error) {
	if w.Refname == "" {
		return w, nil
	}
	nw := wb.named[w.Refname]
	if nw == nil {
		return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "window %q does not exist", w.Refname).WithPosition(w.Location + 1)
	}
	nw.used = true
	base := nw.def
	if len(w.PartitionClause) > 0 {
		return nil, sqlstate.Errorf(sqlstate.WindowingError, "cannot override PARTITION BY clause of window %q", w.Refname).WithPosition(w.Location + 1)
	}
	if len(w.OrderClause) > 0 && len(base.OrderClause) > 0 {
		return nil, sqlstate.Errorf(sqlstate.WindowingError, "cannot override ORDER BY clause of window %q", w.Refname).WithPosition(w.Location + 1)
	}
	if base.FrameOptions&frameNonDefault != 0 {
		return nil, sqlstate.Errorf(sqlstate.WindowingError, "cannot copy window %q because it has a frame clause", w.Refname).
			WithHint("Omit the parentheses in this OVER clause.").WithPosition(w.Location + 1)
	}
	merged := &pg.WindowDef{
		Name:            w.Name,
		PartitionClause: base.PartitionClause,
		OrderClause:     base.OrderClause,
		FrameOptions:    w.FrameOptions,
		StartOffset:     w.StartOffset,
		EndOffset:       w.EndOffset,
		Location:        w.Location,
	}
	if len(w.OrderClause) > 0 {
		merged.OrderClause = w.OrderClause
	}
	return merged, nil
}

// checkUnused binds the expressions of the named windows no call used,
// so that a WINDOW clause naming a missing column fails as in PostgreSQL.
func (wb *windowBinding) checkUnused(b *binder, sc *scope) error {
	for _, nw := range wb.order {
		if nw.used {
			continue
		}
		for _, n := range nw.def.PartitionClause {
			if _, err := b.bindExpr(n, sc); err != nil {
				return err
			}
		}
		for _, n := range nw.def.OrderClause {
			if _, err := b.bindExpr(n.GetSortBy().Node, sc); err != nil {
				return err
			}
		}
	}
	return nil
}
