package executor

import (
	"strconv"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Sequences in the system catalogs: pg_class rows of relkind 'S',
// pg_sequence, pg_sequences, information_schema.sequences, the pg_depend
// rows that tie a serial or identity column to its sequence (psql's \d
// "Owned by:", pg_get_serial_sequence) and the pg_attribute rows of a
// sequence's three columns.

// sysSeq is a sequence with the schema it is listed under.
type sysSeq struct {
	catalog.Sequence
	schema catalog.Schema
}

// loadSequences reads the sequences of the database's schemas (a
// share-backed database has none: sequences are never shared).
func (g *sysGen) loadSequences() error {
	for _, s := range g.schemas {
		seqs, err := g.tx.Sequences(g.db, s.Name)
		if err != nil {
			if catalog.IsNotFound(err) {
				continue
			}
			return err
		}
		for _, q := range seqs {
			g.seqs = append(g.seqs, sysSeq{Sequence: q, schema: s})
		}
	}
	return nil
}

// seqVisible adds the sequences of schema s not hidden by an earlier
// relation of the same name to vis (see visibleTables).
func (g *sysGen) seqVisible(s string, vis map[uint32]bool, taken map[string]bool) {
	for _, q := range g.seqs {
		if q.schema.Name == s && !taken[q.Name] {
			vis[uint32(q.ID)] = true
			taken[q.Name] = true
		}
	}
}

// sequenceOID resolves a (schema, name) to a sequence for regclass.
func (g *sysGen) sequenceOID(schema, name string, vis map[uint32]bool) (uint32, bool) {
	for _, q := range g.seqs {
		if q.Name == name && (q.schema.Name == schema || schema == "" && vis[uint32(q.ID)]) {
			return uint32(q.ID), true
		}
	}
	return 0, false
}

// sequenceName is regclass's output for a sequence; ok false for none.
func (g *sysGen) sequenceName(oid uint32, vis map[uint32]bool) (string, bool) {
	for _, q := range g.seqs {
		if uint32(q.ID) == oid {
			if vis[oid] {
				return quoteIdent(q.Name), true
			}
			return quoteIdent(q.schema.Name) + "." + quoteIdent(q.Name), true
		}
	}
	return "", false
}

func (g *sysGen) sequenceClassRows() []sysRow {
	var out []sysRow
	for _, q := range g.seqs {
		out = append(out, sysRow{
			"oid": uint64(q.ID), "relname": q.Name, "relnamespace": uint64(q.schema.ID), "relowner": uint64(g.cur.Tenant),
			"relfilenode": uint64(q.ID), "relpages": 1, "reltuples": 1, "relpersistence": "p", "relkind": "S",
			"relnatts": 3, "relreplident": "n", "relispopulated": true,
		})
	}
	return out
}

// sequenceAttRows are the columns a sequence reads as, as in PostgreSQL.
func (g *sysGen) sequenceAttRows() []sysRow {
	var out []sysRow
	for _, q := range g.seqs {
		out = append(out,
			attRow(uint64(q.ID), 1, "last_value", sqltype.Int8T, true, false),
			attRow(uint64(q.ID), 2, "log_cnt", sqltype.Int8T, true, false),
			attRow(uint64(q.ID), 3, "is_called", sqltype.BoolT, true, false))
	}
	return out
}

// seqTypeName is the SQL name of a sequence's type.
func seqTypeName(q catalog.Sequence) string {
	return sqltype.T{OID: sqltype.OID(q.Type), Typmod: -1}.String()
}

// sequenceRows are pg_sequence, pg_sequences and pg_depend.
func (g *sysGen) sequenceRows(table string) []sysRow {
	var out []sysRow
	for _, q := range g.seqs {
		switch table {
		case "pg_sequence":
			out = append(out, sysRow{
				"seqrelid": uint64(q.ID), "seqtypid": q.Type, "seqstart": q.Start, "seqincrement": q.Increment,
				"seqmax": q.Max, "seqmin": q.Min, "seqcache": q.Cache, "seqcycle": q.Cycle,
			})
		case "pg_sequences":
			r := sysRow{
				"schemaname": q.schema.Name, "sequencename": q.Name, "sequenceowner": g.roleName(uint64(g.cur.Tenant)),
				"data_type": seqTypeName(q.Sequence), "start_value": q.Start, "min_value": q.Min, "max_value": q.Max,
				"increment_by": q.Increment, "cycle": q.Cycle, "cache_size": q.Cache,
			}
			r["last_value"] = nil // a view's column: NULL, not pg_catalog's zero
			if last, called, err := g.x.s.eng.cat.SequenceValue(g.tx, q.Sequence); err == nil && called {
				r["last_value"] = last
			}
			out = append(out, r)
		case "pg_depend":
			if o := q.OwnedBy; o != nil {
				dep := "a"
				if o.Identity {
					dep = "i"
				}
				out = append(out, sysRow{
					"classid": oidPgClass, "objid": uint64(q.ID), "objsubid": 0, "refclassid": oidPgClass,
					"refobjid": uint64(o.Table), "refobjsubid": g.attnum(o.Table, o.Column), "deptype": dep,
				})
			}
		}
	}
	return out
}

// attnum is the 1-based position of column id in table t (0 if gone).
func (g *sysGen) attnum(t catalog.TableID, id uint32) int {
	for _, tb := range g.tables {
		if tb.ID == t {
			for j, c := range tb.Columns {
				if c.ID == id {
					return j + 1
				}
			}
		}
	}
	return 0
}

// infoSequences is information_schema.sequences.
func (g *sysGen) infoSequences() []sysRow {
	var out []sysRow
	for _, q := range g.seqs {
		r := columnFacts(sqltype.T{OID: sqltype.OID(q.Type), Typmod: -1})
		delete(r, "udt_name")
		r["sequence_catalog"], r["sequence_schema"], r["sequence_name"] = g.db, q.schema.Name, q.Name
		r["start_value"], r["minimum_value"] = strconv.FormatInt(q.Start, 10), strconv.FormatInt(q.Min, 10)
		r["maximum_value"], r["increment"] = strconv.FormatInt(q.Max, 10), strconv.FormatInt(q.Increment, 10)
		r["cycle_option"] = yesNo(q.Cycle)
		out = append(out, r)
	}
	return out
}

// identityFacts fills information_schema.columns' identity columns for a
// column of kind identity ("a", "d" or "") using sequence seq.
func (g *sysGen) identityFacts(r sysRow, identity string, seq catalog.SequenceID) {
	if identity == "" {
		return
	}
	r["is_identity"] = "YES"
	r["identity_generation"] = map[string]string{"a": "ALWAYS", "d": "BY DEFAULT"}[identity]
	for _, q := range g.seqs {
		if q.ID == seq {
			r["identity_start"], r["identity_increment"] = strconv.FormatInt(q.Start, 10), strconv.FormatInt(q.Increment, 10)
			r["identity_maximum"], r["identity_minimum"] = strconv.FormatInt(q.Max, 10), strconv.FormatInt(q.Min, 10)
			r["identity_cycle"] = yesNo(q.Cycle)
		}
	}
}
