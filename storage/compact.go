package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
)

// A table's inline parts are "sealed" when no Append will merge into them
// any more: every inline part but the last, and the last once full. The
// background compactor folds only sealed parts, so it does not race with a
// stream of single-row INSERTs growing the tail part (which would make its
// publish fail every time).
func sealed(m *manifest, i int, o Options) bool {
	p := m.Parts[i]
	return p.Kind == kindInline && (i < len(m.Parts)-1 || p.Rows >= int64(o.InlineMaxRows))
}

// needsCompaction: the sealed inline parts hold more than CompactRows rows,
// or there are many of them.
func needsCompaction(m *manifest, o Options) bool {
	var rows int64
	var parts int
	for i, p := range m.Parts {
		if sealed(m, i, o) {
			rows += p.Rows
			parts++
		}
	}
	return rows > int64(o.CompactRows) || parts > compactParts
}

// compactLoop is the background compactor. It runs until ctx ends.
func (s *Store) compactLoop(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		s.mu.Lock()
		ids := make([]TableID, 0, len(s.pending))
		for id := range s.pending {
			ids = append(ids, id)
		}
		clear(s.pending)
		s.mu.Unlock()
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			if ctx.Err() != nil {
				return
			}
			if err := s.compactTable(ctx, id, false); err != nil && ctx.Err() == nil {
				s.log.Error("storage: compaction failed", "table", uint64(id), "err", err)
			}
		}
	}
}

// CompactNow folds every inline part of every table into Parquet files,
// including the open tail parts the background compactor leaves alone. It
// waits for the writer slot for each publish, so it must not be called by a
// goroutine holding a writable Tx.
func (s *Store) CompactNow(ctx context.Context) error {
	var ids []TableID
	err := s.View(ctx, func(tx *Tx) error {
		var err error
		ids, err = tx.Tables()
		return err
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := s.compactTable(ctx, id, true); err != nil {
			errs = append(errs, fmt.Errorf("table %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// compactRun is a run of consecutive inline parts with one schema, folded
// into files.
type compactRun struct {
	ids   []PartID
	recs  []arrow.Record
	files []Part
}

// compactTable folds runs of inline parts of one table into Parquet files:
// copy them out in a read tx, write the files with no lock held, then
// publish in a short write tx each run whose parts are all still there in
// the same order (part IDs are never reused, so same IDs = same rows). A
// crash at any point leaves at worst unpublished files, removed by Open.
func (s *Store) compactTable(ctx context.Context, id TableID, force bool) error {
	var runs []*compactRun
	defer func() {
		for _, r := range runs {
			releaseAll(r.recs)
		}
	}()
	err := s.View(ctx, func(tx *Tx) error {
		m, err := tx.manifest(id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !force && !needsCompaction(m, s.opts) {
			return nil
		}
		inline := tx.btx.Bucket(bucketInline)
		var cur *compactRun
		for i, p := range m.Parts {
			if !(sealed(m, i, s.opts) || force && p.Kind == kindInline) {
				cur = nil
				continue
			}
			recs, err := decodeInline(s.mem, inline.Get(inlineKey(id, p.ID)))
			if err != nil {
				return fmt.Errorf("part %d: %w", p.ID, err)
			}
			if len(recs) == 0 {
				cur = nil
				continue
			}
			if cur == nil || !cur.recs[0].Schema().Equal(recs[0].Schema()) {
				cur = &compactRun{}
				runs = append(runs, cur)
			}
			cur.ids = append(cur.ids, p.ID)
			cur.recs = append(cur.recs, recs...)
		}
		return nil
	})
	if err != nil || len(runs) == 0 {
		return err
	}
	var writers []*FileWriter
	defer func() {
		for _, w := range writers {
			w.Abort() // deletes whatever was not published
		}
	}()
	for _, r := range runs {
		w, err := s.NewFileWriter(ctx, r.recs[0].Schema())
		if err != nil {
			return err
		}
		writers = append(writers, w)
		for _, rec := range r.recs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		if r.files, err = w.Finish(); err != nil {
			return err
		}
		releaseAll(r.recs)
		r.recs = nil
	}
	tx, err := s.Begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	m, err := tx.manifest(id)
	if errors.Is(err, ErrNotFound) {
		return nil // dropped meanwhile
	}
	if err != nil {
		return err
	}
	published := 0
	for _, r := range runs {
		i := m.index(r.ids[0])
		if i < 0 || i+len(r.ids) > len(m.Parts) {
			continue
		}
		same := true
		for k, pid := range r.ids {
			if m.Parts[i+k].ID != pid {
				same = false
				break
			}
		}
		if !same {
			continue // rewritten by an UPDATE/DELETE meanwhile: retry later
		}
		var repl []partMeta
		s.mu.Lock()
		for _, f := range r.files {
			s.inflight[f.file] = tx
		}
		s.mu.Unlock()
		for _, f := range r.files {
			tx.created = append(tx.created, f.file)
			pid, err := tx.nextPartID()
			if err != nil {
				return err
			}
			repl = append(repl, partMeta{ID: pid, Kind: kindFile, Rows: f.rows, Bytes: f.bytes, File: f.file, CRC: f.crc})
		}
		for _, p := range m.Parts[i : i+len(r.ids)] {
			if err := tx.dropPart(id, p); err != nil {
				return err
			}
		}
		parts := make([]partMeta, 0, len(m.Parts)-len(r.ids)+len(repl))
		parts = append(parts, m.Parts[:i]...)
		parts = append(parts, repl...)
		parts = append(parts, m.Parts[i+len(r.ids):]...)
		m.Parts = parts
		published++
	}
	if published == 0 {
		return nil
	}
	if err := tx.putManifest(id, m); err != nil {
		return err
	}
	delete(tx.touched, id) // no need to look at it again
	if err := tx.Commit(); err != nil {
		return err
	}
	s.mu.Lock()
	s.compacts += published
	s.mu.Unlock()
	s.log.Debug("storage: compacted inline rows", "table", uint64(id), "runs", published)
	return nil
}
