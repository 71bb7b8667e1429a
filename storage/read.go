package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// PartInfo describes one part of a snapshot.
type PartInfo struct {
	ID     PartID
	Rows   int64
	Bytes  int64  // inline blob or file size
	File   string // base name of the Parquet file; "" for an inline part
	Inline bool
}

// Snapshot is one table at one version: a copy of its manifest (inline rows
// included) taken in a Tx. It pins the table's files, so they outlive a
// concurrent DROP, TRUNCATE, UPDATE or compaction, until Release. Iterators
// keep the snapshot alive until they are closed. Safe for concurrent use.
type Snapshot struct {
	s        *Store
	table    TableID
	version  uint64
	parts    []snapPart
	files    []string
	refs     atomic.Int32
	released atomic.Bool
}

type snapPart struct {
	meta partMeta
	blob []byte // inline parts: a private copy of the IPC stream
}

// Table is the snapshot's table ID.
func (sn *Snapshot) Table() TableID { return sn.table }

// Version is the table version the snapshot shows.
func (sn *Snapshot) Version() uint64 { return sn.version }

// NumRows is the number of rows in the snapshot.
func (sn *Snapshot) NumRows() int64 {
	var n int64
	for _, p := range sn.parts {
		n += p.meta.Rows
	}
	return n
}

// Parts describes the snapshot's parts in table order; ScanPart(i) reads
// the i-th, ReplacePart takes its ID.
func (sn *Snapshot) Parts() []PartInfo {
	out := make([]PartInfo, len(sn.parts))
	for i, p := range sn.parts {
		out[i] = PartInfo{ID: p.meta.ID, Rows: p.meta.Rows, Bytes: p.meta.Bytes, File: p.meta.File, Inline: p.meta.Kind == kindInline}
	}
	return out
}

// Release unpins the snapshot's files once its iterators are closed too.
// Safe to call more than once.
func (sn *Snapshot) Release() {
	if sn.released.CompareAndSwap(false, true) {
		sn.unref()
	}
}

func (sn *Snapshot) ref() { sn.refs.Add(1) }

func (sn *Snapshot) unref() {
	if sn.refs.Add(-1) == 0 {
		sn.s.unpin(sn.files)
	}
}

// RecordIterator streams record batches (pull-based).
type RecordIterator interface {
	// Schema is the schema of every record: the requested fields.
	Schema() *arrow.Schema
	// Next returns the next batch (at most 64Ki rows), or io.EOF after the
	// last. The record is valid until the next call or Close; Retain it to
	// keep it.
	Next(ctx context.Context) (arrow.Record, error)
	// Close releases the iterator's resources. Safe to call twice.
	Close()
}

// Scan reads every part in order, projected to fields (by name and type; a
// part lacking a field yields nulls for it). The caller must Close the
// iterator.
func (sn *Snapshot) Scan(ctx context.Context, fields []arrow.Field) (RecordIterator, error) {
	if err := sn.usable(ctx); err != nil {
		return nil, err
	}
	sn.ref()
	return &scanIter{sn: sn, schema: arrow.NewSchema(fields, nil)}, nil
}

// ScanPart reads part i only (see Scan). The caller must Close the iterator.
func (sn *Snapshot) ScanPart(ctx context.Context, i int, fields []arrow.Field) (RecordIterator, error) {
	if err := sn.usable(ctx); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(sn.parts) {
		return nil, fmt.Errorf("%w: table %d has no part %d", ErrNotFound, sn.table, i)
	}
	it, err := sn.openPart(i, arrow.NewSchema(fields, nil))
	if err != nil {
		return nil, err
	}
	sn.ref()
	return &snapIter{RecordIterator: it, sn: sn}, nil
}

func (sn *Snapshot) usable(ctx context.Context) error {
	if sn.released.Load() {
		return errors.New("storage: snapshot released")
	}
	return ctx.Err()
}

func (sn *Snapshot) openPart(i int, schema *arrow.Schema) (RecordIterator, error) {
	p := sn.parts[i]
	mem := sn.s.mem
	var (
		it  RecordIterator
		err error
	)
	switch p.meta.Kind {
	case kindInline:
		it, err = openInline(mem, p.blob, schema)
		if err != nil {
			err = fmt.Errorf("table %d part %d: %w", sn.table, p.meta.ID, err)
		}
	default:
		it, err = openFile(mem, sn.s.path(p.meta.File), p.meta.Rows, schema)
	}
	return it, err
}

// snapIter keeps its snapshot referenced while open.
type snapIter struct {
	RecordIterator
	sn *Snapshot
}

func (it *snapIter) Close() {
	if it.sn != nil {
		it.RecordIterator.Close()
		it.sn.unref()
		it.sn = nil
	}
}

// scanIter chains the parts of a snapshot.
type scanIter struct {
	sn     *Snapshot
	schema *arrow.Schema
	next   int
	cur    RecordIterator
	closed bool
}

func (it *scanIter) Schema() *arrow.Schema { return it.schema }

func (it *scanIter) Next(ctx context.Context) (arrow.Record, error) {
	if it.closed {
		return nil, errors.New("storage: iterator closed")
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if it.cur == nil {
			if it.next >= len(it.sn.parts) {
				return nil, io.EOF
			}
			cur, err := it.sn.openPart(it.next, it.schema)
			if err != nil {
				return nil, err
			}
			it.cur = cur
			it.next++
		}
		rec, err := it.cur.Next(ctx)
		if err == io.EOF {
			it.cur.Close()
			it.cur = nil
			continue
		}
		return rec, err
	}
}

func (it *scanIter) Close() {
	if it.closed {
		return
	}
	it.closed = true
	if it.cur != nil {
		it.cur.Close()
		it.cur = nil
	}
	it.sn.unref()
}

// projection maps the columns of a source record to the requested fields.
type projection struct {
	mem    memory.Allocator
	out    *arrow.Schema
	src    []int  // per requested field: column in the source record, -1 for nulls
	retype []bool // source column stored as fixed_size_binary(16) for an interval
}

// newProjection plans reading out from a part whose fields are have
// (after fromParquetField). It returns ErrSchema when a field exists with
// another type.
func newProjection(mem memory.Allocator, have []arrow.Field, out *arrow.Schema) (*projection, []string, error) {
	p := &projection{mem: mem, out: out, src: make([]int, out.NumFields()), retype: make([]bool, out.NumFields())}
	var names []string
	for i, f := range out.Fields() {
		p.src[i] = -1
		for j, h := range have {
			if h.Name != f.Name {
				continue
			}
			if !arrow.TypeEqual(h.Type, f.Type) {
				return nil, nil, fmt.Errorf("%w: column %q is stored as %s, read as %s", ErrSchema, f.Name, h.Type, f.Type)
			}
			p.src[i] = j
			names = append(names, f.Name)
			break
		}
	}
	return p, names, nil
}

// apply builds the output record of n rows from the source columns cols
// (indexed like have, or by srcCol). The caller releases the result.
func (p *projection) apply(n int64, col func(j int) arrow.Array) arrow.Record {
	cols := make([]arrow.Array, p.out.NumFields())
	for i, f := range p.out.Fields() {
		if p.src[i] < 0 {
			cols[i] = array.MakeArrayOfNull(p.mem, f.Type, int(n))
			continue
		}
		c := col(p.src[i])
		if !arrow.TypeEqual(c.DataType(), f.Type) {
			cols[i] = retype(c, f.Type)
		} else {
			c.Retain()
			cols[i] = c
		}
	}
	rec := array.NewRecord(p.out, cols, n)
	releaseAll(cols)
	return rec
}

// batcher hands out a record in slices of at most maxBatchRows rows.
type batcher struct {
	rec arrow.Record // owned
	off int64
	out arrow.Record // last returned, released on the next call
}

func (b *batcher) set(rec arrow.Record) {
	b.clear()
	b.rec, b.off = rec, 0
}

func (b *batcher) next() arrow.Record {
	if b.out != nil {
		b.out.Release()
		b.out = nil
	}
	if b.rec == nil || b.off >= b.rec.NumRows() {
		return nil
	}
	if b.off == 0 && b.rec.NumRows() <= maxBatchRows {
		b.off = b.rec.NumRows()
		b.rec.Retain()
		b.out = b.rec
		return b.out
	}
	end := min(b.off+maxBatchRows, b.rec.NumRows())
	b.out = b.rec.NewSlice(b.off, end)
	b.off = end
	return b.out
}

func (b *batcher) clear() {
	if b.out != nil {
		b.out.Release()
		b.out = nil
	}
	if b.rec != nil {
		b.rec.Release()
		b.rec = nil
	}
}

// guard turns a panic of a decoder (the IPC and Parquet readers trust their
// input more than we can) into an ErrCorrupt error.
func guard(what string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: decoder panic: %v", ErrCorrupt, what, r)
	}
}

// decodeInline decodes every record of an inline blob. The caller releases
// them.
func decodeInline(mem memory.Allocator, blob []byte) (recs []arrow.Record, err error) {
	defer func() {
		if err != nil {
			releaseAll(recs)
			recs = nil
		}
	}()
	defer guard("inline rows", &err)
	r, err := ipc.NewReader(bytes.NewReader(blob), ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("%w: inline rows: %v", ErrCorrupt, err)
	}
	defer r.Release()
	for r.Next() {
		rec := r.Record()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		return recs, fmt.Errorf("%w: inline rows: %v", ErrCorrupt, err)
	}
	return recs, nil
}

// inlineIter reads an inline part. The blob is decoded at open: inline
// parts are small by construction.
type inlineIter struct {
	proj *projection
	recs []arrow.Record
	i    int
	b    batcher
}

func openInline(mem memory.Allocator, blob []byte, out *arrow.Schema) (RecordIterator, error) {
	recs, err := decodeInline(mem, blob)
	if err != nil {
		return nil, err
	}
	var have []arrow.Field
	if len(recs) > 0 {
		have = recs[0].Schema().Fields()
	}
	proj, _, err := newProjection(mem, have, out)
	if err != nil {
		releaseAll(recs)
		return nil, err
	}
	return &inlineIter{proj: proj, recs: recs}, nil
}

func (it *inlineIter) Schema() *arrow.Schema { return it.proj.out }

func (it *inlineIter) Next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		if r := it.b.next(); r != nil {
			return r, nil
		}
		if it.i >= len(it.recs) {
			return nil, io.EOF
		}
		src := it.recs[it.i]
		it.i++
		if src.NumRows() == 0 {
			continue
		}
		it.b.set(it.proj.apply(src.NumRows(), src.Column))
	}
}

func (it *inlineIter) Close() {
	it.b.clear()
	releaseAll(it.recs)
	it.recs = nil
}

// fileIter reads a Parquet part: only the requested columns, row group by
// row group, in batches of at most maxBatchRows.
type fileIter struct {
	name string
	f    *os.File
	pr   *file.Reader
	rr   pqarrow.RecordReader // nil when no requested column is stored
	proj *projection
	cols []int // record reader column per "have" index
	left int64 // rows still to return when rr == nil
	b    batcher
	rows int64 // rows returned so far
	want int64 // rows the manifest promises, -1 unknown
}

// openFile opens a Parquet part. wantRows is the row count the manifest
// records (-1: unknown); a mismatch is corruption.
func openFile(mem memory.Allocator, path string, wantRows int64, out *arrow.Schema) (_ RecordIterator, err error) {
	name := path
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w: data file %s: %w", ErrCorrupt, name, err)
		}
		return nil, fmt.Errorf("storage: open data file: %w", err)
	}
	it := &fileIter{name: name, f: f, want: wantRows}
	defer func() {
		if err != nil {
			it.Close()
		}
	}()
	defer guard("data file "+name, &err)
	corrupt := func(e error) error { return fmt.Errorf("%w: data file %s: %v", ErrCorrupt, name, e) }
	// Page buffers come from the Go allocator: the Parquet reader pools them
	// and frees them by finalizer, which a checking allocator would report
	// as leaks. Arrays handed to the caller come from mem.
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	it.pr, err = file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		return nil, corrupt(err)
	}
	total := it.pr.NumRows()
	if wantRows >= 0 && total != wantRows {
		return nil, corrupt(fmt.Errorf("%d rows, manifest says %d", total, wantRows))
	}
	fr, err := pqarrow.NewFileReader(it.pr, pqarrow.ArrowReadProperties{BatchSize: maxBatchRows}, mem)
	if err != nil {
		return nil, corrupt(err)
	}
	sc, err := fr.Schema()
	if err != nil {
		return nil, corrupt(err)
	}
	have := make([]arrow.Field, sc.NumFields())
	for i, fl := range sc.Fields() {
		have[i] = fromParquetField(fl)
	}
	proj, names, err := newProjection(mem, have, out)
	if err != nil {
		return nil, fmt.Errorf("data file %s: %w", name, err)
	}
	it.proj = proj
	if len(names) == 0 {
		it.left = total
		return it, nil
	}
	// Leaf columns of the fields read (one per field for flat types).
	var leaves []int
	for j := range have {
		if proj.reads(j) {
			leaves = appendLeaves(leaves, fr.Manifest.Fields[j])
		}
	}
	it.rr, err = fr.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return nil, corrupt(err)
	}
	// Map the projection's source indices (into have) to record columns.
	rs := it.rr.Schema()
	it.cols = make([]int, len(have))
	for j, h := range have {
		it.cols[j] = -1
		if idx := rs.FieldIndices(h.Name); len(idx) == 1 {
			it.cols[j] = idx[0]
		}
		if proj.reads(j) && it.cols[j] < 0 {
			return nil, corrupt(fmt.Errorf("column %q not readable", h.Name))
		}
	}
	return it, nil
}

func (p *projection) reads(j int) bool {
	for _, s := range p.src {
		if s == j {
			return true
		}
	}
	return false
}

func appendLeaves(dst []int, f pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for _, c := range f.Children {
		dst = appendLeaves(dst, c)
	}
	return dst
}

func (it *fileIter) Schema() *arrow.Schema { return it.proj.out }

func (it *fileIter) Next(ctx context.Context) (rec arrow.Record, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if it.proj == nil {
		return nil, errors.New("storage: iterator closed")
	}
	defer guard("data file "+it.name, &err)
	if r := it.b.next(); r != nil {
		return r, nil
	}
	if it.rr == nil {
		if it.left == 0 {
			return nil, io.EOF
		}
		n := min(it.left, maxBatchRows)
		it.left -= n
		it.b.set(it.proj.apply(n, nil))
		return it.b.next(), nil
	}
	for {
		src, err := it.rr.Read()
		if err == io.EOF || (err == nil && src == nil) {
			if it.want >= 0 && it.rows != it.want {
				return nil, fmt.Errorf("%w: data file %s: read %d rows, manifest says %d", ErrCorrupt, it.name, it.rows, it.want)
			}
			return nil, io.EOF
		}
		if err != nil {
			return nil, fmt.Errorf("%w: data file %s: %v", ErrCorrupt, it.name, err)
		}
		if src.NumRows() == 0 {
			continue
		}
		it.rows += src.NumRows()
		it.b.set(it.proj.apply(src.NumRows(), func(j int) arrow.Array { return src.Column(it.cols[j]) }))
		return it.b.next(), nil
	}
}

func (it *fileIter) Close() {
	it.b.clear()
	if it.rr != nil {
		it.rr.Release()
		it.rr = nil
	}
	if it.pr != nil {
		it.pr.Close() // closes f
		it.pr = nil
		it.f = nil
	}
	if it.f != nil {
		it.f.Close()
		it.f = nil
	}
	it.proj = nil
}
