package catalog

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/storage"
)

// Snapshot is a table's data at one version, pinned until Release; the
// executor reads it without knowing storage.
type Snapshot = storage.Snapshot

// RecordIterator streams a snapshot's record batches.
type RecordIterator = storage.RecordIterator

// ReadCounts is implemented by scans that count the row groups they found
// in the column cache and those they decoded.
type ReadCounts = storage.ReadCounts

// RowGroupStats is one row group of a part with per-column statistics
// (Snapshot.PartStats); Snapshot.ScanRowGroups reads chosen row groups.
type RowGroupStats = storage.RowGroupStats

// ColumnStats bounds a column's values in one row group.
type ColumnStats = storage.ColumnStats

// Part is a data file written for a bulk load, not yet published.
type Part = storage.Part

// PartID identifies one part of a table's data.
type PartID = storage.PartID

// FileWriter writes data files for a bulk load.
type FileWriter = storage.FileWriter

// Snapshot returns table t's data as this transaction sees it (a write
// transaction sees its own writes). The caller must Release it.
func (tx *Tx) Snapshot(t Table) (*storage.Snapshot, error) {
	if t.IsView() {
		return nil, notTable(t, "") // a view has no data: the executor expands its query
	}
	return tx.st.Snapshot(storage.TableID(t.ID))
}

// Append adds rows to table t. Fields of rec are named by Column.Field.
func (tx *Tx) Append(ctx context.Context, t Table, rec arrow.Record) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := t.writable("INSERT into"); err != nil {
		return err
	}
	return tx.withinQuota(t, func() error { return tx.st.Append(ctx, storage.TableID(t.ID), rec) })
}

// AddParts publishes data files written with NewFileWriter to table t.
func (tx *Tx) AddParts(t Table, parts ...storage.Part) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := t.writable("COPY into"); err != nil {
		return err
	}
	return tx.withinQuota(t, func() error { return tx.st.AddParts(storage.TableID(t.ID), parts...) })
}

// ReplacePart replaces one part of t's data by recs (UPDATE, DELETE).
func (tx *Tx) ReplacePart(ctx context.Context, t Table, part storage.PartID, recs []arrow.Record) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := t.writable("modify"); err != nil {
		return err
	}
	return tx.withinQuota(t, func() error { return tx.st.ReplacePart(ctx, storage.TableID(t.ID), part, recs) })
}

// Truncate removes all rows of t.
func (tx *Tx) Truncate(t Table) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := t.writable("TRUNCATE"); err != nil {
		return err
	}
	return tx.st.Truncate(storage.TableID(t.ID))
}

// NewFileWriter starts a data file for a bulk load that is published later
// with Tx.AddParts; writing it does not hold the writer.
func (c *Catalog) NewFileWriter(ctx context.Context, schema *arrow.Schema) (*storage.FileWriter, error) {
	return c.store.NewFileWriter(ctx, schema)
}

// EnsureSuperuser creates the superuser tenant name with password when the
// catalog has no tenant yet; created reports whether it did.
func (c *Catalog) EnsureSuperuser(ctx context.Context, name, password string) (created bool, err error) {
	err = c.Update(ctx, System, func(tx *Tx) error {
		if k, _ := tx.bucket(bucketTenants).Cursor().First(); k != nil {
			return nil
		}
		if _, err := tx.CreateTenant(name, password, "superuser", true); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}
