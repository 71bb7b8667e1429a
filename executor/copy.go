package executor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// copyOptions are COPY's WITH options.
type copyOptions struct {
	format    string // text, csv, binary
	delimiter byte
	null      string
	header    bool
	quote     byte
	escape    byte
}

func parseCopyOptions(opts []*pg.Node) (copyOptions, error) {
	o := copyOptions{format: "text", delimiter: '\t', null: `\N`, quote: '"', escape: '"'}
	delimSet, nullSet, escSet := false, false, false
	for _, n := range opts {
		d := n.GetDefElem()
		val := ""
		if d.Arg != nil {
			if s := d.Arg.GetString_(); s != nil {
				val = s.Sval
			} else if b := d.Arg.GetBoolean(); b != nil {
				val = fmt.Sprint(b.Boolval)
			} else if i := d.Arg.GetInteger(); i != nil {
				val = fmt.Sprint(i.Ival)
			}
		}
		switch d.Defname {
		case "format":
			o.format = strings.ToLower(val)
			if o.format != "text" && o.format != "csv" && o.format != "binary" {
				return o, sqlstate.Errorf(sqlstate.InvalidParameterValue, "COPY format %q not recognized", val)
			}
		case "delimiter":
			if len(val) != 1 {
				return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
			}
			o.delimiter, delimSet = val[0], true
		case "null":
			o.null, nullSet = val, true
		case "header":
			o.header = d.Arg == nil || val == "true" || val == "1" || strings.EqualFold(val, "on") || strings.EqualFold(val, "match")
		case "quote":
			if len(val) != 1 {
				return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY quote must be a single one-byte character")
			}
			o.quote = val[0]
		case "escape":
			if len(val) != 1 {
				return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY escape must be a single one-byte character")
			}
			o.escape, escSet = val[0], true
		case "encoding", "freeze", "force_not_null", "force_null", "force_quote":
			// UTF8 only; the rest does not change what sharehouse stores.
		default:
			return o, sqlstate.Errorf(sqlstate.SyntaxError, "option %q not recognized", d.Defname)
		}
	}
	if o.format == "csv" {
		if !delimSet {
			o.delimiter = ','
		}
		if !nullSet {
			o.null = ""
		}
		if !escSet {
			o.escape = o.quote
		}
	}
	return o, nil
}

func (x *execution) runCopy(cs *pg.CopyStmt) (Result, error) {
	if cs.Filename != "" || cs.IsProgram {
		return Result{}, sqlstate.Errorf(sqlstate.InsufficientPrivilege, "COPY to or from a file is not allowed; use COPY … STDIN/STDOUT or psql's \\copy")
	}
	opts, err := parseCopyOptions(cs.Options)
	if err != nil {
		return Result{}, err
	}
	if !cs.IsFrom {
		return x.copyTo(cs, opts)
	}
	if cs.WhereClause != nil {
		return Result{}, notSupported("COPY FROM … WHERE is not supported yet")
	}
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	t, _, err := rangeVarRef(x, tx, cs.Relation)
	done()
	if err != nil {
		return Result{}, err
	}
	if t.IsView() {
		return Result{}, sqlstate.Errorf(sqlstate.WrongObjectType, "cannot copy to view %q", t.Name).
			WithDetail("Views are read-only in sharehouse.")
	}
	var names []string
	for _, a := range cs.Attlist {
		names = append(names, a.GetString_().GetSval())
	}
	targets, err := targetColumns(t, names)
	if err != nil {
		return Result{}, err
	}
	return Result{CopyIn: &CopyIn{
		Binary:  opts.format == "binary",
		Columns: len(targets),
		Run: func(ctx context.Context, r io.Reader) (Result, error) {
			n, err := x.copyFrom(ctx, t, targets, opts, r)
			if err != nil {
				x.s.statementFailed()
				return Result{}, translate(err)
			}
			return Result{Tag: fmt.Sprintf("COPY %d", n)}, nil
		},
	}}, nil
}

// copyBatchRows is how many rows COPY decodes before writing them.
const copyBatchRows = 64 * 1024

// copyFrom loads rows into t. Big loads are written to data files before
// the write transaction is taken, so the writer is held only to publish;
// either every row is published or none.
func (x *execution) copyFrom(ctx context.Context, t catalog.Table, targets []int, opts copyOptions, r io.Reader) (n int64, err error) {
	x.ctx = ctx
	input := make([]opColumn, len(targets))
	for k, ci := range targets {
		ct := columnType(t.Columns[ci])
		input[k] = opColumn{name: t.Columns[ci].Name, t: ct, dt: ct.Arrow()}
	}
	w, err := x.newTableWriter(t, targets, input)
	if err != nil {
		return 0, err
	}
	dec, err := newCopyDecoder(r, opts, input, x.s.settings.format())
	if err != nil {
		return 0, err
	}
	ec := x.evalContext()
	l := newLoader(x.s.eng.cat, t, w.schema)
	defer l.close()
	for {
		in, rerr := dec.batch(x.mem(), copyBatchRows)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return 0, rerr
		}
		if in != nil {
			out, err := w.rows(ec, in)
			in.Release()
			if err != nil {
				return 0, err
			}
			n += out.NumRows()
			if err := l.add(ctx, out); err != nil {
				return 0, err
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	if err := l.finish(); err != nil {
		return 0, err
	}
	tx, finish, err := x.s.writeTx(ctx)
	if err != nil {
		return 0, err
	}
	err = x.publishChecked(ctx, tx, l, w)
	x.s.writeClean(x, err)
	if err := finish(err); err != nil {
		return 0, err
	}
	return n, nil
}

// copyDecoder reads COPY data in one format into batches of the target
// columns' types.
type copyDecoder struct {
	r        *bufio.Reader
	opts     copyOptions
	cols     []opColumn
	decoders []sqltype.Decoder
	binDecs  []sqltype.Decoder
	line     int64
	started  bool
	done     bool
}

func newCopyDecoder(r io.Reader, opts copyOptions, cols []opColumn, f sqltype.Format) (*copyDecoder, error) {
	d := &copyDecoder{r: bufio.NewReaderSize(r, 1<<20), opts: opts, cols: cols}
	for _, c := range cols {
		if opts.format == "binary" {
			dec, err := sqltype.BinaryDecoder(c.t, c.dt)
			if err != nil {
				return nil, err
			}
			d.binDecs = append(d.binDecs, dec)
			continue
		}
		dec, err := sqltype.TextDecoder(c.t, c.dt, f)
		if err != nil {
			return nil, err
		}
		d.decoders = append(d.decoders, dec)
	}
	return d, nil
}

// batch decodes up to max rows; it returns io.EOF with the last batch.
func (d *copyDecoder) batch(mem memory.Allocator, max int) (arrow.Record, error) {
	builders := make([]array.Builder, len(d.cols))
	for i, c := range d.cols {
		builders[i] = array.NewBuilder(mem, c.dt)
	}
	defer func() {
		for _, b := range builders {
			b.Release()
		}
	}()
	rows := 0
	var err error
	for rows < max && !d.done {
		var ok bool
		if d.opts.format == "binary" {
			ok, err = d.binaryRow(builders)
		} else {
			ok, err = d.textRow(builders)
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			d.done = true
			break
		}
		rows++
	}
	cols := make([]arrow.Array, len(builders))
	for i, b := range builders {
		cols[i] = b.NewArray()
	}
	rec := array.NewRecord(schemaOf(d.cols), cols, int64(rows))
	releaseArrays(cols)
	if d.done {
		if rows == 0 {
			rec.Release()
			return nil, io.EOF
		}
		return rec, io.EOF
	}
	return rec, nil
}

func (d *copyDecoder) errorf(code sqlstate.Code, format string, args ...any) error {
	return sqlstate.Errorf(code, format, args...).WithDetail("COPY line %d", d.line)
}

// readLine returns the next line without its terminator; ok is false at
// the end of data (or at the "\." end marker).
func (d *copyDecoder) readLine() ([]byte, bool, error) {
	line, err := d.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		buf := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = d.r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	if len(line) == 0 && errors.Is(err, io.EOF) {
		return nil, false, nil
	}
	d.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if string(line) == `\.` {
		return nil, false, nil
	}
	return line, true, nil
}

// textRow decodes one row of text or CSV format.
func (d *copyDecoder) textRow(builders []array.Builder) (bool, error) {
	line, ok, err := d.readLine()
	if err != nil || !ok {
		return false, err
	}
	if d.opts.header && d.line == 1 {
		return d.textRow(builders)
	}
	var fields [][]byte
	var nulls []bool
	if d.opts.format == "csv" {
		fields, nulls, err = d.splitCSV(line)
	} else {
		fields, nulls, err = d.splitText(line)
	}
	if err != nil {
		return false, err
	}
	if len(fields) > len(d.cols) {
		return false, d.errorf(sqlstate.BadCopyFileFormat, "extra data after last expected column")
	}
	if len(fields) < len(d.cols) {
		return false, d.errorf(sqlstate.BadCopyFileFormat, "missing data for column %q", d.cols[len(fields)].name)
	}
	for i, f := range fields {
		if nulls[i] {
			builders[i].AppendNull()
			continue
		}
		if err := d.decoders[i](builders[i], f); err != nil {
			if se, ok := err.(*sqlstate.Error); ok {
				cp := *se
				cp.Detail = fmt.Sprintf("COPY line %d, column %s: %q", d.line, d.cols[i].name, f)
				return false, &cp
			}
			return false, err
		}
	}
	return true, nil
}

// splitText splits a text-format line: delimiter-separated, backslash
// escapes, the NULL string marks NULL.
func (d *copyDecoder) splitText(line []byte) ([][]byte, []bool, error) {
	var fields [][]byte
	var nulls []bool
	for _, raw := range bytes.Split(line, []byte{d.opts.delimiter}) {
		if string(raw) == d.opts.null {
			fields, nulls = append(fields, nil), append(nulls, true)
			continue
		}
		if bytes.IndexByte(raw, '\\') < 0 {
			fields, nulls = append(fields, raw), append(nulls, false)
			continue
		}
		out := make([]byte, 0, len(raw))
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if c != '\\' || i+1 == len(raw) {
				out = append(out, c)
				continue
			}
			i++
			switch e := raw[i]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'v':
				out = append(out, '\v')
			case 'x':
				v, n := 0, 0
				for n < 2 && i+1 < len(raw) && isHex(raw[i+1]) {
					i++
					v = v*16 + hexVal(raw[i])
					n++
				}
				out = append(out, byte(v))
			default:
				if e >= '0' && e <= '7' {
					v, n := int(e-'0'), 1
					for n < 3 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7' {
						i++
						v = v*8 + int(raw[i]-'0')
						n++
					}
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		}
		fields, nulls = append(fields, out), append(nulls, false)
	}
	return fields, nulls, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// splitCSV splits one CSV record; a quoted field may span lines. An
// unquoted field equal to the NULL string is NULL; a quoted one never is.
func (d *copyDecoder) splitCSV(line []byte) ([][]byte, []bool, error) {
	var fields [][]byte
	var nulls []bool
	q, esc, delim := d.opts.quote, d.opts.escape, d.opts.delimiter
	i := 0
	for {
		var field []byte
		quoted := false
		for i < len(line) && line[i] != delim {
			c := line[i]
			if c == q {
				quoted = true
				i++
				for {
					if i >= len(line) {
						// The quoted field continues on the next line.
						next, ok, err := d.readLine()
						if err != nil {
							return nil, nil, err
						}
						if !ok {
							return nil, nil, d.errorf(sqlstate.BadCopyFileFormat, "unterminated CSV quoted field")
						}
						field = append(field, '\n')
						line = append(append([]byte(nil), line...), next...)
						continue
					}
					c := line[i]
					if c == esc && i+1 < len(line) && line[i+1] == q {
						field = append(field, q)
						i += 2
						continue
					}
					if c == q {
						i++
						break
					}
					field = append(field, c)
					i++
				}
				continue
			}
			field = append(field, c)
			i++
		}
		isNull := !quoted && string(field) == d.opts.null
		fields = append(fields, field)
		nulls = append(nulls, isNull)
		if i >= len(line) {
			break
		}
		i++ // delimiter
	}
	return fields, nulls, nil
}

// binarySignature starts every binary COPY stream.
var binarySignature = []byte("PGCOPY\n\377\r\n\000")

// binaryRow decodes one tuple of binary COPY format.
func (d *copyDecoder) binaryRow(builders []array.Builder) (bool, error) {
	if !d.started {
		hdr := make([]byte, 19)
		if _, err := io.ReadFull(d.r, hdr); err != nil {
			return false, d.errorf(sqlstate.BadCopyFileFormat, "COPY file signature not recognized")
		}
		if !bytes.Equal(hdr[:11], binarySignature) {
			return false, d.errorf(sqlstate.BadCopyFileFormat, "COPY file signature not recognized")
		}
		ext := binary.BigEndian.Uint32(hdr[15:19])
		if _, err := io.CopyN(io.Discard, d.r, int64(ext)); err != nil {
			return false, d.errorf(sqlstate.BadCopyFileFormat, "invalid COPY file header (missing extension)")
		}
		d.started = true
	}
	var cnt [2]byte
	if _, err := io.ReadFull(d.r, cnt[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, d.errorf(sqlstate.BadCopyFileFormat, "unexpected EOF in COPY data")
	}
	d.line++
	n := int16(binary.BigEndian.Uint16(cnt[:]))
	if n == -1 {
		return false, nil
	}
	if int(n) != len(d.cols) {
		return false, d.errorf(sqlstate.BadCopyFileFormat, "row field count is %d, expected %d", n, len(d.cols))
	}
	var lenBuf [4]byte
	var buf []byte
	for i := 0; i < int(n); i++ {
		if _, err := io.ReadFull(d.r, lenBuf[:]); err != nil {
			return false, d.errorf(sqlstate.BadCopyFileFormat, "unexpected EOF in COPY data")
		}
		l := int32(binary.BigEndian.Uint32(lenBuf[:]))
		if l == -1 {
			builders[i].AppendNull()
			continue
		}
		if l < 0 || l > 1<<30 {
			return false, d.errorf(sqlstate.BadCopyFileFormat, "invalid field size")
		}
		if cap(buf) < int(l) {
			buf = make([]byte, l)
		}
		buf = buf[:l]
		if _, err := io.ReadFull(d.r, buf); err != nil {
			return false, d.errorf(sqlstate.BadCopyFileFormat, "unexpected EOF in COPY data")
		}
		if err := d.binDecs[i](builders[i], buf); err != nil {
			return false, err
		}
	}
	return true, nil
}
