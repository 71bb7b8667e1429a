package catalog

import (
	"fmt"
	"time"
)

// SequenceID identifies a sequence; it is also its pg_class OID.
type SequenceID uint64

// Sequence is a sequence's definition: PostgreSQL's pg_sequence row. Its
// current value lives apart (sequence_values.go): it changes without the
// definition changing, and is never rolled back.
type Sequence struct {
	ID        SequenceID `json:"id"`
	Database  DatabaseID `json:"database"`
	Schema    SchemaID   `json:"schema"`
	Name      string     `json:"name"`
	Type      uint32     `json:"type"` // int2, int4 or int8 OID
	Start     int64      `json:"start"`
	Increment int64      `json:"increment"`
	Min       int64      `json:"min"`
	Max       int64      `json:"max"`
	Cache     int64      `json:"cache"`
	Cycle     bool       `json:"cycle,omitempty"`
	// OwnedBy is the column the sequence belongs to (OWNED BY, serial,
	// identity): dropping the column or its table drops the sequence.
	OwnedBy *SequenceOwner `json:"owned_by,omitempty"`
	Comment string         `json:"comment,omitempty"`
	Created time.Time      `json:"created"`
}

// SequenceOwner is the table column owning a sequence; Identity is set
// when the column is an identity column (pg_depend's 'i', else 'a').
type SequenceOwner struct {
	Table    TableID `json:"table"`
	Column   uint32  `json:"column"` // Column.ID
	Identity bool    `json:"identity,omitempty"`
}

var (
	bucketSequences = []byte("cat.sequences") // schemaID|name → Sequence
	bucketSeqState  = []byte("cat.seqstate")  // sequence ID → seqState
)

// Sequence resolves ref for the principal. Sequences are never shared: in
// a share-backed database there are none.
func (tx *Tx) Sequence(ref TableRef) (Sequence, error) {
	d, err := tx.Database(ref.Database)
	if err != nil {
		return Sequence{}, err
	}
	if d.Mount != 0 {
		return Sequence{}, notFound("sequence", ref.Name)
	}
	s, err := tx.schemaIn(d.ID, ref.Schema)
	if err != nil {
		return Sequence{}, err
	}
	return tx.sequenceIn(s.ID, ref.Name)
}

func (tx *Tx) sequenceIn(schema SchemaID, name string) (Sequence, error) {
	var q Sequence
	ok, err := get(tx.bucket(bucketSequences), key(uint64(schema), name), &q)
	if err != nil {
		return Sequence{}, err
	}
	if !ok {
		return Sequence{}, notFound("sequence", name)
	}
	return q, nil
}

// Sequences lists the sequences of schema db.schema by name (none in a
// share-backed database).
func (tx *Tx) Sequences(db, schema string) ([]Sequence, error) {
	d, err := tx.Database(db)
	if err != nil {
		return nil, err
	}
	if d.Mount != 0 {
		return nil, nil
	}
	s, err := tx.schemaIn(d.ID, schema)
	if err != nil {
		return nil, err
	}
	return tx.sequencesIn(s.ID)
}

func (tx *Tx) sequencesIn(schema SchemaID) ([]Sequence, error) {
	var out []Sequence
	err := each(tx.bucket(bucketSequences), uint64(schema), func(q Sequence) error {
		out = append(out, q)
		return nil
	})
	return out, err
}

// SequenceByID returns sequence id if it is in one of the principal's own
// databases; to anyone else it does not exist.
func (tx *Tx) SequenceByID(id SequenceID) (Sequence, error) {
	var e idEntry
	if ok, err := get(tx.bucket(bucketIDs), idKey(uint64(id)), &e); err != nil || !ok || e.Bucket != string(bucketSequences) {
		return Sequence{}, notFound("sequence", fmt.Sprint(id)) // absent, or another kind of object
	}
	var q Sequence
	ok, err := tx.byID(uint64(id), &q)
	if err != nil {
		return Sequence{}, err
	}
	if !ok || tx.who.Recipient != 0 {
		return Sequence{}, notFound("sequence", fmt.Sprint(id))
	}
	var d Database
	if ok, err := tx.byID(uint64(q.Database), &d); err != nil || !ok || d.Tenant != tx.who.Tenant || d.Mount != 0 {
		return Sequence{}, notFound("sequence", fmt.Sprint(id))
	}
	return q, nil
}

// relationTaken reports whether schema already has a table or sequence
// called name: they share PostgreSQL's one namespace of relations.
func (tx *Tx) relationTaken(schema SchemaID, name string) bool {
	if _, err := tx.tableIn(schema, name); err == nil {
		return true
	}
	_, err := tx.sequenceIn(schema, name)
	return err == nil
}

// CreateSequence creates sequence q (its ID, database, schema and Created
// are set here) in ref's schema, starting at q.Start.
func (tx *Tx) CreateSequence(ref TableRef, q Sequence) (Sequence, error) {
	if err := tx.requireWritable(); err != nil {
		return Sequence{}, err
	}
	if err := validName("sequence", ref.Name); err != nil {
		return Sequence{}, err
	}
	if err := tx.requireOwnDatabase(ref.Database, "create a sequence"); err != nil {
		return Sequence{}, err
	}
	s, err := tx.Schema(ref.Database, ref.Schema)
	if err != nil {
		return Sequence{}, err
	}
	if tx.relationTaken(s.ID, ref.Name) {
		return Sequence{}, exists("table", ref.Name)
	}
	id, err := tx.nextID()
	if err != nil {
		return Sequence{}, err
	}
	q.ID, q.Database, q.Schema, q.Name, q.Created = SequenceID(id), s.Database, s.ID, ref.Name, tx.Now().UTC()
	k := key(uint64(s.ID), q.Name)
	if err := tx.indexID(id, bucketSequences, k); err != nil {
		return Sequence{}, err
	}
	if err := put(tx.bucket(bucketSequences), k, q); err != nil {
		return Sequence{}, err
	}
	return q, tx.putSeqState(q.ID, seqState{Last: q.Start})
}

// AlterSequence replaces the definition of sequence ref with fn's result
// (fn may rename it or change its options). restart, if set, is the value
// the next nextval returns; otherwise the sequence goes on from where it is.
func (tx *Tx) AlterSequence(ref TableRef, fn func(*Sequence) error, restart *int64) (Sequence, error) {
	if err := tx.requireWritable(); err != nil {
		return Sequence{}, err
	}
	if err := tx.requireOwnDatabase(ref.Database, "alter a sequence"); err != nil {
		return Sequence{}, err
	}
	q, err := tx.Sequence(ref)
	if err != nil {
		return Sequence{}, err
	}
	oldName := q.Name
	if err := fn(&q); err != nil {
		return Sequence{}, err
	}
	b := tx.bucket(bucketSequences)
	if q.Name != oldName {
		if tx.relationTaken(q.Schema, q.Name) {
			return Sequence{}, exists("table", q.Name)
		}
		if err := b.Delete(key(uint64(q.Schema), oldName)); err != nil {
			return Sequence{}, err
		}
		if err := tx.indexID(uint64(q.ID), bucketSequences, key(uint64(q.Schema), q.Name)); err != nil {
			return Sequence{}, err
		}
	}
	if err := put(b, key(uint64(q.Schema), q.Name), q); err != nil {
		return Sequence{}, err
	}
	return q, tx.c.seqs.restate(tx, q, restart)
}

// DropSequence drops sequence ref. One owned by an identity column cannot
// be dropped on its own (the column needs it): InUse.
func (tx *Tx) DropSequence(ref TableRef) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := tx.requireOwnDatabase(ref.Database, "drop a sequence"); err != nil {
		return err
	}
	q, err := tx.Sequence(ref)
	if err != nil {
		return err
	}
	if o := q.OwnedBy; o != nil && o.Identity {
		if t, _, _, ok, _ := tx.tableByID(o.Table); ok {
			col := fmt.Sprint(o.Column)
			for _, c := range t.Columns {
				if c.ID == o.Column {
					col = c.Name
				}
			}
			return &Error{Kind: InUse, Object: "sequence", Name: q.Name,
				Detail: fmt.Sprintf("cannot drop sequence %s because column %s of table %s requires it", q.Name, col, t.Name)}
		}
	}
	return tx.dropSequence(q)
}

// DropOwnedSequence drops sequence id with no questions asked: its
// identity column is being turned into an ordinary one.
func (tx *Tx) DropOwnedSequence(id SequenceID) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	q, err := tx.SequenceByID(id)
	if err != nil {
		return err
	}
	return tx.dropSequence(q)
}

func (tx *Tx) dropSequence(q Sequence) error {
	if err := tx.unindexID(uint64(q.ID)); err != nil {
		return err
	}
	if err := tx.bucket(bucketSeqState).Delete(idKey(uint64(q.ID))); err != nil {
		return err
	}
	return tx.bucket(bucketSequences).Delete(key(uint64(q.Schema), q.Name))
}

// dropOwnedSequences drops the sequences of t's schema owned by a column
// of t that keep is false for: all of them when the table goes, those of
// dropped columns when it is altered.
func (tx *Tx) dropOwnedSequences(t Table, keep func(column uint32) bool) error {
	seqs, err := tx.sequencesIn(t.Schema)
	if err != nil {
		return err
	}
	for _, q := range seqs {
		if q.OwnedBy != nil && q.OwnedBy.Table == t.ID && (keep == nil || !keep(q.OwnedBy.Column)) {
			if err := tx.dropSequence(q); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropSequencesIn drops every sequence of a schema being dropped.
func (tx *Tx) dropSequencesIn(schema SchemaID) error {
	seqs, err := tx.sequencesIn(schema)
	if err != nil {
		return err
	}
	for _, q := range seqs {
		if err := tx.dropSequence(q); err != nil {
			return err
		}
	}
	return nil
}

// hasColumn reports whether t still has the column with ID id.
func (t Table) hasColumn(id uint32) bool {
	for _, c := range t.Columns {
		if c.ID == id {
			return true
		}
	}
	return false
}
