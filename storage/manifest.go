package storage

import (
	"encoding/binary"
	"fmt"
)

// TableID names a table's data. The caller (the catalog) chooses it; storage
// never sees table names.
type TableID uint64

// PartID names one part of a table. Part IDs are unique across the whole
// store and never reused, so "the part with ID p is still in the manifest"
// means "the same rows are still there" (the compactor relies on this).
type PartID uint64

// partKind says where a part's rows live.
type partKind byte

const (
	kindInline partKind = 1 // Arrow IPC stream in bucket storage.inline
	kindFile   partKind = 2 // Parquet file in data/
)

// partMeta is one entry of a manifest.
type partMeta struct {
	ID    PartID
	Kind  partKind
	Rows  int64
	Bytes int64  // blob or file size
	File  string // base name in data/, file parts only
	CRC   uint32 // CRC-32C of the whole file, file parts only
}

// manifest is the committed description of one table: its version and its
// ordered parts. Stored in bucket storage.tables under the table ID.
type manifest struct {
	Version uint64
	Parts   []partMeta
}

const manifestFormat = 1

func (m *manifest) encode() []byte {
	b := make([]byte, 0, 16+len(m.Parts)*24)
	b = append(b, manifestFormat)
	b = binary.AppendUvarint(b, m.Version)
	b = binary.AppendUvarint(b, uint64(len(m.Parts)))
	for _, p := range m.Parts {
		b = binary.AppendUvarint(b, uint64(p.ID))
		b = append(b, byte(p.Kind))
		b = binary.AppendUvarint(b, uint64(p.Rows))
		b = binary.AppendUvarint(b, uint64(p.Bytes))
		if p.Kind == kindFile {
			b = binary.AppendUvarint(b, uint64(len(p.File)))
			b = append(b, p.File...)
			b = binary.LittleEndian.AppendUint32(b, p.CRC)
		}
	}
	return b
}

// decodeManifest parses an encoded manifest. It copies everything it keeps,
// so b may be bbolt memory.
func decodeManifest(b []byte) (*manifest, error) {
	bad := func(what string) (*manifest, error) {
		return nil, fmt.Errorf("%w: manifest: %s", ErrCorrupt, what)
	}
	if len(b) < 1 || b[0] != manifestFormat {
		return bad("unknown format")
	}
	b = b[1:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	m := &manifest{}
	var ok bool
	if m.Version, ok = next(); !ok {
		return bad("version")
	}
	n, ok := next()
	if !ok || n > uint64(len(b)) {
		return bad("part count")
	}
	m.Parts = make([]partMeta, 0, n)
	for i := uint64(0); i < n; i++ {
		var p partMeta
		id, ok := next()
		if !ok || len(b) < 1 {
			return bad("part id")
		}
		p.ID = PartID(id)
		p.Kind = partKind(b[0])
		b = b[1:]
		rows, ok1 := next()
		size, ok2 := next()
		if !ok1 || !ok2 || rows > 1<<62 || size > 1<<62 {
			return bad("part size")
		}
		p.Rows, p.Bytes = int64(rows), int64(size)
		switch p.Kind {
		case kindInline:
		case kindFile:
			l, ok := next()
			if !ok || l > uint64(len(b)) || l == 0 {
				return bad("file name")
			}
			p.File = string(b[:l])
			b = b[l:]
			if !validFileName(p.File) || len(b) < 4 {
				return bad("file name")
			}
			p.CRC = binary.LittleEndian.Uint32(b)
			b = b[4:]
		default:
			return bad("part kind")
		}
		m.Parts = append(m.Parts, p)
	}
	if len(b) != 0 {
		return bad("trailing bytes")
	}
	return m, nil
}

func (m *manifest) rows() int64 {
	var n int64
	for _, p := range m.Parts {
		n += p.Rows
	}
	return n
}

func (m *manifest) index(id PartID) int {
	for i, p := range m.Parts {
		if p.ID == id {
			return i
		}
	}
	return -1
}

func tableKey(id TableID) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(id))
}

func inlineKey(t TableID, p PartID) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(t))
	binary.BigEndian.PutUint64(k[8:], uint64(p))
	return k
}
