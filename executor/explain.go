package executor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
)

// inputs returns the operators op pulls from, for EXPLAIN; with set it
// replaces them (EXPLAIN ANALYZE wraps each in a counter).
func inputs(op operator, set func(i int, in operator) operator) []operator {
	pick := func(i int, p *operator) {
		if set != nil {
			*p = set(i, *p)
		}
	}
	switch o := op.(type) {
	case *filterOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *projectOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *limitOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *sortOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *hashAggOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *distinctOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *windowOp:
		pick(0, &o.child)
		return []operator{o.child}
	case *joinOp:
		pick(0, &o.left)
		pick(1, &o.right)
		return []operator{o.left, o.right}
	case *subqueryJoinOp:
		pick(0, &o.child)
		pick(1, &o.d.inner)
		return []operator{o.child, o.d.inner}
	case *setOp:
		pick(0, &o.left)
		pick(1, &o.right)
		return []operator{o.left, o.right}
	case *unionOp:
		for i := range o.inputs {
			pick(i, &o.inputs[i])
		}
		return o.inputs
	case *jsonLateralOp:
		pick(0, &o.left)
		return []operator{o.left}
	case *analyzed:
		return inputs(o.op, set)
	}
	return nil
}

// analyzed counts what an operator returns and the time spent in it
// (its inputs included), for EXPLAIN ANALYZE.
type analyzed struct {
	op    operator
	rows  int64
	loops int64
	spent time.Duration
}

func (a *analyzed) columns() []opColumn { return a.op.columns() }
func (a *analyzed) close()              { a.op.close() }
func (a *analyzed) String() string      { return a.op.String() }
func (a *analyzed) next(ctx context.Context) (arrow.Record, error) {
	start := time.Now()
	rec, err := a.op.next(ctx)
	a.spent += time.Since(start)
	a.loops++
	if err == nil {
		a.rows += rec.NumRows()
	}
	return rec, err
}

func instrument(op operator) *analyzed {
	a := &analyzed{op: op}
	inputs(op, func(_ int, in operator) operator { return instrument(in) })
	return a
}

// explainLines prints the plan tree as PostgreSQL indents it.
func explainLines(op operator, depth int, out []string) []string {
	line := op.String()
	if a, ok := op.(*analyzed); ok {
		line += fmt.Sprintf("  (actual time=%.3f ms rows=%d loops=%d)", float64(a.spent.Microseconds())/1000, a.rows, a.loops)
	}
	prefix := ""
	if depth > 0 {
		prefix = strings.Repeat("      ", depth-1) + "  ->  "
	}
	out = append(out, prefix+line)
	inner := op
	if a, ok := op.(*analyzed); ok {
		inner = a.op
	}
	if d, ok := inner.(interface{ explainDetails() []string }); ok {
		// Detail lines sit under their node, as PostgreSQL's Filter: lines do.
		for _, l := range d.explainDetails() {
			out = append(out, strings.Repeat(" ", len(prefix)+2)+l)
		}
	}
	for _, in := range inputs(op, nil) {
		out = explainLines(in, depth+1, out)
	}
	return out
}

// runExplain runs EXPLAIN [ANALYZE] of a SELECT.
func (x *execution) runExplain(ex *pg.ExplainStmt) (Result, error) {
	analyze := false
	for _, o := range ex.Options {
		d := o.GetDefElem()
		switch d.Defname {
		case "analyze":
			analyze = d.Arg == nil || d.Arg.GetBoolean().GetBoolval() || d.Arg.GetString_().GetSval() == "true" || d.Arg.GetString_().GetSval() == "on"
		case "verbose", "costs", "buffers", "timing", "summary", "settings", "wal", "format":
			// Accepted; the plan is always printed as text.
		default:
			return Result{}, notSupported("EXPLAIN option %q is not supported", d.Defname)
		}
	}
	sel := ex.Query.GetSelectStmt()
	if sel == nil {
		return Result{}, notSupported("EXPLAIN of %s is not supported yet", nodeKind(ex.Query))
	}
	p, err := x.planQuery(sel)
	if err != nil {
		return Result{}, err
	}
	defer p.release()
	var lines []string
	event, computed := "EXPLAIN", int64(0)
	if analyze {
		root := instrument(p.root)
		p.root = root
		start := time.Now()
		for {
			_, err := root.next(x.ctx)
			if errEOF(err) {
				break
			}
			if err != nil {
				return Result{}, err
			}
		}
		lines = explainLines(root, 0, nil)
		lines = append(lines, fmt.Sprintf("Execution Time: %.3f ms", float64(time.Since(start).Microseconds())/1000))
		event, computed = "EXPLAIN ANALYZE", root.rows
	} else {
		lines = explainLines(p.root, 0, nil)
	}
	// The query ran (ANALYZE) but sent nothing: its rows, no bytes.
	if err := x.audit(event, computed, 0, nil); err != nil {
		return Result{}, err
	}
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l}
	}
	return Result{Tag: "EXPLAIN", NoCount: true, Rows: textRows(x.mem(), explainColumns(), rows)}, nil
}

// explainColumns names EXPLAIN's one result column, for its run and its
// Describe.
func explainColumns() []string { return []string{"QUERY PLAN"} }
