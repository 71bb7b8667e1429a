package executor

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/catalog"
)

// loader collects the batches a statement writes into one table (COPY,
// INSERT … SELECT, INSERT … VALUES). Small writes stay in memory and are
// appended inline at publish; once they pass loadInlineRows they stream
// into data files with large row groups, written before the catalog's
// writer is needed, so a big load holds it only to publish.
type loader struct {
	t       catalog.Table
	schema  *arrow.Schema
	cat     *catalog.Catalog
	pending []arrow.Record
	rows    int64
	fw      *catalog.FileWriter
	parts   []catalog.Part
}

// loadInlineRows is the most rows a load keeps in memory for inline storage.
const loadInlineRows = 16 * 1024

func newLoader(cat *catalog.Catalog, t catalog.Table, schema *arrow.Schema) *loader {
	return &loader{t: t, schema: schema, cat: cat}
}

// add takes ownership of rec.
func (l *loader) add(ctx context.Context, rec arrow.Record) error {
	l.rows += rec.NumRows()
	if l.fw == nil && l.rows <= loadInlineRows {
		l.pending = append(l.pending, rec)
		return nil
	}
	defer rec.Release()
	if l.fw == nil {
		fw, err := l.cat.NewFileWriter(ctx, l.schema)
		if err != nil {
			return err
		}
		l.fw = fw
		for _, p := range l.pending {
			if err := fw.Write(p); err != nil {
				return err
			}
		}
		releaseAll(l.pending)
		l.pending = nil
	}
	return l.fw.Write(rec)
}

// finish completes the data files; call before taking the writer.
func (l *loader) finish() error {
	if l.fw == nil {
		return nil
	}
	parts, err := l.fw.Finish()
	l.parts = parts
	return err
}

// publish adds the rows to the table in tx.
func (l *loader) publish(ctx context.Context, tx *catalog.Tx) error {
	for _, p := range l.pending {
		if err := tx.Append(ctx, l.t, p); err != nil {
			return err
		}
	}
	if len(l.parts) > 0 {
		if err := tx.AddParts(l.t, l.parts...); err != nil {
			return err
		}
		l.parts = nil // published: no longer the loader's to delete
	}
	return nil
}

// close releases what the load holds; unpublished files are deleted.
func (l *loader) close() {
	releaseAll(l.pending)
	l.pending = nil
	if l.fw != nil {
		l.fw.Abort()
	}
}
