package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/parquet/file"
)

// A scan of more than one unit of work decodes on several goroutines and
// hands the batches out in table order, so the plan above sees what a
// sequential scan would show while Parquet decoding uses every core.

// scanUnit is what one decoding goroutine reads at a time: an inline part,
// or consecutive row groups of a Parquet part, about unitRows rows.
type scanUnit struct {
	part      int
	rowGroups []int // nil for an inline part
}

// unitRows is the size a unit of row groups grows to: row groups are
// small so that statistics can skip finely, units large so that opening
// one costs little against decoding it. A variable for tests.
var unitRows int64 = 128 * 1024

// unitBatch is one decoded batch of a unit (retained for the consumer) or
// the error that ended the unit.
type unitBatch struct {
	rec arrow.Record
	err error
}

const (
	// unitBuffer is how many decoded batches of a unit may wait: a unit is
	// about four row groups, a batch at most one.
	unitBuffer = 4
	// scanWindowPerWorker bounds the units decoded ahead of the consumer.
	scanWindowPerWorker = 2
)

// scanWorkers is how many goroutines decode one scan.
func scanWorkers() int { return runtime.GOMAXPROCS(0) }

// units lists the units of work of a scan in table order: every row group
// of part i, or those keep[i] lists (see ScanSelected).
func (sn *Snapshot) units(keep [][]int) ([]scanUnit, error) {
	var us []scanUnit
	for i, p := range sn.parts {
		var sel []int
		if keep != nil {
			sel = keep[i]
		}
		if p.meta.Kind == kindInline {
			if sel == nil || slices.Contains(sel, 0) {
				us = append(us, scanUnit{part: i})
			}
			continue
		}
		rows, err := sn.s.rowGroupRows(p.meta)
		if err != nil {
			return nil, err
		}
		if sel == nil {
			sel = make([]int, len(rows))
			for g := range sel {
				sel[g] = g
			}
		}
		var cur []int
		var n int64
		for k, g := range sel {
			if g < 0 || g >= len(rows) {
				return nil, fmt.Errorf("%w: data file %s has no row group %d", ErrNotFound, p.meta.File, g)
			}
			// A unit is consecutive row groups: a gap starts a new one.
			if len(cur) > 0 && (n >= unitRows || sel[k-1] != g-1) {
				us = append(us, scanUnit{part: i, rowGroups: cur})
				cur, n = nil, 0
			}
			cur = append(cur, g)
			n += rows[g]
		}
		if len(cur) > 0 {
			us = append(us, scanUnit{part: i, rowGroups: cur})
		}
	}
	return us, nil
}

// rowGroupRows reads (once per file and process) the row counts of a
// Parquet part's row groups.
func (s *Store) rowGroupRows(p partMeta) (rows []int64, err error) {
	s.mu.Lock()
	rows, ok := s.rowGroups[p.File]
	s.mu.Unlock()
	if ok {
		return rows, nil
	}
	f, err := s.openVerified(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer guard("data file "+p.File, &err)
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("%w: data file %s: %v", ErrCorrupt, p.File, err)
	}
	rows = make([]int64, pr.NumRowGroups())
	for g := range rows {
		rows[g] = pr.MetaData().RowGroup(g).NumRows()
	}
	s.keepFooter(p.File, pr.MetaData())
	s.mu.Lock()
	s.rowGroups[p.File] = rows
	s.mu.Unlock()
	return rows, nil
}

func (sn *Snapshot) openUnit(u scanUnit, schema *arrow.Schema, counts *scanCounts) (RecordIterator, error) {
	if u.rowGroups == nil {
		return sn.openPart(u.part, schema)
	}
	if sn.s.cache.enabled() && schema.NumFields() > 0 {
		return sn.s.openCached(sn.parts[u.part].meta, schema, u.rowGroups, counts)
	}
	return sn.s.openFile(sn.parts[u.part].meta, schema, u.rowGroups)
}

// parallelIter is the iterator of a scan decoded on several goroutines.
// Workers claim units in order; a unit's batches go to its own channel,
// which the consumer drains in unit order. A worker blocks only on its own
// unit's channel, and the unit the consumer waits for is always claimed
// (claims go in order), so the pipeline cannot deadlock; the window of
// claimed-but-unconsumed units bounds memory.
type parallelIter struct {
	scanCounts
	sn     *Snapshot
	schema *arrow.Schema
	units  []scanUnit
	outs   []chan unitBatch
	window chan struct{} // one token per claimed, unconsumed unit
	claim  atomic.Int64  // next unit to claim
	cur    int           // unit being consumed
	last   arrow.Record  // returned by the last Next
	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

func newParallelIter(sn *Snapshot, schema *arrow.Schema, units []scanUnit, workers int) *parallelIter {
	ctx, stop := context.WithCancel(context.Background())
	it := &parallelIter{
		sn: sn, schema: schema, units: units, stop: stop,
		outs:   make([]chan unitBatch, len(units)),
		window: make(chan struct{}, workers*scanWindowPerWorker),
	}
	for i := range it.outs {
		it.outs[i] = make(chan unitBatch, unitBuffer)
	}
	workers = min(workers, len(units))
	it.wg.Add(workers)
	for range workers {
		go it.work(ctx)
	}
	return it
}

func (it *parallelIter) work(ctx context.Context) {
	defer it.wg.Done()
	for {
		select {
		case it.window <- struct{}{}:
		case <-ctx.Done():
			return
		}
		i := int(it.claim.Add(1) - 1)
		if i >= len(it.units) {
			<-it.window
			return
		}
		it.decode(ctx, i)
	}
}

// decode reads unit i into its channel and closes it.
func (it *parallelIter) decode(ctx context.Context, i int) {
	out := it.outs[i]
	defer close(out)
	send := func(b unitBatch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			if b.rec != nil {
				b.rec.Release()
			}
			return false
		}
	}
	src, err := it.sn.openUnit(it.units[i], it.schema, &it.scanCounts)
	if err != nil {
		send(unitBatch{err: err})
		return
	}
	defer src.Close()
	for {
		rec, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			send(unitBatch{err: err})
			return
		}
		rec.Retain()
		if !send(unitBatch{rec: rec}) {
			return
		}
	}
}

func (it *parallelIter) Schema() *arrow.Schema { return it.schema }

func (it *parallelIter) Next(ctx context.Context) (arrow.Record, error) {
	if it.closed {
		return nil, errors.New("storage: iterator closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if it.last != nil {
		it.last.Release()
		it.last = nil
	}
	for it.cur < len(it.units) {
		select {
		case b, ok := <-it.outs[it.cur]:
			if !ok {
				it.cur++
				<-it.window
				continue
			}
			if b.err != nil {
				return nil, b.err
			}
			it.last = b.rec
			return b.rec, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, io.EOF
}

func (it *parallelIter) Close() {
	if it.closed {
		return
	}
	it.closed = true
	if it.last != nil {
		it.last.Release()
		it.last = nil
	}
	it.stop() // workers blocked on a full channel or the window see it
	it.wg.Wait()
	for _, ch := range it.outs[it.cur:] {
		drainUnit(ch)
	}
	it.sn.unref()
}

// drainUnit releases what a finished unit's channel still holds.
func drainUnit(ch chan unitBatch) {
	for {
		select {
		case b, ok := <-ch:
			if !ok {
				return
			}
			if b.rec != nil {
				b.rec.Release()
			}
		default:
			return
		}
	}
}
