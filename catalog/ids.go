package catalog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
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
