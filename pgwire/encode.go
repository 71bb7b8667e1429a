package pgwire

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Wire format codes.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// rowDescription describes cols sent in formats (one per column).
func rowDescription(cols []executor.Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		f := formatText
		if formats != nil {
			f = formats[i]
		}
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.AttNum),
			DataTypeOID:          uint32(col.Type.OID),
			DataTypeSize:         col.Type.Len(),
			TypeModifier:         col.Type.Typmod,
			Format:               f,
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// resultFormats expands Bind's result format codes to one per column: none
// means all text, one applies to all, otherwise one each.
func resultFormats(codes []int16, n int) ([]int16, error) {
	out := make([]int16, n)
	switch len(codes) {
	case 0:
		return out, nil
	case 1:
		for i := range out {
			out[i] = codes[0]
		}
	case n:
		copy(out, codes)
	default:
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "bind message has %d result formats but query has %d columns", len(codes), n)
	}
	for _, f := range out {
		if f != formatText && f != formatBinary {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	return out, nil
}

// rowEncoder turns the rows of Arrow batches into DataRow messages. It
// keeps one encoder per column, made for the Arrow type the column had in
// the first batch and remade only if a later batch changes it.
type rowEncoder struct {
	cols    []executor.Column
	formats []int16 // per column
	text    sqltype.Format
	encs    []sqltype.Encoder
	types   []arrow.DataType // what encs[i] was made for
	arrs    []arrow.Array    // the current batch's columns
}

func newRowEncoder(cols []executor.Column, formats []int16, text sqltype.Format) *rowEncoder {
	return &rowEncoder{
		cols:    cols,
		formats: formats,
		text:    text,
		encs:    make([]sqltype.Encoder, len(cols)),
		types:   make([]arrow.DataType, len(cols)),
		arrs:    make([]arrow.Array, len(cols)),
	}
}

// setBatch makes rec the batch appendRow reads; rec must stay valid until
// the next setBatch or reset.
func (e *rowEncoder) setBatch(rec arrow.Record) error {
	if int(rec.NumCols()) != len(e.cols) {
		return fmt.Errorf("pgwire: batch has %d columns, result has %d", rec.NumCols(), len(e.cols))
	}
	for i := range e.cols {
		arr := rec.Column(i)
		dt := arr.DataType()
		if e.encs[i] == nil || !arrow.TypeEqual(dt, e.types[i]) {
			enc, err := e.encoder(i, dt)
			if err != nil {
				return err
			}
			e.encs[i], e.types[i] = enc, dt
		}
		e.arrs[i] = arr
	}
	return nil
}

func (e *rowEncoder) encoder(i int, dt arrow.DataType) (sqltype.Encoder, error) {
	t := e.cols[i].Type
	if e.formats[i] == formatBinary {
		return sqltype.BinaryEncoder(t, dt)
	}
	return sqltype.TextEncoder(t, dt, e.text)
}

// reset forgets the current batch (it is about to become invalid).
func (e *rowEncoder) reset() { clear(e.arrs) }

// appendRow appends row i of the current batch to buf as a DataRow
// message. Values are encoded in place; lengths are patched in after.
func (e *rowEncoder) appendRow(buf []byte, i int) []byte {
	start := len(buf)
	buf = append(buf, 'D', 0, 0, 0, 0, byte(len(e.arrs)>>8), byte(len(e.arrs)))
	for c, arr := range e.arrs {
		if arr.IsNull(i) {
			buf = append(buf, 0xff, 0xff, 0xff, 0xff)
			continue
		}
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		buf = e.encs[c](buf, arr, i)
		binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	binary.BigEndian.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
	return buf
}
