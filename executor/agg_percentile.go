package executor

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// bindOrderedSet binds percentile_cont/percentile_disc(fraction) WITHIN
// GROUP (ORDER BY x). It returns the aggregate over x's values, which the
// caller feeds in x's order, and x (cast as the function takes it).
func (a *aggBinding) bindOrderedSet(b *binder, fc *pg.FuncCall, name string, args []Expr) (aggImpl, []Expr, error) {
	if name != "percentile_cont" && name != "percentile_disc" {
		return aggImpl{}, nil, sqlstate.Errorf(sqlstate.WrongObjectType, "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name)
	}
	if len(args) != 1 || len(fc.AggOrder) != 1 {
		return aggImpl{}, nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s takes one fraction and one ORDER BY expression", name)
	}
	f, err := b.cast(args[0], sqltype.Float8T, false, fc.Location)
	if err != nil {
		return aggImpl{}, nil, err
	}
	c, ok := f.(*constExpr)
	if !ok || c.isNull() {
		return aggImpl{}, nil, notSupported("the fraction of %s must be a constant", name)
	}
	fraction := c.value.(*array.Float64).Value(0)
	if fraction < 0 || fraction > 1 || math.IsNaN(fraction) {
		return aggImpl{}, nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "percentile value %g is not between 0 and 1", fraction)
	}
	x, err := b.bindExpr(fc.AggOrder[0].GetSortBy().Node, a.input)
	if err != nil {
		return aggImpl{}, nil, err
	}
	impl := aggImpl{Name: name}
	if name == "percentile_cont" {
		if x, err = b.cast(x, sqltype.Float8T, false, fc.Location); err != nil {
			return aggImpl{}, nil, err
		}
	}
	impl.Result = argOf(x)
	cont := name == "percentile_cont"
	impl.New = func(ec *evalContext) aggState {
		return &percentileState{ec: ec, f: fraction, cont: cont, dt: x.DataType()}
	}
	return impl, []Expr{x}, nil
}

// percentileState sees each group's values in order (see orderedAggregate)
// and picks or interpolates the fraction's value; NULLs are skipped.
type percentileState struct {
	ec   *evalContext
	f    float64
	cont bool
	dt   arrow.DataType
	col  arrow.Array // the values, valid until Finish (the caller holds them)
	rows [][]int     // per group, row positions in col in order
}

func (s *percentileState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.col = args[0]
	s.rows = grow(s.rows, ngroups)
	for i, g := range groups {
		if !s.col.IsNull(i) {
			s.rows[g] = append(s.rows[g], i)
		}
	}
	return nil
}

func (s *percentileState) Finish(ngroups int) (arrow.Array, error) {
	s.rows = grow(s.rows, ngroups)
	b := array.NewBuilder(s.ec.mem, s.dt)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		rows := s.rows[g]
		n := len(rows)
		if n == 0 {
			b.AppendNull()
			continue
		}
		if !s.cont {
			k := int(math.Ceil(s.f*float64(n))) - 1
			if err := appendValue(b, s.col, rows[max(k, 0)]); err != nil {
				return nil, err
			}
			continue
		}
		vals := s.col.(*array.Float64)
		pos := s.f * float64(n-1)
		lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
		l, h := vals.Value(rows[lo]), vals.Value(rows[hi])
		b.(*array.Float64Builder).Append(l + (h-l)*(pos-float64(lo)))
	}
	return b.NewArray(), nil
}

func (s *percentileState) Release() { s.rows, s.col = nil, nil }
