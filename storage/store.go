package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/metadata"
	"go.etcd.io/bbolt"
)

// Errors. Check with errors.Is; the returned errors wrap them with the
// table, part or file concerned.
var (
	// ErrNotFound: no table (or part) with that ID.
	ErrNotFound = errors.New("storage: not found")
	// ErrExists: CreateTable of an ID that already exists.
	ErrExists = errors.New("storage: already exists")
	// ErrCorrupt: a data file, inline blob or manifest cannot be decoded, or
	// a referenced file is missing.
	ErrCorrupt = errors.New("storage: corrupt data")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("storage: closed")
	// ErrTxDone: the transaction was already committed or rolled back.
	ErrTxDone = errors.New("storage: transaction done")
	// ErrTxReadOnly: a write through a read-only transaction.
	ErrTxReadOnly = errors.New("storage: read-only transaction")
	// ErrSchema: a requested field exists with another type, or records of
	// one write disagree on their schema.
	ErrSchema = errors.New("storage: schema mismatch")
)

// Bucket names owned by storage. The catalog uses the same bbolt file with
// its own buckets, which must not start with "storage.".
var (
	bucketTables = []byte("storage.tables") // TableID → manifest; its sequence numbers parts
	bucketInline = []byte("storage.inline") // TableID|PartID → Arrow IPC stream
)

const (
	fileExt = ".parquet"
	tmpExt  = ".tmp"
	// maxBatchRows bounds the rows of one record returned by a scan.
	maxBatchRows = 64 * 1024
	// compactParts: this many sealed inline parts trigger a compaction even
	// below CompactRows (parts that cannot merge: schema changes, files between).
	compactParts = 64
)

// Options configure a Store. Start from DefaultOptions.
type Options struct {
	// Logger receives compaction and cleanup events; nil discards them.
	Logger *slog.Logger
	// Allocator for every Arrow buffer storage makes; nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
	// InlineMaxRows: an Append of up to this many rows is stored inline in
	// bbolt (merged with the table's last inline part while that stays within
	// this bound); larger ones are written as Parquet files.
	InlineMaxRows int
	// CompactRows: when a table's sealed inline parts hold more rows than
	// this, the background compactor folds them into Parquet files.
	CompactRows int
	// RowGroupRows is the Parquet row group length: the granularity at
	// which statistics skip data (a 1000-row range of a sorted column
	// decodes one row group); scans group row groups into larger units.
	RowGroupRows int
	// FileRows: a FileWriter starts a new file after this many rows, so a
	// huge load becomes several parts that scans and rewrites handle in
	// parallel.
	FileRows int
	// LockTimeout bounds the wait for the bbolt file lock at Open (another
	// process holding the store).
	LockTimeout time.Duration
	// CacheBytes bounds the decoded Arrow columns kept in memory for
	// scans (see cache.go); 0 keeps none.
	CacheBytes int64
	// NoSync skips every fsync. Tests only: a power loss may lose commits.
	NoSync bool
	// NoCompactor disables the background compactor (CompactNow still
	// works). Tests and benchmarks that want deterministic parts use it.
	NoCompactor bool
}

// DefaultOptions returns the production settings.
func DefaultOptions() Options {
	return Options{
		InlineMaxRows: 1024,
		CompactRows:   16 * 1024,
		RowGroupRows:  32 * 1024,
		FileRows:      1 << 20,
		LockTimeout:   5 * time.Second,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	if o.InlineMaxRows <= 0 {
		o.InlineMaxRows = d.InlineMaxRows
	}
	if o.CompactRows <= 0 {
		o.CompactRows = d.CompactRows
	}
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = d.RowGroupRows
	}
	if o.FileRows <= 0 {
		o.FileRows = d.FileRows
	}
	if o.FileRows < o.RowGroupRows {
		o.FileRows = o.RowGroupRows
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = d.LockTimeout
	}
	return o
}

// initialMmapSize is bbolt's initial mapping of catalog.db (see Open).
const initialMmapSize = 1 << 30

// Store is one storage directory: the bbolt file and the Parquet files.
// It is safe for concurrent use; each Tx is used by one goroutine.
type Store struct {
	dir, dataDir string
	opts         Options
	db           *bbolt.DB
	mem          memory.Allocator
	log          *slog.Logger

	// writer is the single writer slot (capacity 1). A writable Tx holds it
	// from Begin to Commit/Rollback; acquiring it honours ctx, which bbolt's
	// own write lock does not.
	writer chan struct{}

	mu        sync.Mutex
	closed    bool
	seq       uint64                            // number of write commits since Open
	readers   map[*Tx]uint64                    // open read txs → seq at their begin
	pins      map[string]int                    // file → snapshots referencing it
	garbage   map[string]uint64                 // unreferenced file → seq of the commit that dropped it (0: never committed)
	inflight  map[string]*Tx                    // written, not yet in a committed manifest → tx that claimed it (nil: none yet)
	verified  map[string]bool                   // files whose checksum this process checked
	rowGroups map[string][]int64                // rows per row group per file (rowGroupRows)
	stats     map[string][]RowGroupStats        // file and fields → statistics (fileStats); shared, read-only
	footers   map[string]*metadata.FileMetaData // parsed footers of verified files (immutable, so kept)
	pending   map[TableID]bool                  // tables the compactor should look at
	wake      chan struct{}                     // capacity 1: compactor has pending work
	stop      context.CancelFunc                // stops the compactor
	done      chan struct{}                     // closed when the compactor has returned
	compacts  int                               // compactions published (tests)
	cache     *columnCache                      // decoded columns of files; its own lock
}

// Open opens (creating if needed) the store in dir: dir/catalog.db and
// dir/data/. It deletes crash garbage (temp files and files no committed
// manifest references) before returning, and starts the compactor.
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: open: %w", err)
	}
	db, err := bbolt.Open(filepath.Join(dir, "catalog.db"), 0o600, &bbolt.Options{
		Timeout: opts.LockTimeout,
		NoSync:  opts.NoSync,
		// A commit that outgrows the mapping must remap, and waits for
		// every open read transaction to end: a session that commits a
		// write (a nextval reservation) while its statement holds a read
		// transaction would wait for itself. Mapping 1 GiB up front (address
		// space, not memory) keeps commits from remapping until the file is
		// that large, as bbolt documents for this purpose.
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	s := &Store{
		dir:       dir,
		dataDir:   dataDir,
		opts:      opts,
		db:        db,
		mem:       opts.Allocator,
		log:       opts.Logger,
		writer:    make(chan struct{}, 1),
		readers:   map[*Tx]uint64{},
		pins:      map[string]int{},
		garbage:   map[string]uint64{},
		inflight:  map[string]*Tx{},
		pending:   map[TableID]bool{},
		verified:  map[string]bool{},
		rowGroups: map[string][]int64{},
		stats:     map[string][]RowGroupStats{},
		footers:   map[string]*metadata.FileMetaData{},
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		cache:     newColumnCache(opts.CacheBytes),
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketTables, bucketInline} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = s.removeGarbage()
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if opts.NoCompactor {
		close(s.done)
	} else {
		go s.compactLoop(ctx)
	}
	return s, nil
}

// removeGarbage deletes every file in data/ that no committed manifest
// references: temp files of interrupted writes, files of transactions that
// never committed, files dropped by commits whose deletion a crash
// interrupted. It also queues tables whose inline parts need compaction.
func (s *Store) removeGarbage() error {
	referenced := map[string]bool{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTables).ForEach(func(k, v []byte) error {
			m, err := decodeManifest(v)
			if err != nil {
				return fmt.Errorf("table %x: %w", k, err)
			}
			for _, p := range m.Parts {
				if p.Kind == kindFile {
					referenced[p.File] = true
				}
			}
			if len(k) == 8 && needsCompaction(m, s.opts) {
				s.pending[TableID(beUint64(k))] = true
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if len(s.pending) > 0 {
		s.wake <- struct{}{}
	}
	ents, err := os.ReadDir(s.dataDir)
	if err != nil {
		return err
	}
	removed := 0
	for _, e := range ents {
		name := e.Name()
		if referenced[name] {
			continue
		}
		if !strings.HasSuffix(name, fileExt) && !strings.HasSuffix(name, tmpExt) {
			s.log.Warn("storage: unknown file in data directory left alone", "file", name)
			continue
		}
		if err := os.Remove(filepath.Join(s.dataDir, name)); err != nil && !os.IsNotExist(err) {
			return err
		}
		removed++
	}
	if removed > 0 {
		s.log.Info("storage: removed crash garbage", "files", removed)
		if err := s.syncDir(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the compactor, waits for it and closes the bbolt file. Open
// transactions must be ended first (bbolt waits for them).
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.stop()
	<-s.done
	s.cache.clear()
	return s.db.Close()
}

// Dir is the directory the store was opened in.
func (s *Store) Dir() string { return s.dir }

// newFileName returns a fresh random base name for a data file. Random (not a
// counter) so that FileWriters need no transaction to name their files.
func newFileName() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:]) + fileExt
}

func validFileName(name string) bool {
	if len(name) != 32+len(fileExt) || !strings.HasSuffix(name, fileExt) {
		return false
	}
	_, err := hex.DecodeString(name[:32])
	return err == nil
}

func (s *Store) path(name string) string { return filepath.Join(s.dataDir, name) }

func (s *Store) syncDir() error {
	if s.opts.NoSync {
		return nil
	}
	d, err := os.Open(s.dataDir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// pin marks files as used by a snapshot: they are not deleted before unpin.
func (s *Store) pin(files []string) {
	if len(files) == 0 {
		return
	}
	s.mu.Lock()
	for _, f := range files {
		s.pins[f]++
	}
	s.mu.Unlock()
}

func (s *Store) unpin(files []string) {
	if len(files) == 0 {
		return
	}
	s.mu.Lock()
	for _, f := range files {
		if s.pins[f]--; s.pins[f] <= 0 {
			delete(s.pins, f)
		}
	}
	s.mu.Unlock()
	s.sweep()
}

// sweep deletes garbage files that nobody can reach any more: not pinned by
// a snapshot, and not visible to an open read transaction (one that began
// before the commit that dropped the file could still copy a manifest that
// references it and pin it).
func (s *Store) sweep() {
	s.mu.Lock()
	oldest := uint64(math.MaxUint64)
	for _, b := range s.readers {
		oldest = min(oldest, b)
	}
	var del []string
	for f, seq := range s.garbage {
		if s.pins[f] > 0 || seq > oldest {
			continue
		}
		delete(s.garbage, f)
		s.forgetFileLocked(f)
		del = append(del, f)
	}
	s.mu.Unlock()
	for _, f := range del {
		s.cache.dropFile(f)
		if err := os.Remove(s.path(f)); err != nil && !os.IsNotExist(err) {
			// Left for the next Open's cleanup.
			s.log.Warn("storage: delete unreferenced file", "file", f, "err", err)
		}
	}
}

// Check verifies the store's invariants: every file a manifest references
// exists with its recorded size, every inline part has its blob and every
// blob a part, and data/ holds no file that is neither referenced nor being
// written. Meant for tests' t.Cleanup on a quiescent store: a snapshot not
// yet released shows up as an error.
func (s *Store) Check() error {
	referenced := map[string]int64{}
	var errs []error
	err := s.db.View(func(tx *bbolt.Tx) error {
		blobs := map[string]bool{}
		if err := tx.Bucket(bucketInline).ForEach(func(k, v []byte) error {
			blobs[string(k)] = true
			return nil
		}); err != nil {
			return err
		}
		err := tx.Bucket(bucketTables).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				errs = append(errs, fmt.Errorf("bad table key %x", k))
				return nil
			}
			id := TableID(beUint64(k))
			m, err := decodeManifest(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("table %d: %w", id, err))
				return nil
			}
			for _, p := range m.Parts {
				switch p.Kind {
				case kindFile:
					referenced[p.File] = p.Bytes
				case kindInline:
					k := string(inlineKey(id, p.ID))
					if !blobs[k] {
						errs = append(errs, fmt.Errorf("table %d part %d: inline blob missing", id, p.ID))
					}
					delete(blobs, k)
				}
			}
			return nil
		})
		for k := range blobs {
			errs = append(errs, fmt.Errorf("inline blob %x belongs to no part", k))
		}
		return err
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	inflight := map[string]bool{}
	for f := range s.inflight {
		inflight[f] = true
	}
	var pinned []string
	for f := range s.garbage {
		pinned = append(pinned, f)
	}
	s.mu.Unlock()
	for f, size := range referenced {
		st, err := os.Stat(s.path(f))
		if err != nil {
			errs = append(errs, fmt.Errorf("referenced file: %w", err))
		} else if st.Size() != size {
			errs = append(errs, fmt.Errorf("file %s: size %d, manifest says %d", f, st.Size(), size))
		}
	}
	ents, err := os.ReadDir(s.dataDir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		base := strings.TrimSuffix(name, tmpExt)
		if _, ok := referenced[name]; ok || inflight[base] {
			continue
		}
		errs = append(errs, fmt.Errorf("unreferenced file %s", name))
	}
	sort.Strings(pinned)
	for _, f := range pinned {
		errs = append(errs, fmt.Errorf("dropped file %s still pinned by an unreleased snapshot", f))
	}
	if len(errs) > 0 {
		return fmt.Errorf("storage: check: %w", errors.Join(errs...))
	}
	return nil
}

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}
