package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// json_agg(x), jsonb_agg(x): each group's values, NULLs as null, as a JSON
// array in input order; json_object_agg(k, v), jsonb_object_agg(k, v): the
// pairs as an object (json keeps every pair in order, jsonb the last of
// each key in its key order). Values become JSON as to_json makes them. A
// group without rows is NULL. The result depends on the rows' order, so
// these do not merge across parallel workers (no aggMerger).

var jsonAggNames = map[string]bool{"json_agg": true, "jsonb_agg": true, "json_object_agg": true, "jsonb_object_agg": true}

type jsonAggState struct {
	ec     *evalContext
	infos  []argInfo
	binary bool
	object bool
	items  [][]string // per group: values, or key and value pairs
	seen   []bool
	sizes  []int64 // per group: the bytes of its document so far
	held   heldValues
}

func resolveJSONAgg(impl aggImpl, name string, args []argInfo) (aggImpl, error) {
	object := strings.Contains(name, "object")
	if object && len(args) != 2 || !object && len(args) != 1 {
		return aggImpl{}, errNoFunction(name, args)
	}
	binary := strings.HasPrefix(name, "jsonb")
	impl.Result = jsonInfo
	if binary {
		impl.Result = jsonbInfo
	}
	impl.New = func(ec *evalContext) aggState {
		return &jsonAggState{ec: ec, infos: args, binary: binary, object: object}
	}
	return impl, nil
}

func (s *jsonAggState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.items, s.seen, s.sizes = grow(s.items, ngroups), grow(s.seen, ngroups), grow(s.sizes, ngroups)
	s.held.budget = s.ec.budget
	ss := make([]*stringer, len(args))
	for j, a := range args {
		st, err := newStringer(s.ec, a, s.infos[j], true)
		if err != nil {
			return err
		}
		ss[j] = st
	}
	var added int64
	// keep appends one item (a key or a value) to group g; a document past
	// 1 GB fails as PostgreSQL's string buffer does. Keys are quoted and
	// followed by " : ", values by ", ": 6 bytes bound both.
	keep := func(g uint32, item string) error {
		more := int64(len(item)) + 6
		if s.sizes[g]+more > s.ec.maxValue() {
			return errStringBuffer(s.sizes[g], more)
		}
		s.items[g] = append(s.items[g], item)
		s.sizes[g] += more
		added += more + elemOverhead
		return nil
	}
	for i, g := range groups {
		s.seen[g] = true
		if s.object {
			if args[0].IsNull(i) {
				return sqlstate.Errorf(sqlstate.InvalidParameterValue, "field name must not be null")
			}
			if err := keep(g, ss[0].get(i)); err != nil {
				return err
			}
		}
		item := "null"
		if !args[len(args)-1].IsNull(i) {
			item = jsonValue(s.infos[len(args)-1].T.OID, ss[len(args)-1].get(i), s.binary)
		}
		if err := keep(g, item); err != nil {
			return err
		}
	}
	return s.held.charge(s.name(), added)
}

func (s *jsonAggState) name() string {
	switch {
	case s.object && s.binary:
		return "jsonb_object_agg()"
	case s.object:
		return "json_object_agg()"
	case s.binary:
		return "jsonb_agg()"
	}
	return "json_agg()"
}

func (s *jsonAggState) Finish(ngroups int) (arrow.Array, error) {
	s.items, s.seen, s.sizes = grow(s.items, ngroups), grow(s.seen, ngroups), grow(s.sizes, ngroups)
	if err := reserveGroups(s.ec, s.name(), func(g int) int64 { return s.sizes[g] + 4 }, ngroups); err != nil {
		return nil, err
	}
	b := array.NewStringBuilder(s.ec.mem)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		if !s.seen[g] {
			b.AppendNull()
			continue
		}
		var doc string
		items := s.items[g]
		switch {
		case !s.object:
			doc = "[" + strings.Join(items, ", ") + "]"
		case s.binary:
			doc = "{" + strings.Join(pairs(items, ": "), ", ") + "}"
		default:
			doc = "{ " + strings.Join(pairs(items, " : "), ", ") + " }"
		}
		if err := appendJSON(b, doc, s.binary); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// pairs joins alternating keys and JSON values with sep, keys quoted.
func pairs(items []string, sep string) []string {
	out := make([]string, 0, len(items)/2)
	for k := 0; k+1 < len(items); k += 2 {
		out = append(out, jsonString(items[k])+sep+items[k+1])
	}
	return out
}

func (s *jsonAggState) Release() {
	s.items, s.sizes = nil, nil
	s.held.release()
}
