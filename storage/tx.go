package storage

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"go.etcd.io/bbolt"
)

// Tx is a storage transaction wrapping one bbolt transaction. A writable Tx
// holds the store's single writer slot until Commit or Rollback, and may span
// many statements: its own reads (Snapshot, Version) see its own writes.
// A read Tx is a bbolt read transaction: keep it short (a long one blocks the
// bbolt file from growing); Snapshots taken in it stay valid after it ends.
// A Tx is used by one goroutine at a time.
type Tx struct {
	s        *Store
	btx      *bbolt.Tx
	writable bool
	done     bool

	// Writable only.
	created []string         // files this tx wrote or claimed; garbage if it does not commit
	removed []string         // files this tx took out of manifests; garbage once it commits
	touched map[TableID]bool // tables whose manifest changed
}

// Begin starts a transaction. A writable one first waits for the writer
// slot, giving up with ctx.Err() when ctx ends. The caller must Commit or
// Rollback it (defer tx.Rollback() is fine: a no-op after Commit).
func (s *Store) Begin(ctx context.Context, writable bool) (*Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tx := &Tx{s: s, writable: writable}
	if writable {
		select {
		case s.writer <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if s.isClosed() {
			<-s.writer
			return nil, ErrClosed
		}
		btx, err := s.db.Begin(true)
		if err != nil {
			<-s.writer
			return nil, fmt.Errorf("storage: begin: %w", err)
		}
		tx.btx = btx
		tx.touched = map[TableID]bool{}
		return tx, nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	// Registered before bbolt's tx starts, so the garbage it may still see is
	// protected (see sweep).
	s.readers[tx] = s.seq
	s.mu.Unlock()
	btx, err := s.db.Begin(false)
	if err != nil {
		s.endRead(tx)
		return nil, fmt.Errorf("storage: begin: %w", err)
	}
	tx.btx = btx
	return tx, nil
}

// View runs fn in a read transaction.
func (s *Store) View(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.Begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// Update runs fn in a write transaction and commits it if fn returns nil.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.Begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Store) endRead(tx *Tx) {
	s.mu.Lock()
	delete(s.readers, tx)
	s.mu.Unlock()
	s.sweep()
}

// endWrite settles the files of a finished write tx and frees the slot.
func (s *Store) endWrite(tx *Tx, committed bool, compact []TableID) {
	s.mu.Lock()
	for _, f := range tx.created {
		delete(s.inflight, f)
	}
	if committed {
		s.seq++
		for _, f := range tx.removed {
			s.garbage[f] = s.seq
		}
		for _, id := range compact {
			s.pending[id] = true
		}
	} else {
		for _, f := range tx.created {
			s.garbage[f] = 0
		}
	}
	s.mu.Unlock()
	<-s.writer
	s.sweep()
	if len(compact) > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// Bolt exposes the bbolt transaction for the catalog's own buckets. Buckets
// whose names start with "storage." belong to storage: leave them alone.
func (tx *Tx) Bolt() *bbolt.Tx { return tx.btx }

// Writable reports whether tx can write.
func (tx *Tx) Writable() bool { return tx.writable }

// Commit makes every write of tx durable and visible at once. For a read tx
// it just ends it.
func (tx *Tx) Commit() error {
	if tx.done {
		return ErrTxDone
	}
	tx.done = true
	if !tx.writable {
		err := tx.btx.Rollback()
		tx.s.endRead(tx)
		return err
	}
	var compact []TableID
	for id := range tx.touched {
		if m, err := tx.manifest(id); err == nil && needsCompaction(m, tx.s.opts) {
			compact = append(compact, id)
		}
	}
	err := tx.btx.Commit()
	tx.s.endWrite(tx, err == nil, compact)
	if err != nil {
		return fmt.Errorf("storage: commit: %w", err)
	}
	return nil
}

// Rollback discards tx. Files it wrote are deleted (once no snapshot of it
// pins them). A no-op after Commit or Rollback.
func (tx *Tx) Rollback() error {
	if tx.done {
		return nil
	}
	tx.done = true
	err := tx.btx.Rollback()
	if tx.writable {
		tx.s.endWrite(tx, false, nil)
	} else {
		tx.s.endRead(tx)
	}
	return err
}

func (tx *Tx) check(write bool) error {
	if tx.done {
		return ErrTxDone
	}
	if write && !tx.writable {
		return ErrTxReadOnly
	}
	return nil
}

func (tx *Tx) manifest(id TableID) (*manifest, error) {
	v := tx.btx.Bucket(bucketTables).Get(tableKey(id))
	if v == nil {
		return nil, fmt.Errorf("%w: table %d", ErrNotFound, id)
	}
	m, err := decodeManifest(v)
	if err != nil {
		return nil, fmt.Errorf("table %d: %w", id, err)
	}
	return m, nil
}

// putManifest stores m as the table's new state, one version later.
func (tx *Tx) putManifest(id TableID, m *manifest) error {
	m.Version++
	tx.touched[id] = true
	return tx.btx.Bucket(bucketTables).Put(tableKey(id), m.encode())
}

func (tx *Tx) nextPartID() (PartID, error) {
	n, err := tx.btx.Bucket(bucketTables).NextSequence()
	return PartID(n), err
}

// dropPart forgets the data of a part leaving the manifest: an inline blob
// goes with the tx, a file becomes garbage when the tx commits.
func (tx *Tx) dropPart(id TableID, p partMeta) error {
	switch p.Kind {
	case kindInline:
		return tx.btx.Bucket(bucketInline).Delete(inlineKey(id, p.ID))
	case kindFile:
		tx.removed = append(tx.removed, p.File)
	}
	return nil
}

// CreateTable creates an empty table at version 1.
func (tx *Tx) CreateTable(id TableID) error {
	if err := tx.check(true); err != nil {
		return err
	}
	b := tx.btx.Bucket(bucketTables)
	if b.Get(tableKey(id)) != nil {
		return fmt.Errorf("%w: table %d", ErrExists, id)
	}
	tx.touched[id] = true
	return b.Put(tableKey(id), (&manifest{Version: 1}).encode())
}

// DropTable deletes the table. Its files are deleted after commit, once no
// snapshot pins them.
func (tx *Tx) DropTable(id TableID) error {
	if err := tx.check(true); err != nil {
		return err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return err
	}
	for _, p := range m.Parts {
		if err := tx.dropPart(id, p); err != nil {
			return err
		}
	}
	delete(tx.touched, id)
	return tx.btx.Bucket(bucketTables).Delete(tableKey(id))
}

// Truncate removes every row of the table (a new, empty version).
func (tx *Tx) Truncate(id TableID) error {
	if err := tx.check(true); err != nil {
		return err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return err
	}
	for _, p := range m.Parts {
		if err := tx.dropPart(id, p); err != nil {
			return err
		}
	}
	m.Parts = nil
	return tx.putManifest(id, m)
}

// Version returns the table's version as seen by tx. It grows with every
// write (Append, AddParts, ReplacePart, Truncate, compaction).
func (tx *Tx) Version(id TableID) (uint64, error) {
	if err := tx.check(false); err != nil {
		return 0, err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return 0, err
	}
	return m.Version, nil
}

// Tables lists the IDs of all tables, ascending.
func (tx *Tx) Tables() ([]TableID, error) {
	if err := tx.check(false); err != nil {
		return nil, err
	}
	var ids []TableID
	err := tx.btx.Bucket(bucketTables).ForEach(func(k, _ []byte) error {
		if len(k) == 8 {
			ids = append(ids, TableID(beUint64(k)))
		}
		return nil
	})
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, err
}

// Append adds rec's rows at the end of the table. Up to InlineMaxRows rows
// are stored inline in bbolt (merged into the table's last inline part when
// its schema is the same and the sum stays within InlineMaxRows); more are
// written as Parquet files first. The rows become visible at Commit. The
// caller keeps ownership of rec.
func (tx *Tx) Append(ctx context.Context, id TableID, rec arrow.Record) error {
	if err := tx.check(true); err != nil {
		return err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return err
	}
	n := rec.NumRows()
	if n == 0 {
		return nil
	}
	if n > int64(tx.s.opts.InlineMaxRows) {
		parts, err := tx.writeFiles(ctx, []arrow.Record{rec})
		if err != nil {
			return err
		}
		m.Parts = append(m.Parts, parts...)
		return tx.putManifest(id, m)
	}
	recs := []arrow.Record{rec}
	if k := len(m.Parts) - 1; k >= 0 && m.Parts[k].Kind == kindInline && m.Parts[k].Rows+n <= int64(tx.s.opts.InlineMaxRows) {
		last := m.Parts[k]
		old, err := decodeInline(tx.s.mem, tx.btx.Bucket(bucketInline).Get(inlineKey(id, last.ID)))
		if err != nil {
			return fmt.Errorf("table %d part %d: %w", id, last.ID, err)
		}
		defer releaseAll(old)
		if sameSchema(old, rec.Schema()) {
			recs = append(old, rec)
			if err := tx.dropPart(id, last); err != nil {
				return err
			}
			m.Parts = m.Parts[:k]
		}
	}
	p, err := tx.putInline(id, recs)
	if err != nil {
		return err
	}
	m.Parts = append(m.Parts, p)
	return tx.putManifest(id, m)
}

func sameSchema(recs []arrow.Record, s *arrow.Schema) bool {
	for _, r := range recs {
		if !r.Schema().Equal(s) {
			return false
		}
	}
	return true
}

// putInline stores recs (one schema) as a new inline part.
func (tx *Tx) putInline(id TableID, recs []arrow.Record) (partMeta, error) {
	blob, rows, err := encodeInline(tx.s.mem, recs)
	if err != nil {
		return partMeta{}, err
	}
	pid, err := tx.nextPartID()
	if err != nil {
		return partMeta{}, err
	}
	if err := tx.btx.Bucket(bucketInline).Put(inlineKey(id, pid), blob); err != nil {
		return partMeta{}, err
	}
	return partMeta{ID: pid, Kind: kindInline, Rows: rows, Bytes: int64(len(blob))}, nil
}

// writeFiles writes recs as Parquet files owned by tx (deleted if tx does
// not commit) and returns their parts.
func (tx *Tx) writeFiles(ctx context.Context, recs []arrow.Record) ([]partMeta, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	fw, err := tx.s.newFileWriter(ctx, recs[0].Schema(), tx)
	if err != nil {
		return nil, err
	}
	defer fw.Abort()
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := fw.Write(r); err != nil {
			return nil, err
		}
	}
	files, err := fw.Finish()
	if err != nil {
		return nil, err
	}
	out := make([]partMeta, 0, len(files))
	for _, f := range files {
		tx.created = append(tx.created, f.file)
	}
	fw.kept = true
	for _, f := range files {
		pid, err := tx.nextPartID()
		if err != nil {
			return nil, err
		}
		out = append(out, partMeta{ID: pid, Kind: kindFile, Rows: f.rows, Bytes: f.bytes, File: f.file, CRC: f.crc})
	}
	return out, nil
}

// AddParts publishes files written by a FileWriter at the end of the table.
// Each Part can be added once; if tx does not commit, the files are deleted.
func (tx *Tx) AddParts(id TableID, parts ...Part) error {
	if err := tx.check(true); err != nil {
		return err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return err
	}
	s := tx.s
	s.mu.Lock()
	for i, p := range parts {
		owner, ok := s.inflight[p.file]
		if !ok || owner != nil || p.file == "" {
			for _, q := range parts[:i] {
				s.inflight[q.file] = nil
			}
			s.mu.Unlock()
			return fmt.Errorf("storage: add part %q: not an unpublished part of this store", p.file)
		}
		s.inflight[p.file] = tx
	}
	s.mu.Unlock()
	for _, p := range parts {
		tx.created = append(tx.created, p.file)
		pid, err := tx.nextPartID()
		if err != nil {
			return err
		}
		m.Parts = append(m.Parts, partMeta{ID: pid, Kind: kindFile, Rows: p.rows, Bytes: p.bytes, File: p.file, CRC: p.crc})
	}
	if len(parts) == 0 {
		return nil
	}
	return tx.putManifest(id, m)
}

// ReplacePart replaces one part of the table, as seen by tx, by recs (all of
// one schema; none: the part disappears). UPDATE and DELETE rewrite a table
// part by part this way. Small results go inline, large ones to new files;
// the old file is deleted after commit, once no snapshot pins it. The caller
// keeps ownership of recs.
func (tx *Tx) ReplacePart(ctx context.Context, id TableID, part PartID, recs []arrow.Record) error {
	if err := tx.check(true); err != nil {
		return err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return err
	}
	i := m.index(part)
	if i < 0 {
		return fmt.Errorf("%w: table %d part %d", ErrNotFound, id, part)
	}
	var rows int64
	nonEmpty := recs[:0:0]
	for _, r := range recs {
		if r.NumRows() > 0 {
			rows += r.NumRows()
			nonEmpty = append(nonEmpty, r)
		}
	}
	if len(nonEmpty) > 0 && !sameSchema(nonEmpty, nonEmpty[0].Schema()) {
		return fmt.Errorf("%w: records of one part must share a schema", ErrSchema)
	}
	var repl []partMeta
	switch {
	case rows == 0:
	case rows <= int64(tx.s.opts.InlineMaxRows):
		p, err := tx.putInline(id, nonEmpty)
		if err != nil {
			return err
		}
		repl = []partMeta{p}
	default:
		if repl, err = tx.writeFiles(ctx, nonEmpty); err != nil {
			return err
		}
	}
	if err := tx.dropPart(id, m.Parts[i]); err != nil {
		return err
	}
	parts := make([]partMeta, 0, len(m.Parts)-1+len(repl))
	parts = append(parts, m.Parts[:i]...)
	parts = append(parts, repl...)
	parts = append(parts, m.Parts[i+1:]...)
	m.Parts = parts
	return tx.putManifest(id, m)
}

// Snapshot returns the table as seen by tx: a copy of its manifest (and of
// its inline rows) that stays readable after tx ends and pins the table's
// files until Release.
func (tx *Tx) Snapshot(id TableID) (*Snapshot, error) {
	if err := tx.check(false); err != nil {
		return nil, err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return nil, err
	}
	sn := &Snapshot{s: tx.s, table: id, version: m.Version, parts: make([]snapPart, len(m.Parts))}
	inline := tx.btx.Bucket(bucketInline)
	for i, p := range m.Parts {
		sn.parts[i].meta = p
		switch p.Kind {
		case kindInline:
			v := inline.Get(inlineKey(id, p.ID))
			if v == nil {
				return nil, fmt.Errorf("%w: table %d part %d: inline blob missing", ErrCorrupt, id, p.ID)
			}
			sn.parts[i].blob = bytes.Clone(v)
		case kindFile:
			sn.files = append(sn.files, p.File)
		}
	}
	sn.refs.Store(1)
	tx.s.pin(sn.files)
	return sn, nil
}
