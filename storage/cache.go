package storage

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
)

// Decoding Parquet is most of what a scan costs, and Parquet files never
// change once written: the Store keeps the Arrow columns it decoded, per
// row group and field, in a cache bounded in bytes (Options.CacheBytes)
// and evicted least recently used first. A query that finds every column
// of a row group there skips the file altogether. The arrays are shared
// read-only by every reader: Arrow arrays are immutable and reference
// counted, so an entry evicted while a query still holds it lives until
// that query releases it.

// columnKey names one decoded column: a field (by the name and type the
// reader asked for) of one row group of one file.
type columnKey struct {
	file     string
	rowGroup int
	field    string
	typ      string // arrow.DataType fingerprint: a field read as another type is another entry
}

type columnEntry struct {
	key  columnKey
	arr  arrow.Array // holds one reference for the cache
	size int64
}

// columnCache is safe for concurrent use.
type columnCache struct {
	limit int64 // bytes; 0 disables the cache

	mu    sync.Mutex
	used  int64
	items map[columnKey]*list.Element // of *columnEntry
	lru   list.List                   // front: most recently used

	hits, misses atomic.Int64 // row groups served from the cache or decoded
}

func newColumnCache(limit int64) *columnCache {
	return &columnCache{limit: max(limit, 0), items: map[columnKey]*list.Element{}}
}

func (c *columnCache) enabled() bool { return c != nil && c.limit > 0 }

func keyOf(file string, rowGroup int, f arrow.Field) columnKey {
	return columnKey{file: file, rowGroup: rowGroup, field: f.Name, typ: f.Type.Fingerprint()}
}

// getAll returns the cached columns of a row group for every field, each
// retained for the caller, or nil when any one is missing.
func (c *columnCache) getAll(file string, rowGroup int, fields []arrow.Field) []arrow.Array {
	c.mu.Lock()
	defer c.mu.Unlock()
	els := make([]*list.Element, len(fields))
	for i, f := range fields {
		el, ok := c.items[keyOf(file, rowGroup, f)]
		if !ok {
			return nil
		}
		els[i] = el
	}
	out := make([]arrow.Array, len(fields))
	for i, el := range els {
		c.lru.MoveToFront(el)
		out[i] = el.Value.(*columnEntry).arr
		out[i].Retain()
	}
	return out
}

// hasAll reports whether every field of a row group is cached.
func (c *columnCache) hasAll(file string, rowGroup int, fields []arrow.Field) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range fields {
		if _, ok := c.items[keyOf(file, rowGroup, f)]; !ok {
			return false
		}
	}
	return true
}

// put caches the columns of a row group (retaining them), evicting the
// least recently used entries beyond the limit. A column larger than the
// whole cache is not kept.
func (c *columnCache) put(file string, rowGroup int, fields []arrow.Field, cols []arrow.Array) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range fields {
		k := keyOf(file, rowGroup, f)
		if el, ok := c.items[k]; ok { // decoded by a concurrent scan too
			c.lru.MoveToFront(el)
			continue
		}
		size := arraySize(cols[i].Data())
		if size > c.limit {
			continue
		}
		cols[i].Retain()
		c.items[k] = c.lru.PushFront(&columnEntry{key: k, arr: cols[i], size: size})
		c.used += size
	}
	for c.used > c.limit {
		c.removeLocked(c.lru.Back())
	}
}

func (c *columnCache) removeLocked(el *list.Element) {
	e := c.lru.Remove(el).(*columnEntry)
	delete(c.items, e.key)
	c.used -= e.size
	e.arr.Release()
}

// dropFile forgets a file's columns (the file was deleted).
func (c *columnCache) dropFile(file string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*columnEntry).key.file == file {
			c.removeLocked(el)
		}
		el = next
	}
}

// clear releases every entry.
func (c *columnCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back())
	}
}

// arraySize is the memory an array's buffers take, children and
// dictionary included.
func arraySize(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, ch := range d.Children() {
		n += arraySize(ch)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += arraySize(d.Dictionary())
	}
	return n
}

// CacheStats describes the decoded-column cache.
type CacheStats struct {
	LimitBytes, UsedBytes int64
	Columns               int
	// Hits and Misses count row groups a scan found fully cached or had to
	// decode, since Open.
	Hits, Misses int64
}

// CacheStats reports the decoded-column cache's size and use.
func (s *Store) CacheStats() CacheStats {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{LimitBytes: c.limit, UsedBytes: c.used, Columns: c.lru.Len(), Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// ReadCounts tells how a scan's Parquet row groups were read: found whole
// in the column cache, or decoded from their file. Scans of the cache
// implement it (EXPLAIN ANALYZE shows it).
type ReadCounts interface {
	RowGroupsRead() (cached, decoded int64)
}

// scanCounts accumulates a scan's row groups over its units, which may
// be read on several goroutines.
type scanCounts struct {
	cached, decoded atomic.Int64
}

func (c *scanCounts) RowGroupsRead() (cached, decoded int64) {
	return c.cached.Load(), c.decoded.Load()
}
