package executor

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// copyTo runs COPY table|(query) TO STDOUT: the rows of a query, encoded
// in the requested format, one CopyData per row.
func (x *execution) copyTo(cs *pg.CopyStmt, opts copyOptions) (Result, error) {
	var sel *pg.SelectStmt
	if cs.Query != nil {
		sel = cs.Query.GetSelectStmt()
		if sel == nil {
			return Result{}, notSupported("COPY (statement) TO supports only SELECT")
		}
	} else {
		if err := x.refuseViewCopy(cs.Relation); err != nil {
			return Result{}, err
		}
		sel = &pg.SelectStmt{Op: pg.SetOperation_SETOP_NONE, FromClause: []*pg.Node{{Node: &pg.Node_RangeVar{RangeVar: cs.Relation}}}}
		if len(cs.Attlist) == 0 {
			sel.TargetList = []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Fields: []*pg.Node{{Node: &pg.Node_AStar{AStar: &pg.A_Star{}}}}}}}}}}}
		}
		for _, a := range cs.Attlist {
			sel.TargetList = append(sel.TargetList, &pg.Node{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Fields: []*pg.Node{a}}}}}}})
		}
	}
	p, err := x.planQuery(sel)
	if err != nil {
		return Result{}, err
	}
	enc, err := newCopyEncoder(opts, p.cols, x.s.settings.format())
	if err != nil {
		p.release()
		return Result{}, err
	}
	out := &copyOutStream{p: p, enc: enc, s: x.s}
	var sent Sent
	return Result{Tag: "COPY", CopyOut: &CopyOut{
		Binary:     opts.format == "binary",
		Columns:    len(p.cols),
		Next:       out.next,
		RecordSent: func(s Sent) { sent = s },
		Close: func(cause error) error {
			p.release()
			return x.audit("COPY", out.Rows, sent.Bytes, translate(cause))
		},
		Tag: func() string { return fmt.Sprintf("COPY %d", out.Rows) },
	}}, nil
}

// copyOutStream yields CopyData payloads: a header, one per row, a trailer.
type copyOutStream struct {
	s       *Session
	p       *plan
	enc     *copyEncoder
	rec     arrow.Record
	row     int
	started bool
	ended   bool
	Rows    int64
}

func (s *copyOutStream) next(ctx context.Context) ([]byte, error) {
	if !s.started {
		s.started = true
		if h := s.enc.header(); h != nil {
			return h, nil
		}
	}
	for s.rec == nil || s.row >= int(s.rec.NumRows()) {
		if s.ended {
			return nil, io.EOF
		}
		rec, err := s.p.root.next(ctx)
		if errEOF(err) {
			s.ended = true
			if t := s.enc.trailer(); t != nil {
				return t, nil
			}
			return nil, io.EOF
		}
		if err != nil {
			s.s.statementFailed()
			return nil, translate(err)
		}
		s.rec, s.row = rec, 0
	}
	b := s.enc.row(nil, s.rec, s.row)
	s.row++
	s.Rows++
	return b, nil
}

// copyEncoder writes rows in COPY's text, CSV or binary format.
type copyEncoder struct {
	opts copyOptions
	cols []opColumn
	text []sqltype.Encoder
	bin  []sqltype.Encoder
	dts  []arrow.DataType
	fmt  sqltype.Format
}

func newCopyEncoder(opts copyOptions, cols []opColumn, f sqltype.Format) (*copyEncoder, error) {
	e := &copyEncoder{opts: opts, cols: cols, fmt: f}
	return e, nil
}

func (e *copyEncoder) header() []byte {
	switch {
	case e.opts.format == "binary":
		b := append([]byte{}, binarySignature...)
		b = binary.BigEndian.AppendUint32(b, 0)
		return binary.BigEndian.AppendUint32(b, 0)
	case e.opts.format == "csv" && e.opts.header:
		var b []byte
		for i, c := range e.cols {
			if i > 0 {
				b = append(b, e.opts.delimiter)
			}
			b = e.csvField(b, []byte(c.name))
		}
		return append(b, '\n')
	}
	return nil
}

func (e *copyEncoder) trailer() []byte {
	if e.opts.format == "binary" {
		return []byte{0xff, 0xff}
	}
	return nil
}

// encoders are made per batch type, since numeric's Arrow type may vary.
func (e *copyEncoder) ensure(rec arrow.Record) {
	same := len(e.dts) == int(rec.NumCols())
	for i := 0; same && i < len(e.dts); i++ {
		same = arrow.TypeEqual(e.dts[i], rec.Column(i).DataType())
	}
	if same {
		return
	}
	e.dts = e.dts[:0]
	e.text, e.bin = nil, nil
	for i, c := range e.cols {
		dt := rec.Column(i).DataType()
		e.dts = append(e.dts, dt)
		if e.opts.format == "binary" {
			enc, err := sqltype.BinaryEncoder(c.t, dt)
			if err != nil {
				enc = func(buf []byte, arr arrow.Array, i int) []byte { return buf }
			}
			e.bin = append(e.bin, enc)
		} else {
			enc, err := sqltype.TextEncoder(c.t, dt, e.fmt)
			if err != nil {
				enc = func(buf []byte, arr arrow.Array, i int) []byte { return append(buf, fmt.Sprint(arr.ValueStr(i))...) }
			}
			e.text = append(e.text, enc)
		}
	}
}

func (e *copyEncoder) row(b []byte, rec arrow.Record, r int) []byte {
	e.ensure(rec)
	if e.opts.format == "binary" {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.cols)))
		for i := range e.cols {
			col := rec.Column(i)
			if col.IsNull(r) {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
				continue
			}
			at := len(b)
			b = append(b, 0, 0, 0, 0)
			b = e.bin[i](b, col, r)
			binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
		}
		return b
	}
	var val []byte
	for i := range e.cols {
		if i > 0 {
			b = append(b, e.opts.delimiter)
		}
		col := rec.Column(i)
		if col.IsNull(r) {
			b = append(b, e.opts.null...)
			continue
		}
		val = e.text[i](val[:0], col, r)
		if e.opts.format == "csv" {
			b = e.csvField(b, val)
		} else {
			b = e.textField(b, val)
		}
	}
	return append(b, '\n')
}

func (e *copyEncoder) textField(b, v []byte) []byte {
	for _, c := range v {
		switch c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c == e.opts.delimiter {
				b = append(b, '\\', c)
			} else {
				b = append(b, c)
			}
		}
	}
	return b
}

func (e *copyEncoder) csvField(b, v []byte) []byte {
	need := len(v) == 0 && e.opts.null == "" || string(v) == e.opts.null
	for _, c := range v {
		if c == e.opts.delimiter || c == e.opts.quote || c == '\n' || c == '\r' || c == e.opts.escape {
			need = true
			break
		}
	}
	if !need {
		return append(b, v...)
	}
	b = append(b, e.opts.quote)
	for _, c := range v {
		if c == e.opts.quote || c == e.opts.escape {
			b = append(b, e.opts.escape)
		}
		b = append(b, c)
	}
	return append(b, e.opts.quote)
}
