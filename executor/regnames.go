package executor

import (
	"context"
	"strconv"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// oidNamer returns the function that prints reg* values in results: a
// relation by its name (schema-qualified unless search_path finds it), a
// type as format_type does, a function and a schema by name; an OID that
// names nothing the session can see prints as its number, as in
// PostgreSQL. The catalog is read once, at the first value that needs
// it, and kept for the result.
func (s *Session) oidNamer() func(sqltype.OID, uint32) (string, bool) {
	var (
		g      *sysGen
		vis    map[uint32]bool
		spaces map[uint32]string
		failed bool
	)
	load := func() bool {
		if g != nil || failed {
			return !failed
		}
		ctx := context.Background()
		tx, done, err := s.readTx(ctx)
		if err != nil {
			failed = true
			return false
		}
		defer done()
		x := &execution{s: s, ctx: ctx}
		gen := newSysGen(x, tx, s.db)
		if vis, err = gen.visibleTables(); err != nil { // loads gen: it outlives tx
			failed = true
			return false
		}
		spaces = map[uint32]string{}
		for _, r := range gen.pgNamespace() {
			spaces[uint32(anyInt64(r["oid"]))] = r["nspname"].(string)
		}
		g = gen
		return true
	}
	return func(t sqltype.OID, oid uint32) (string, bool) {
		if oid == 0 {
			return "-", true
		}
		switch t {
		case sqltype.Regtype:
			if !sqltype.Known(sqltype.OID(oid)) {
				return "", false
			}
			return formatType(oid, -1), true
		case sqltype.Regproc:
			name := procName(oid)
			return name, name != strconv.FormatUint(uint64(oid), 10)
		case sqltype.Regclass:
			if !load() {
				return "", false
			}
			name := g.relationName(oid, vis)
			return name, name != strconv.FormatUint(uint64(oid), 10)
		case sqltype.Regnamespace:
			if !load() {
				return "", false
			}
			name, ok := spaces[oid]
			return quoteIdent(name), ok
		}
		return "", false
	}
}
