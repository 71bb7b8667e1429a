package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// Part is a Parquet file written by a FileWriter and not yet published.
// Publish it with Tx.AddParts; until then it is an orphan that Abort (or the
// next Open) deletes.
type Part struct {
	file        string
	rows, bytes int64
	crc         uint32
}

// Rows is the number of rows in the part.
func (p Part) Rows() int64 { return p.rows }

// Bytes is the size of the part's file.
func (p Part) Bytes() int64 { return p.bytes }

// FileWriter writes rows into new Parquet files without holding the writer
// slot, for big loads (COPY): write everything, then publish the parts with
// Tx.AddParts in a short write transaction. It starts a new file every
// Options.FileRows rows. Not safe for concurrent use.
type FileWriter struct {
	s         *Store
	owner     *Tx // nil: parts go through AddParts
	schema    *arrow.Schema
	pq        *arrow.Schema // schema as stored in Parquet (see toParquetSchema)
	intervals string        // intervalColumnsKey value, "" if none
	cur       *partFile
	parts     []Part
	err       error
	done      bool
	kept      bool // owner took the finished parts into its created list
}

// NewFileWriter starts a writer for records of the given schema. The caller
// must Finish or Abort it (Abort after Finish deletes the parts that were
// not published; defer fw.Abort() is the usual pattern).
func (s *Store) NewFileWriter(ctx context.Context, schema *arrow.Schema) (*FileWriter, error) {
	return s.newFileWriter(ctx, schema, nil)
}

func (s *Store) newFileWriter(ctx context.Context, schema *arrow.Schema, owner *Tx) (*FileWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.isClosed() {
		return nil, ErrClosed
	}
	pq, intervals := toParquetSchema(schema)
	if _, err := pqarrow.ToParquet(pq, s.writerProps(pq), s.arrowWriterProps()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	var meta string
	if len(intervals) > 0 {
		b, _ := json.Marshal(intervals)
		meta = string(b)
	}
	return &FileWriter{s: s, owner: owner, schema: schema, pq: pq, intervals: meta}, nil
}

// writerProps: snappy, statistics (for future row-group pruning), and
// dictionary encoding only for string and binary columns: for numbers it
// costs a hash lookup per value and rarely pays (most numeric columns
// overflow the dictionary page and fall back to plain anyway).
func (s *Store) writerProps(schema *arrow.Schema) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(s.mem),
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(int64(s.opts.RowGroupRows)),
		parquet.WithStats(true),
		parquet.WithDictionaryDefault(false),
		// numeric(p ≤ 18) as INT32/INT64: decoded several times faster
		// than fixed-length byte arrays, and smaller.
		parquet.WithStoreDecimalAsInteger(true),
	}
	for _, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

func (s *Store) arrowWriterProps() pqarrow.ArrowWriterProperties {
	return pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(s.mem))
}

// Write appends rec's rows. rec's fields must match the writer's schema by
// name and type. The caller keeps ownership of rec.
func (w *FileWriter) Write(rec arrow.Record) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("storage: FileWriter already finished")
	}
	if err := checkFields(rec.Schema(), w.schema); err != nil {
		return err
	}
	for off := int64(0); off < rec.NumRows(); {
		if w.cur == nil {
			if w.cur, w.err = w.s.newPartFile(w.pq, w.intervals, w.owner); w.err != nil {
				return w.err
			}
		}
		n := min(rec.NumRows()-off, int64(w.s.opts.FileRows)-w.cur.rows)
		r := rec
		if off != 0 || n != rec.NumRows() {
			r = rec.NewSlice(off, off+n)
		}
		w.err = w.cur.write(r)
		if r != rec {
			r.Release()
		}
		if w.err != nil {
			return w.err
		}
		off += n
		if w.cur.rows >= int64(w.s.opts.FileRows) {
			if w.err = w.finishFile(); w.err != nil {
				return w.err
			}
		}
	}
	return nil
}

func (w *FileWriter) finishFile() error {
	pf := w.cur
	w.cur = nil
	p, err := pf.finish()
	if err != nil {
		return err
	}
	w.parts = append(w.parts, p)
	return nil
}

// Finish closes the last file and returns the parts written, in order (none
// if no rows were written). The files are durable but unpublished.
func (w *FileWriter) Finish() ([]Part, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.done {
		return nil, errors.New("storage: FileWriter already finished")
	}
	w.done = true
	if w.cur != nil {
		if err := w.finishFile(); err != nil {
			w.err = err
			return nil, err
		}
	}
	return w.parts, nil
}

// Abort deletes every file of the writer that has not been published (by
// AddParts, or by the transaction that owns it). Safe to call more than once
// and after Finish.
func (w *FileWriter) Abort() {
	w.done = true
	if w.cur != nil {
		w.cur.abort()
		w.cur = nil
	}
	s := w.s
	var del []string
	s.mu.Lock()
	for _, p := range w.parts {
		owner, ok := s.inflight[p.file]
		if !ok || owner != w.owner || (w.owner != nil && w.kept) {
			continue // published, or handed to the owning tx
		}
		delete(s.inflight, p.file)
		del = append(del, p.file)
	}
	s.mu.Unlock()
	for _, f := range del {
		os.Remove(s.path(f))
	}
	w.parts = nil
}

// checkFields reports whether got can be written as want: same field names
// and types in the same order (nullability and metadata may differ).
func checkFields(got, want *arrow.Schema) error {
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("%w: %d fields, want %d", ErrSchema, got.NumFields(), want.NumFields())
	}
	for i, f := range got.Fields() {
		w := want.Field(i)
		if f.Name != w.Name || !arrow.TypeEqual(f.Type, w.Type) {
			return fmt.Errorf("%w: field %d is %s %s, want %s %s", ErrSchema, i, f.Name, f.Type, w.Name, w.Type)
		}
	}
	return nil
}

// partFile is one Parquet file being written: temp name, then fsync and
// rename by finish. It is registered in Store.inflight from creation so
// Check does not call it garbage.
type partFile struct {
	s    *Store
	name string
	f    *os.File
	bw   *bufio.Writer
	crc  hash.Hash32 // of every byte written
	w    *pqarrow.FileWriter
	pq   *arrow.Schema
	rows int64
}

func (s *Store) newPartFile(pq *arrow.Schema, intervals string, owner *Tx) (*partFile, error) {
	name := newFileName()
	s.mu.Lock()
	s.inflight[name] = owner
	s.mu.Unlock()
	pf := &partFile{s: s, name: name, pq: pq}
	var err error
	pf.f, err = os.OpenFile(s.path(name)+tmpExt, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		pf.abort()
		return nil, fmt.Errorf("storage: %w", err)
	}
	pf.crc = crc32.New(castagnoli)
	pf.bw = bufio.NewWriterSize(io.MultiWriter(pf.f, pf.crc), 1<<20)
	pf.w, err = pqarrow.NewFileWriter(pq, pf.bw, s.writerProps(pq), s.arrowWriterProps())
	if err == nil && intervals != "" {
		err = pf.w.AppendKeyValueMetadata(intervalColumnsKey, intervals)
	}
	if err != nil {
		pf.abort()
		return nil, fmt.Errorf("storage: %w", err)
	}
	return pf, nil
}

func (pf *partFile) write(rec arrow.Record) error {
	r := toParquetRecord(rec, pf.pq)
	defer r.Release()
	if err := pf.w.WriteBuffered(r); err != nil {
		return fmt.Errorf("storage: write %s: %w", pf.name, err)
	}
	pf.rows += rec.NumRows()
	return nil
}

// finish makes the file durable under its final name. On error the file is
// removed.
func (pf *partFile) finish() (Part, error) {
	s := pf.s
	err := pf.w.Close()
	pf.w = nil
	if err == nil {
		err = pf.bw.Flush()
	}
	if err == nil && !s.opts.NoSync {
		err = pf.f.Sync()
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = pf.f.Stat(); err == nil {
			size = st.Size()
		}
	}
	if cerr := pf.f.Close(); err == nil {
		err = cerr
	}
	pf.f = nil
	if err == nil {
		err = os.Rename(s.path(pf.name)+tmpExt, s.path(pf.name))
	}
	if err == nil {
		err = s.syncDir()
	}
	if err != nil {
		pf.abort()
		return Part{}, fmt.Errorf("storage: write %s: %w", pf.name, err)
	}
	return Part{file: pf.name, rows: pf.rows, bytes: size, crc: pf.crc.Sum32()}, nil
}

func (pf *partFile) abort() {
	s := pf.s
	if pf.w != nil {
		pf.w.Close()
		pf.w = nil
	}
	if pf.f != nil {
		pf.f.Close()
		pf.f = nil
	}
	os.Remove(s.path(pf.name) + tmpExt)
	os.Remove(s.path(pf.name))
	s.mu.Lock()
	delete(s.inflight, pf.name)
	s.mu.Unlock()
}

// Parquet (pqarrow) cannot store Arrow's month_day_nano interval. Its
// 16-byte layout is that of fixed_size_binary(16), so such columns are
// stored as that, and the file's key-value metadata lists them (a JSON array
// of field names) so reads restore the type.
//
// pqarrow's own stored Arrow schema (WithStoreSchema) is not used: it is an
// IPC message whose lengths the IPC decoder trusts, so one damaged footer
// byte could make a read allocate terabytes. Every other type sharehouse
// uses (sqltype) round-trips through Parquet's logical types.
const intervalColumnsKey = "sharehouse.interval_columns"

// toParquetSchema returns the schema a Parquet file of s is written with:
// every field nullable (a caller's non-null claim is not re-checked here),
// intervals as fixed_size_binary(16). It also returns the interval fields.
func toParquetSchema(s *arrow.Schema) (*arrow.Schema, []string) {
	fields := make([]arrow.Field, s.NumFields())
	var intervals []string
	for i, f := range s.Fields() {
		f.Nullable = true
		f.Metadata = arrow.Metadata{}
		if f.Type.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
			f.Type = &arrow.FixedSizeBinaryType{ByteWidth: 16}
			intervals = append(intervals, f.Name)
		}
		fields[i] = f
	}
	return arrow.NewSchema(fields, nil), intervals
}

// toParquetRecord relabels rec's columns with the Parquet schema pq (no
// copy). The caller releases the result.
func toParquetRecord(rec arrow.Record, pq *arrow.Schema) arrow.Record {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		if want := pq.Field(i).Type; !arrow.TypeEqual(c.DataType(), want) {
			cols[i] = retype(c, want)
			defer cols[i].Release()
		} else {
			cols[i] = c
		}
	}
	return array.NewRecord(pq, cols, rec.NumRows())
}

// retype views a's buffers as another type of the same layout. The caller
// releases the result.
func retype(a arrow.Array, t arrow.DataType) arrow.Array {
	d := a.Data()
	nd := array.NewData(t, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

// encodeInline encodes recs (one schema) as an Arrow IPC stream holding a
// single record batch (so that reading an inline part costs one batch),
// followed by the CRC-32C of the stream. The checksum is checked before the
// IPC decoder sees the bytes: that decoder trusts the lengths it reads (a
// damaged blob can make it allocate terabytes), and bbolt checksums nothing.
func encodeInline(mem memory.Allocator, recs []arrow.Record) ([]byte, int64, error) {
	rec, err := concatRecords(mem, recs)
	if err != nil {
		return nil, 0, err
	}
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		w.Close()
		return nil, 0, fmt.Errorf("storage: encode inline rows: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, 0, fmt.Errorf("storage: encode inline rows: %w", err)
	}
	buf.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(buf.Bytes(), castagnoli)))
	return buf.Bytes(), rec.NumRows(), nil
}

// concatRecords returns one record holding the rows of recs in order. The
// caller releases it.
func concatRecords(mem memory.Allocator, recs []arrow.Record) (arrow.Record, error) {
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil
	}
	schema := recs[0].Schema()
	var rows int64
	for _, r := range recs {
		if !r.Schema().Equal(schema) {
			return nil, fmt.Errorf("%w: records of one part must share a schema", ErrSchema)
		}
		rows += r.NumRows()
	}
	cols := make([]arrow.Array, schema.NumFields())
	defer releaseAll(cols)
	parts := make([]arrow.Array, len(recs))
	for i := range cols {
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, fmt.Errorf("storage: concatenate: %w", err)
		}
		cols[i] = c
	}
	return array.NewRecord(schema, cols, rows), nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type releaser interface{ Release() }

func releaseAll[T releaser](xs []T) {
	for _, x := range xs {
		if any(x) != nil {
			x.Release()
		}
	}
}
