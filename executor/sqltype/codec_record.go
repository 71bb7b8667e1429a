package sqltype

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// Anonymous composite values (type record, such as the rows
// information_schema._pg_expandarray returns) are held as Arrow structs.
// Each struct field keeps its SQL type in the field's metadata, so a
// record's shape travels with its Arrow type and needs no catalog entry.

// Record is PostgreSQL's pseudo-type of anonymous composite values.
const Record OID = 2249

// RecordT is a record; its fields are in the Arrow type (see RecordOf).
var RecordT = T{Record, -1}

// recordTypeKey is the field metadata key holding a field's SQL type.
const recordTypeKey = "pgtype"

// RecordField is one named, typed field of a record.
type RecordField struct {
	Name string
	T    T
}

// RecordOf returns the Arrow type that holds records of fields.
func RecordOf(fields []RecordField) arrow.DataType {
	fs := make([]arrow.Field, len(fields))
	for i, f := range fields {
		md := arrow.NewMetadata([]string{recordTypeKey}, []string{fmt.Sprintf("%d:%d", f.T.OID, f.T.Typmod)})
		fs[i] = arrow.Field{Name: f.Name, Type: f.T.Arrow(), Nullable: true, Metadata: md}
	}
	return arrow.StructOf(fs...)
}

// RecordFields returns the fields of a record held as dt; ok is false when
// dt is not a record's Arrow type.
func RecordFields(dt arrow.DataType) ([]RecordField, bool) {
	st, ok := dt.(*arrow.StructType)
	if !ok {
		return nil, false
	}
	out := make([]RecordField, st.NumFields())
	for i, f := range st.Fields() {
		k := f.Metadata.FindKey(recordTypeKey)
		if k < 0 {
			return nil, false
		}
		oid, mod, found := strings.Cut(f.Metadata.Values()[k], ":")
		o, err1 := strconv.ParseUint(oid, 10, 32)
		m, err2 := strconv.ParseInt(mod, 10, 32)
		if !found || err1 != nil || err2 != nil {
			return nil, false
		}
		out[i] = RecordField{Name: f.Name, T: T{OID(o), int32(m)}}
	}
	return out, true
}

// recordTextEncoder prints record_out's form: (a,b), a NULL field empty,
// a field quoted when it is empty or holds a delimiter, quote, backslash
// or space.
func recordTextEncoder(dt arrow.DataType, f Format) (Encoder, error) {
	fields, ok := RecordFields(dt)
	if !ok {
		return nil, fmt.Errorf("sqltype: %s does not hold a record", dt)
	}
	encs := make([]Encoder, len(fields))
	for i, fd := range fields {
		e, err := TextEncoder(fd.T, dt.(*arrow.StructType).Field(i).Type, f)
		if err != nil {
			return nil, err
		}
		encs[i] = e
	}
	return func(buf []byte, arr arrow.Array, i int) []byte {
		s := arr.(*array.Struct)
		buf = append(buf, '(')
		var tmp []byte
		for j, enc := range encs {
			if j > 0 {
				buf = append(buf, ',')
			}
			child := s.Field(j)
			if child.IsNull(i) {
				continue
			}
			tmp = enc(tmp[:0], child, i)
			buf = appendRecordField(buf, tmp)
		}
		return append(buf, ')')
	}, nil
}

func appendRecordField(buf, v []byte) []byte {
	quote := len(v) == 0
	for _, c := range v {
		if c == ',' || c == '(' || c == ')' || c == '"' || c == '\\' || isSpace(c) {
			quote = true
			break
		}
	}
	if !quote {
		return append(buf, v...)
	}
	buf = append(buf, '"')
	for _, c := range v {
		if c == '"' || c == '\\' {
			buf = append(buf, c)
		}
		buf = append(buf, c)
	}
	return append(buf, '"')
}

// recordBinaryEncoder writes record_send's form: the field count, then per
// field its type OID, length (-1 for NULL) and binary form.
func recordBinaryEncoder(dt arrow.DataType) (Encoder, error) {
	fields, ok := RecordFields(dt)
	if !ok {
		return nil, fmt.Errorf("sqltype: %s does not hold a record", dt)
	}
	encs := make([]Encoder, len(fields))
	for i, fd := range fields {
		e, err := BinaryEncoder(fd.T, dt.(*arrow.StructType).Field(i).Type)
		if err != nil {
			return nil, err
		}
		encs[i] = e
	}
	return func(buf []byte, arr arrow.Array, i int) []byte {
		s := arr.(*array.Struct)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(encs)))
		for j, enc := range encs {
			buf = binary.BigEndian.AppendUint32(buf, uint32(fields[j].T.OID))
			child := s.Field(j)
			if child.IsNull(i) {
				buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
				continue
			}
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf = enc(buf, child, i)
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
		return buf
	}, nil
}
