package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
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
	return sn.ScanSelected(ctx, fields, nil)
}

// ScanSelected is Scan reading of part i only the row groups keep[i] lists
// (indexes into PartStats' result, ascending; nil: all of them). A nil keep
// reads everything. Row groups are decoded on every core and handed out in
// table order. The caller must Close the iterator.
func (sn *Snapshot) ScanSelected(ctx context.Context, fields []arrow.Field, keep [][]int) (RecordIterator, error) {
	if err := sn.usable(ctx); err != nil {
		return nil, err
	}
	if keep != nil && len(keep) != len(sn.parts) {
		return nil, fmt.Errorf("storage: %d row group selections for %d parts", len(keep), len(sn.parts))
	}
	schema := arrow.NewSchema(fields, nil)
	units, err := sn.units(keep)
	sn.ref()
	switch {
	case err != nil: // a damaged part: fail the first Next, as reading it would
		return &snapIter{RecordIterator: &errIter{schema: schema, err: err}, sn: sn}, nil
	case len(units) == 0:
		return &snapIter{RecordIterator: emptyIter(schema), sn: sn}, nil
	case len(units) == 1 || scanWorkers() == 1:
		return &scanIter{sn: sn, schema: schema, units: units}, nil
	}
	return newParallelIter(sn, schema, units, scanWorkers()), nil
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
	return sn.openPartGroups(i, schema, nil)
}

// openPartGroups opens part i reading only rowGroups (nil: all). An
// inline part is one row group.
func (sn *Snapshot) openPartGroups(i int, schema *arrow.Schema, rowGroups []int) (RecordIterator, error) {
	p := sn.parts[i]
	mem := sn.s.mem
	var (
		it  RecordIterator
		err error
	)
	switch p.meta.Kind {
	case kindInline:
		if rowGroups != nil && !slices.Equal(rowGroups, []int{0}) {
			if len(rowGroups) > 0 {
				return nil, fmt.Errorf("%w: table %d part %d has one row group, not %v", ErrNotFound, sn.table, p.meta.ID, rowGroups)
			}
			return emptyIter(schema), nil
		}
		it, err = openInline(mem, p.blob, schema)
		if err != nil {
			err = fmt.Errorf("table %d part %d: %w", sn.table, p.meta.ID, err)
		}
	default:
		it, err = sn.s.openFile(p.meta, schema, rowGroups)
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

// scanIter reads a scan's units one after the other.
type scanIter struct {
	scanCounts
	sn     *Snapshot
	schema *arrow.Schema
	units  []scanUnit
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
			if it.next >= len(it.units) {
				return nil, io.EOF
			}
			cur, err := it.sn.openUnit(it.units[it.next], it.schema, &it.scanCounts)
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
// (intervals restored). It returns ErrSchema when a field exists with
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
	if len(blob) < 4 {
		return nil, fmt.Errorf("%w: inline rows: %d bytes", ErrCorrupt, len(blob))
	}
	body, sum := blob[:len(blob)-4], binary.LittleEndian.Uint32(blob[len(blob)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: inline rows: checksum mismatch", ErrCorrupt)
	}
	r, err := ipc.NewReader(bytes.NewReader(body), ipc.WithAllocator(mem))
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
	name    string
	pr      *file.Reader
	readers []*pqarrow.ColumnReader // per stored field; nil if not read; all nil when none is
	cols    []arrow.Array           // the current batch per stored field
	proj    *projection
	left    int64 // rows still to return when no column is read
	b       batcher
	rows    int64 // rows returned so far
	want    int64 // rows the manifest promises, -1 unknown
	total   int64 // rows of the row groups read, per the file's footer
	// ends are the row counts at which the row groups read end: a batch
	// stops at one, so that it holds one dictionary per text column and
	// needs no concatenation.
	ends []int64
}

// openFile opens a Parquet part. The first time a Store reads a file it
// checks the whole file against the manifest's CRC-32C (files are immutable,
// so once is enough): the Parquet decoder trusts its input far enough that
// damaged pages can make it spin forever, so damage must be caught before.
func (s *Store) openFile(p partMeta, out *arrow.Schema, rowGroups []int) (RecordIterator, error) {
	f, err := s.openVerified(p)
	if err != nil {
		return nil, err
	}
	it, err := openParquet(s.mem, p.File, f, p.Rows, out, rowGroups, s.footer(p.File))
	if err != nil {
		f.Close()
		return nil, err
	}
	s.keepFooter(p.File, it.pr.MetaData())
	return it, nil
}

// footer returns the parsed footer of a verified file, or nil.
func (s *Store) footer(name string) *metadata.FileMetaData {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.footers[name]
}

// keepFooter remembers a verified file's footer: parsing it costs more
// than reading a small part, and statistics and scans both need it.
func (s *Store) keepFooter(name string, md *metadata.FileMetaData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.verified[name] {
		s.footers[name] = md
	}
}

// openVerified opens a Parquet part's file, checked (see openFile); a
// missing file is ErrCorrupt. The caller closes it.
func (s *Store) openVerified(p partMeta) (*os.File, error) {
	f, err := os.Open(s.path(p.File))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w: data file %s: %w", ErrCorrupt, p.File, err)
		}
		return nil, fmt.Errorf("storage: open data file: %w", err)
	}
	if err := s.verify(f, p); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// forgetFileLocked drops what the Store remembers of a file's contents
// (not its column cache, which has its own lock). s.mu is held.
func (s *Store) forgetFileLocked(name string) {
	delete(s.verified, name)
	delete(s.footers, name)
	delete(s.rowGroups, name)
	for k := range s.stats {
		if strings.HasPrefix(k, name+"\x00") {
			delete(s.stats, k)
		}
	}
}

func (s *Store) verify(f *os.File, p partMeta) error {
	s.mu.Lock()
	ok := s.verified[p.File]
	s.mu.Unlock()
	if ok {
		return nil
	}
	s.mu.Lock()
	s.forgetFileLocked(p.File) // of other bytes under that name, if any
	s.mu.Unlock()
	s.cache.dropFile(p.File)
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("storage: read data file %s: %w", p.File, err)
	}
	if n != p.Bytes || h.Sum32() != p.CRC {
		return fmt.Errorf("%w: data file %s: checksum or size mismatch", ErrCorrupt, p.File)
	}
	s.mu.Lock()
	s.verified[p.File] = true
	s.mu.Unlock()
	return nil
}

// openParquet reads Parquet bytes from r, which it closes (if an io.Closer)
// on Close: the given row groups (nil: all). name is for error messages.
func openParquet(mem memory.Allocator, name string, r parquet.ReaderAtSeeker, wantRows int64, out *arrow.Schema, rowGroups []int, md *metadata.FileMetaData) (_ *fileIter, err error) {
	it := &fileIter{name: name, want: wantRows}
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
	opts := []file.ReadOption{file.WithReadProps(props)}
	if md != nil {
		opts = append(opts, file.WithMetadata(md))
	}
	it.pr, err = file.NewParquetReader(r, opts...)
	if err != nil {
		return nil, corrupt(err)
	}
	total := it.pr.NumRows()
	if wantRows >= 0 && total != wantRows {
		return nil, corrupt(fmt.Errorf("%d rows, manifest says %d", total, wantRows))
	}
	if rowGroups == nil {
		rowGroups = make([]int, it.pr.NumRowGroups())
		for i := range rowGroups {
			rowGroups[i] = i
		}
	} else {
		// Only the chosen row groups: the row count to expect is theirs.
		total = 0
		for _, g := range rowGroups {
			if g < 0 || g >= it.pr.NumRowGroups() {
				return nil, fmt.Errorf("%w: data file %s has no row group %d", ErrNotFound, name, g)
			}
			total += it.pr.MetaData().RowGroup(g).NumRows()
		}
		if wantRows >= 0 {
			it.want = total
		}
	}
	arrowProps := pqarrow.ArrowReadProperties{BatchSize: maxBatchRows}
	var end int64
	for _, g := range rowGroups {
		end += it.pr.MetaData().RowGroup(g).NumRows()
		it.ends = append(it.ends, end)
	}
	for _, c := range dictStringColumns(it.pr, rowGroups) {
		arrowProps.SetReadDict(c, true)
	}
	fr, err := pqarrow.NewFileReader(it.pr, arrowProps, mem)
	if err != nil {
		return nil, corrupt(err)
	}
	sc, err := fr.Schema()
	if err != nil {
		return nil, corrupt(err)
	}
	var intervals []string
	if v := it.pr.MetaData().KeyValueMetadata().FindValue(intervalColumnsKey); v != nil {
		if err := json.Unmarshal([]byte(*v), &intervals); err != nil {
			return nil, corrupt(err)
		}
	}
	have := make([]arrow.Field, sc.NumFields())
	for i, fl := range sc.Fields() {
		if dt, ok := fl.Type.(*arrow.DictionaryType); ok {
			fl.Type = dt.ValueType // Next hands out plain strings
		}
		if fsb, ok := fl.Type.(*arrow.FixedSizeBinaryType); ok && fsb.ByteWidth == 16 && slices.Contains(intervals, fl.Name) {
			fl.Type = arrow.FixedWidthTypes.MonthDayNanoInterval
		}
		have[i] = fl
	}
	proj, names, err := newProjection(mem, have, out)
	if err != nil {
		return nil, fmt.Errorf("data file %s: %w", name, err)
	}
	it.proj = proj
	it.total = total
	if len(names) == 0 {
		it.left = total
		return it, nil
	}
	// One column reader per field read, made here rather than by pqarrow's
	// GetRecordReader: that one builds them in goroutines, where a decoder
	// panic on a damaged file could not be recovered.
	it.readers = make([]*pqarrow.ColumnReader, len(have))
	for j := range have {
		if !proj.reads(j) {
			continue
		}
		leaves := map[int]bool{}
		for _, l := range appendLeaves(nil, fr.Manifest.Fields[j]) {
			leaves[l] = true
		}
		if it.readers[j], err = fr.GetFieldReader(context.Background(), j, leaves, rowGroups); err != nil {
			return nil, corrupt(err)
		}
	}
	it.cols = make([]arrow.Array, len(have))
	return it, nil
}

// emptyIter returns no rows.
func emptyIter(schema *arrow.Schema) RecordIterator {
	return &fileIter{proj: &projection{out: schema}}
}

// errIter fails its first Next with err.
type errIter struct {
	schema *arrow.Schema
	err    error
}

func (it *errIter) Schema() *arrow.Schema                      { return it.schema }
func (it *errIter) Next(context.Context) (arrow.Record, error) { return nil, it.err }
func (it *errIter) Close()                                     {}

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

// toBoundary is the number of rows from the next one to the end of its
// row group.
func (it *fileIter) toBoundary() int64 {
	for _, e := range it.ends {
		if e > it.rows {
			return e - it.rows
		}
	}
	return it.total - it.rows
}

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
	if it.cols == nil {
		if it.left == 0 {
			return nil, io.EOF
		}
		n := min(it.left, maxBatchRows)
		it.left -= n
		it.b.set(it.proj.apply(n, nil))
		return it.b.next(), nil
	}
	releaseAll(it.cols)
	clear(it.cols)
	n := int64(-1)
	for j, r := range it.readers {
		if r == nil {
			continue
		}
		// No bigger than what is left: the reader reserves buffers for
		// the whole batch, which costs small parts more than decoding.
		ch, err := r.NextBatch(max(1, min(maxBatchRows, it.toBoundary())))
		if err != nil {
			return nil, fmt.Errorf("%w: data file %s: %v", ErrCorrupt, it.name, err)
		}
		a, err := it.column(ch)
		ch.Release()
		if err != nil {
			return nil, fmt.Errorf("%w: data file %s: %v", ErrCorrupt, it.name, err)
		}
		it.cols[j] = a
		if n >= 0 && int64(a.Len()) != n {
			return nil, fmt.Errorf("%w: data file %s: columns of different lengths", ErrCorrupt, it.name)
		}
		n = int64(a.Len())
	}
	if n <= 0 {
		if it.want >= 0 && it.rows != it.want {
			return nil, fmt.Errorf("%w: data file %s: read %d rows, manifest says %d", ErrCorrupt, it.name, it.rows, it.want)
		}
		return nil, io.EOF
	}
	it.rows += n
	it.b.set(it.proj.apply(n, func(j int) arrow.Array { return it.cols[j] }))
	return it.b.next(), nil
}

// column makes one array of a column's batch, with dictionaries of strings
// turned into plain strings.
func (it *fileIter) column(ch *arrow.Chunked) (arrow.Array, error) {
	chunks := make([]arrow.Array, len(ch.Chunks()))
	defer releaseAll(chunks)
	for i, c := range ch.Chunks() {
		if d, ok := c.(*array.Dictionary); ok {
			p, err := plainStrings(it.proj.mem, d)
			if err != nil {
				return nil, err
			}
			chunks[i] = p
			continue
		}
		c.Retain()
		chunks[i] = c
	}
	switch len(chunks) {
	case 0: // the end of the row groups
		t := ch.DataType()
		if d, ok := t.(*arrow.DictionaryType); ok {
			t = d.ValueType
		}
		return array.MakeArrayOfNull(it.proj.mem, t, 0), nil
	case 1:
		chunks[0].Retain()
		return chunks[0], nil
	}
	return array.Concatenate(chunks, it.proj.mem)
}

func (it *fileIter) Close() {
	it.b.clear()
	releaseAll(it.cols)
	it.cols = nil
	for _, r := range it.readers {
		if r != nil {
			r.Release()
		}
	}
	it.readers = nil
	if it.pr != nil {
		it.pr.Close() // closes the file
		it.pr = nil
	}
	it.proj = nil
}
