package catalog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// bucketIDs indexes objects by ID: id → the bucket and key of its record.
// Shares hold IDs, not names, so a renamed table stays shared under its
// new name and a dropped one simply disappears from every share.
var bucketIDs = []byte("cat.ids")

type idEntry struct {
	Bucket string `json:"b"`
	Key    []byte `json:"k"`
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// Object IDs are OIDs to clients (pg_class.oid, RowDescription's table
// OID, pg_namespace, pg_roles …), and every tenant's come from one space,
// so a counter would let a tenant count other tenants' objects between two
// of its own. An ID is therefore drawn uniformly at random from the IDs
// never handed out, in [idFloor, maxID): unique server-wide (storage keys
// tables by it), a uint32 that int4-reading clients also take (below
// 2^31), stable across restarts (it is stored), and telling nothing of
// other tenants. IDs are never reused. Data directories from before keep
// theirs: those were handed out in sequence from firstID, and the floor is
// above the last of them.
//
// What a share shows is the provider's: a consumer sees the IDs of the
// tables shared with it, random like the rest.

// createdBefore orders tables by creation, as sequential IDs did.
func createdBefore(a, b Table) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.ID < b.ID
}

// bucketAllocatedIDs holds every ID drawn at random: id → nothing.
var bucketAllocatedIDs = []byte("cat.allocated_ids")

// maxID bounds IDs below 2^31.
const maxID = 1 << 31

// idFloor is the least ID drawn at random: above every ID that earlier
// versions handed out in sequence (cat.meta's bucket sequence).
func (tx *Tx) idFloor() uint64 { return firstID + tx.bucket(bucketMeta).Sequence() + 1 }

// nextID returns a new server-wide object ID (see above).
func (tx *Tx) nextID() (uint64, error) {
	used := tx.bucket(bucketAllocatedIDs)
	lo := tx.idFloor()
	for {
		var b [8]byte
		if _, err := io.ReadFull(tx.c.rand, b[:]); err != nil {
			return 0, fmt.Errorf("catalog: object id: %w", err)
		}
		id := lo + binary.BigEndian.Uint64(b[:])%(maxID-lo)
		k := idKey(id)
		if used.Get(k) != nil {
			continue
		}
		return id, used.Put(k, []byte{})
	}
}

// indexID records where object id lives.
func (tx *Tx) indexID(id uint64, bucket, key []byte) error {
	return put(tx.bucket(bucketIDs), idKey(id), idEntry{Bucket: string(bucket), Key: key})
}

func (tx *Tx) unindexID(id uint64) error { return tx.bucket(bucketIDs).Delete(idKey(id)) }

// byID decodes the record of object id into v; ok is false if it is gone.
func (tx *Tx) byID(id uint64, v any) (bool, error) {
	var e idEntry
	ok, err := get(tx.bucket(bucketIDs), idKey(id), &e)
	if err != nil || !ok {
		return false, err
	}
	data := tx.bucket([]byte(e.Bucket)).Get(e.Key)
	if data == nil {
		return false, fmt.Errorf("catalog: index of object %d points at nothing", id)
	}
	return true, json.Unmarshal(data, v)
}

// tableByID returns table id with its schema and database, whoever owns it;
// callers check that the principal may see it.
func (tx *Tx) tableByID(id TableID) (Table, Schema, Database, bool, error) {
	var t Table
	var s Schema
	var d Database
	if ok, err := tx.byID(uint64(id), &t); err != nil || !ok {
		return t, s, d, false, err
	}
	if ok, err := tx.byID(uint64(t.Schema), &s); err != nil || !ok {
		return t, s, d, false, err
	}
	ok, err := tx.byID(uint64(t.Database), &d)
	return t, s, d, ok, err
}
