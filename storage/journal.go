package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Journal is an append-only file of small records, beside the bbolt file,
// for facts that must be durable before they are acknowledged but must not
// wait for the writer slot: the audit of reads. A writable Tx may hold the
// slot for a whole transaction block or a long COPY; a consumer's read
// must not wait for it, and must not cost an fsync of its own either.
//
// Append returns once its record is on disk. One goroutine of the journal
// writes and fsyncs: the records appended while it syncs go out together
// in the next write, so N concurrent Appends share one fsync (group
// commit). The owner moves durable records elsewhere (into a table, in a
// bbolt transaction that also records how far it got) and then calls
// Release; released space is reclaimed by truncating the file, or by
// rewriting the unreleased tail when the file grew large.
//
// File format: frames of [len u32][crc32c u32][seq u64][payload], len
// being that of the payload and the CRC covering seq and payload, all big
// endian. A torn frame at the end (a crash during a write that was never
// acknowledged) is cut off at open.
type Journal struct {
	path   string
	noSync bool

	mu      sync.Mutex
	f       *os.File // owned by the writer goroutine once open
	size    int64    // bytes of complete frames in f
	next    uint64   // the next sequence number
	cur     *journalBatch
	pending []JournalRecord // durable and not released, in order
	reclaim bool            // Release freed something: the writer may shrink the file
	closed  bool
	broken  error         // a failed fsync: nothing more is acknowledged
	wake    chan struct{} // capacity 1: the writer has work
	done    chan struct{} // closed when the writer has returned
}

// JournalRecord is one record and its sequence number. Sequence numbers
// grow by one per Append and continue across restarts.
type JournalRecord struct {
	Seq  uint64
	Data []byte
}

// journalBatch is the records appended while the previous batch was being
// written; done is closed once they are durable (err nil) or failed.
type journalBatch struct {
	buf  []byte
	recs []JournalRecord
	done chan struct{}
	err  error
}

const (
	journalHeader = 16
	// journalMaxRecord bounds one record: a frame claiming more is damage.
	journalMaxRecord = 16 << 20
	// journalRewriteAt: past this size the file is rewritten with only
	// its unreleased records, when Release cannot simply truncate it.
	journalRewriteAt = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// OpenJournal opens (creating if needed) the journal file name in the
// store's directory. Its records with a sequence number above after are
// Pending; records up to after are already applied by the owner, whose own
// transaction recorded after, and new records are numbered past both.
// The caller must Close it.
func (s *Store) OpenJournal(name string, after uint64) (*Journal, error) {
	j := &Journal{path: filepath.Join(s.dir, name), noSync: s.opts.NoSync, next: after + 1,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open journal: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: read journal %s: %w", j.path, err)
	}
	recs, n := decodeJournal(data)
	if n < len(data) {
		// Never acknowledged: the write of these bytes did not finish.
		s.log.Warn("storage: cut a torn record off the journal", "file", j.path, "bytes", len(data)-n)
		if err := f.Truncate(int64(n)); err != nil {
			f.Close()
			return nil, fmt.Errorf("storage: truncate journal: %w", err)
		}
	}
	for _, r := range recs {
		if r.Seq > after {
			j.pending = append(j.pending, r)
		}
		if r.Seq >= j.next {
			j.next = r.Seq + 1
		}
	}
	if _, err := f.Seek(int64(n), io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: open journal: %w", err)
	}
	if err := syncParent(j.path, j.noSync); err != nil { // the file itself must survive
		f.Close()
		return nil, fmt.Errorf("storage: open journal: %w", err)
	}
	j.f, j.size = f, int64(n)
	go j.run()
	return j, nil
}

// decodeJournal returns the complete, intact frames at the start of data
// and the length they take; decoding stops at the first bad frame.
func decodeJournal(data []byte) ([]JournalRecord, int) {
	var out []JournalRecord
	off := 0
	for len(data)-off >= journalHeader {
		n := binary.BigEndian.Uint32(data[off:])
		if n > journalMaxRecord || len(data)-off-journalHeader < int(n) {
			break
		}
		body := data[off+8 : off+journalHeader+int(n)]
		if crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(data[off+4:]) {
			break
		}
		seq := binary.BigEndian.Uint64(body)
		if len(out) > 0 && seq <= out[len(out)-1].Seq {
			break // out of order: not ours
		}
		out = append(out, JournalRecord{Seq: seq, Data: append([]byte(nil), body[8:]...)})
		off += journalHeader + int(n)
	}
	return out, off
}

func appendJournalFrame(buf []byte, seq uint64, data []byte) []byte {
	start := len(buf)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(data)))
	buf = binary.BigEndian.AppendUint32(buf, 0)
	buf = binary.BigEndian.AppendUint64(buf, seq)
	buf = append(buf, data...)
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(buf[start+8:], crcTable))
	return buf
}

// Append writes data as the next record and returns its sequence number
// once it is durable. Safe for concurrent use; data is copied.
func (j *Journal) Append(data []byte) (uint64, error) {
	if len(data) > journalMaxRecord {
		return 0, fmt.Errorf("storage: journal record of %d bytes is too large", len(data))
	}
	j.mu.Lock()
	if j.closed || j.broken != nil {
		err := j.broken
		j.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		return 0, err
	}
	seq := j.next
	j.next++
	b := j.cur
	if b == nil {
		b = &journalBatch{done: make(chan struct{})}
		j.cur = b
	}
	b.buf = appendJournalFrame(b.buf, seq, data)
	b.recs = append(b.recs, JournalRecord{Seq: seq, Data: append([]byte(nil), data...)})
	j.mu.Unlock()
	j.signal()
	<-b.done
	return seq, b.err
}

// Pending returns the durable records not yet released, oldest first. The
// slice is the caller's; the records' Data must not be changed.
func (j *Journal) Pending() []JournalRecord {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]JournalRecord(nil), j.pending...)
}

// Release says that the records up to seq are kept elsewhere now: their
// space may be reclaimed.
func (j *Journal) Release(seq uint64) {
	j.mu.Lock()
	i := 0
	for i < len(j.pending) && j.pending[i].Seq <= seq {
		i++
	}
	if i > 0 {
		j.pending = append(j.pending[:0:0], j.pending[i:]...)
		j.reclaim = true
	}
	j.mu.Unlock()
	if i > 0 {
		j.signal()
	}
}

// Close writes what was appended, stops the writer and closes the file.
// Pending records stay in the file for the next OpenJournal.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	j.mu.Unlock()
	j.signal()
	<-j.done
	return j.f.Close()
}

func (j *Journal) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// run is the writer: it alone touches the file after open.
func (j *Journal) run() {
	defer close(j.done)
	for range j.wake {
		for {
			j.mu.Lock()
			b := j.cur
			j.cur = nil
			j.mu.Unlock()
			if b != nil {
				b.err = j.write(b)
				close(b.done)
				continue // more may have come while this one synced
			}
			j.mu.Lock()
			reclaim, closed := j.reclaim, j.closed
			j.reclaim = false
			j.mu.Unlock()
			if reclaim {
				if err := j.shrink(); err != nil {
					// Not fatal: the file keeps released records, which
					// the owner skips at the next open.
					j.mu.Lock()
					j.reclaim = true
					j.mu.Unlock()
				}
			}
			if closed {
				return
			}
			break
		}
	}
}

// write appends b's frames and syncs them. A failed write is cut off again
// so that the file stays a sequence of whole frames; a failed fsync leaves
// the file's state unknown, so the journal takes nothing more after it.
func (j *Journal) write(b *journalBatch) error {
	j.mu.Lock()
	broken := j.broken
	j.mu.Unlock()
	if broken != nil {
		return broken
	}
	if _, err := j.f.Write(b.buf); err != nil {
		err = fmt.Errorf("storage: write journal: %w", err)
		if terr := j.truncate(j.size); terr != nil {
			j.fail(err)
		}
		return err
	}
	if !j.noSync {
		if err := j.f.Sync(); err != nil {
			err = fmt.Errorf("storage: sync journal: %w", err)
			j.fail(err)
			return err
		}
	}
	j.size += int64(len(b.buf))
	j.mu.Lock()
	j.pending = append(j.pending, b.recs...)
	j.mu.Unlock()
	return nil
}

// fail refuses every later Append: the journal no longer knows what its
// file holds.
func (j *Journal) fail(err error) {
	j.mu.Lock()
	j.broken = err
	j.mu.Unlock()
}

func (j *Journal) truncate(n int64) error {
	if err := j.f.Truncate(n); err != nil {
		return err
	}
	_, err := j.f.Seek(n, io.SeekStart)
	return err
}

// shrink truncates the file when every record in it was released, or
// rewrites it with the unreleased ones when it grew past journalRewriteAt.
// Records appended meanwhile wait in the next batch: only run writes.
func (j *Journal) shrink() error {
	j.mu.Lock()
	keep := append([]JournalRecord(nil), j.pending...)
	j.mu.Unlock()
	if len(keep) == 0 {
		// A lost truncation only brings back released records.
		if err := j.truncate(0); err != nil {
			return err
		}
		j.size = 0
		return nil
	}
	if j.size < journalRewriteAt {
		return nil
	}
	var buf []byte
	for _, r := range keep {
		buf = appendJournalFrame(buf, r.Seq, r.Data)
	}
	tmp := j.path + tmpExt
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(buf)
	if err == nil && !j.noSync {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, j.path)
	}
	if err == nil {
		err = syncParent(j.path, j.noSync)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	j.f.Close()
	j.f, j.size = f, int64(len(buf))
	return nil
}

// syncParent fsyncs the directory holding path, so that its entry for
// path survives a crash.
func syncParent(path string, noSync bool) error {
	if noSync {
		return nil
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(errors.New("sync directory"), err)
	}
	return nil
}
