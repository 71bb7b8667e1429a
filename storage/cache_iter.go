package storage

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// cachedIter reads chosen row groups of a Parquet part through the
// Store's column cache: a row group whose every requested column is cached
// is served from there; runs of row groups that are not are decoded from
// the file, and their columns cached as they pass.
type cachedIter struct {
	s      *Store
	counts *scanCounts
	part   partMeta
	schema *arrow.Schema
	groups []int   // row groups to read, ascending
	rows   []int64 // rows of each row group of the file
	next   int     // index in groups of the next row group not yet started

	src     RecordIterator // decodes groups[srcFrom:srcTo], nil between runs
	srcTo   int
	srcAt   int   // index in groups of the row group src is in
	srcRead int64 // rows of groups[srcAt] src has returned
	last    arrow.Record
}

func (s *Store) openCached(p partMeta, schema *arrow.Schema, groups []int, counts *scanCounts) (RecordIterator, error) {
	rows, err := s.rowGroupRows(p)
	if err != nil {
		return nil, err
	}
	return &cachedIter{s: s, counts: counts, part: p, schema: schema, groups: groups, rows: rows}, nil
}

func (it *cachedIter) Schema() *arrow.Schema { return it.schema }

func (it *cachedIter) Next(ctx context.Context) (arrow.Record, error) {
	if it.rows == nil {
		return nil, errors.New("storage: iterator closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if it.last != nil {
		it.last.Release()
		it.last = nil
	}
	c, fields := it.s.cache, it.schema.Fields()
	for {
		if it.src != nil {
			rec, err := it.src.Next(ctx)
			if errors.Is(err, io.EOF) {
				it.src.Close()
				it.src = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			it.decoded(rec)
			return rec, nil // owned by src until its next Next
		}
		if it.next >= len(it.groups) {
			return nil, io.EOF
		}
		g := it.groups[it.next]
		if cols := c.getAll(it.part.File, g, fields); cols != nil {
			it.next++
			c.hits.Add(1)
			it.counts.cached.Add(1)
			it.last = array.NewRecord(it.schema, cols, it.rows[g])
			releaseAll(cols)
			return it.last, nil
		}
		// Decode from here up to the next row group that is cached (or a
		// gap in the selection): one reader for the run.
		to := it.next + 1
		for to < len(it.groups) && it.groups[to] == it.groups[to-1]+1 && !c.hasAll(it.part.File, it.groups[to], fields) {
			to++
		}
		src, err := it.s.openFile(it.part, it.schema, it.groups[it.next:to])
		if err != nil {
			return nil, err
		}
		it.src, it.srcAt, it.srcTo, it.srcRead = src, it.next, to, 0
		it.next = to
	}
}

// decoded caches the columns of a batch the file reader returned when it
// is a whole row group (batches end at row group boundaries; a row group
// longer than a batch is not cached).
func (it *cachedIter) decoded(rec arrow.Record) {
	for it.srcAt < it.srcTo && it.rows[it.groups[it.srcAt]] == 0 {
		it.srcAt++ // an empty row group gives no batch
	}
	if it.srcAt >= it.srcTo {
		return
	}
	g := it.groups[it.srcAt]
	n := rec.NumRows()
	if it.srcRead == 0 {
		it.counts.decoded.Add(1)
	}
	if it.srcRead == 0 && n == it.rows[g] {
		it.s.cache.misses.Add(1)
		it.s.cache.put(it.part.File, g, it.schema.Fields(), rec.Columns())
	}
	it.srcRead += n
	if it.srcRead >= it.rows[g] {
		it.srcAt++
		it.srcRead = 0
	}
}

func (it *cachedIter) Close() {
	if it.src != nil {
		it.src.Close()
		it.src = nil
	}
	if it.last != nil {
		it.last.Release()
		it.last = nil
	}
	it.rows = nil
}
