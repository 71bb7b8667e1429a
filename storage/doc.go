// Package storage keeps table data: the bbolt file shared with the catalog
// and the Parquet files of tables, with versions, snapshots, durability and
// compaction. It knows tables by ID only (TableID, chosen by the catalog):
// never names, tenants, privileges or SQL.
//
// # Files
//
//	dir/catalog.db       bbolt. storage owns the buckets named "storage.*":
//	                     storage.tables (TableID → manifest; its bucket
//	                     sequence numbers parts) and storage.inline
//	                     (TableID|PartID → Arrow IPC stream). The catalog
//	                     keeps its own buckets in the same file, through
//	                     Tx.Bolt, so a DDL statement and its data change
//	                     commit atomically.
//	dir/data/*.parquet   immutable Parquet files (arrow/go/v17 pqarrow,
//	                     snappy, statistics on, dictionary for strings;
//	                     month_day_nano intervals stored as
//	                     fixed_size_binary(16), listed in the footer).
//	dir/data/*.tmp       a file being written; never referenced.
//	dir/*.journal        append-only journals (Journal: group-committed
//	                     records beside bbolt, e.g. the catalog's audit
//	                     events before they reach their table).
//
// # Model
//
// A table is a manifest: a version and an ordered list of parts. A part is
// inline (a few rows as Arrow IPC in bbolt: cheap, durable single-row
// INSERTs) or a Parquet file. Every part keeps its own Arrow schema; readers
// ask for fields by name and type and get nulls from parts lacking a field,
// which is how ADD/DROP/RENAME COLUMN work without rewriting data (the
// catalog names fields by column ID, not by SQL name).
//
// Writes: Tx.Append (small → inline, merged into the last inline part while
// it stays within Options.InlineMaxRows; large → Parquet files), FileWriter +
// Tx.AddParts for bulk loads written outside the writer slot,
// Tx.ReplacePart for UPDATE/DELETE part by part, Tx.Truncate, Tx.DropTable.
// Every write bumps the table version.
//
// Reads: Tx.Snapshot copies the manifest (and the inline rows) out of the
// transaction; Snapshot.Scan / ScanPart stream Arrow records pulled with
// Next, reading only the requested Parquet columns, one row group at a time,
// in batches of at most 64Ki rows.
// Snapshot.PartStats gives each row group's min/max/null count per column
// (from the Parquet footer, which a Store parses once per file), and
// ScanSelected / ScanRowGroups read only chosen row groups: the executor
// skips those whose statistics rule out its filters.
//
// # Invariants
//
//   - Single writer: a writable Tx holds the writer slot (acquired honouring
//     ctx) from Begin to Commit/Rollback; it may span many statements and
//     sees its own writes. bbolt gives readers a consistent snapshot.
//   - A file is referenced by a manifest only after it was written under a
//     temp name, fsynced, renamed and the directory fsynced. So a crash
//     (kill -9) at any moment loses no committed write, shows no partial one,
//     and leaves at worst unreferenced files, which Open deletes.
//   - A file leaves a manifest (drop, truncate, replace, compaction) and is
//     deleted after that commit, once no Snapshot pins it and no read
//     transaction begun before the commit is still open (Store.sweep).
//     Files of a transaction that does not commit are deleted the same way.
//   - Part IDs are unique in the store and never reused. The compactor folds
//     sealed inline parts into a Parquet file without holding the writer
//     slot, then publishes it in a short write tx only if the same part IDs
//     are still there, in order; otherwise the file is discarded. Rows are
//     never lost or duplicated.
//   - Every goroutine has an owner: the compactor belongs to the Store and
//     Close waits for it.
//   - Bad bytes (a damaged file, blob or manifest) give an error wrapping
//     ErrCorrupt that names the file, never a panic. Inline blobs carry a
//     CRC-32C and the manifest records each file's CRC-32C (checked on the
//     first read of the file by this process), because the Arrow IPC and
//     Parquet decoders trust lengths: fuzzing showed damaged input making
//     them allocate terabytes or spin forever. Decoder panics are recovered,
//     and column readers are built on the caller's goroutine so they can be.
//   - Records handed out are valid until the next Next call; records handed
//     in stay owned by the caller. Everything storage allocates comes from
//     Options.Allocator and is released.
package storage
