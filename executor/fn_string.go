package executor

// String functions and operators: ||, LIKE/ILIKE, regular expressions and
// the text functions of PostgreSQL's "String Functions and Operators".
// Positions and lengths count characters (UTF-8 runes), not bytes.

import (
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

var (
	textInfo = infoOf(sqltype.TextT)
	boolInfo = infoOf(sqltype.BoolT)
	int4Info = infoOf(sqltype.Int4T)
	int8Info = infoOf(sqltype.Int8T)
	f8Info   = infoOf(sqltype.Float8T)
)

// textArg returns how a string-category argument is passed to a text
// parameter: as is (text, varchar, name share text's representation), or
// cast to text (bpchar loses its padding, unknown is typed).
func textArg(a argInfo) argInfo {
	if isString(a.T.OID) && a.T.OID != sqltype.BPChar && a.DT.ID() == arrow.STRING {
		return a
	}
	return textInfo
}

// stringer reads row i of any argument as text, using the type's output
// function for non-string types (|| and concat take any type).
type stringer struct {
	str *array.String
	enc sqltype.Encoder
	arr arrow.Array
	bl  *array.Boolean
	buf []byte
}

// boolWords picks bool's cast to text ("true", as ||) over its output
// function ("t", as concat()).
func newStringer(ec *evalContext, a arrow.Array, info argInfo, boolWords bool) (*stringer, error) {
	if s, ok := a.(*array.String); ok && (isString(info.T.OID) || info.T.OID == sqltype.Unknown || info.T.OID == sqltype.JSON || info.T.OID == sqltype.JSONB) {
		return &stringer{str: s}, nil
	}
	if b, ok := a.(*array.Boolean); ok && boolWords {
		return &stringer{bl: b}, nil
	}
	enc, err := sqltype.TextEncoder(info.T, a.DataType(), ec.format)
	if err != nil {
		return nil, err
	}
	return &stringer{enc: enc, arr: a}, nil
}

// size is the bytes get(i) returns, or at most that: text by its length,
// other types by a bound on their printed form (bytea's hex doubles it).
func (s *stringer) size(i int) int64 {
	switch {
	case s.str != nil:
		return int64(s.str.ValueLen(i))
	case s.bl != nil:
		return 5
	}
	switch a := s.arr.(type) {
	case *array.String:
		return int64(a.ValueLen(i))
	case *array.Binary:
		return 2*int64(a.ValueLen(i)) + 2
	}
	return 64 // a number, date or other fixed-width value
}

func (s *stringer) get(i int) string {
	switch {
	case s.str != nil:
		return s.str.Value(i)
	case s.bl != nil:
		if s.bl.Value(i) {
			return "true"
		}
		return "false"
	}
	s.buf = s.enc(s.buf[:0], s.arr, i)
	return string(s.buf)
}

// resolveConcatOp is ||: text with anything (the other side printed as
// text), or bytea || bytea.
func resolveConcatOp(l, r argInfo) (funcImpl, error) {
	if l.T.OID == sqltype.Bytea && r.T.OID == sqltype.Bytea {
		bi := infoOf(sqltype.ByteaT)
		return funcImpl{Name: "||", Args: []argInfo{bi, bi}, Result: bi, Eval: func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			x, y := args[0].(*array.Binary), args[1].(*array.Binary)
			_, release, err := reserveRows(ec, "||", args, n, errAllocSize, func(i int) int64 { return int64(x.ValueLen(i) + y.ValueLen(i)) })
			if err != nil {
				return nil, err
			}
			defer release()
			return rowwise(ec.mem, arrow.BinaryTypes.Binary, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
				v := append(append([]byte{}, x.Value(i)...), y.Value(i)...)
				b.(*array.BinaryBuilder).Append(v)
				return nil
			})
		}}, nil
	}
	ls, rs := isString(l.T.OID) || l.T.OID == sqltype.Unknown, isString(r.T.OID) || r.T.OID == sqltype.Unknown
	if !ls && !rs {
		return funcImpl{}, errNoOperator("||", l, r)
	}
	fix := func(a argInfo) argInfo {
		if isString(a.T.OID) || a.T.OID == sqltype.Unknown {
			return textArg(a)
		}
		return a
	}
	l, r = fix(l), fix(r)
	return funcImpl{Name: "||", Args: []argInfo{l, r}, Result: textInfo, Eval: func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		x, err := newStringer(ec, args[0], l, true)
		if err != nil {
			return nil, err
		}
		y, err := newStringer(ec, args[1], r, true)
		if err != nil {
			return nil, err
		}
		_, release, err := reserveRows(ec, "||", args, n, errAllocSize, func(i int) int64 { return x.size(i) + y.size(i) })
		if err != nil {
			return nil, err
		}
		defer release()
		var sb []byte
		return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			sb = append(append(sb[:0], x.get(i)...), y.get(i)...)
			b.(*array.StringBuilder).BinaryBuilder.Append(sb)
			return nil
		})
	}}, nil
}

// strFn builds a strict kernel over string arguments returning text.
func strFn(f func(s []string) (string, error)) kernel { return sizedStrFn("", nil, nil, f) }

// sizedStrFn is strFn for a function whose result can outgrow its
// arguments: size gives a row's result bytes before it is built (reserveRows).
func sizedStrFn(what string, size func(s []string) int64, tooLarge func(int64) error, f func(s []string) (string, error)) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		ss := make([]*array.String, len(args))
		for i, a := range args {
			ss[i] = a.(*array.String)
		}
		vals := make([]string, len(args))
		if size != nil {
			_, release, err := reserveRows(ec, what, args, n, tooLarge, func(i int) int64 {
				for j, s := range ss {
					vals[j] = s.Value(i)
				}
				return size(vals)
			})
			if err != nil {
				return nil, err
			}
			defer release()
		}
		return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			for j, s := range ss {
				vals[j] = s.Value(i)
			}
			r, err := f(vals)
			if err != nil {
				return err
			}
			b.(*array.StringBuilder).Append(r)
			return nil
		})
	}
}

// strIntFn builds a strict kernel of (text, int4[, text]) → text, e.g. left.
func strIntFn(f func(s string, k int64, rest []string) (string, error)) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		s := args[0].(*array.String)
		ks := intValues(args[1])
		var rest []*array.String
		for _, a := range args[2:] {
			rest = append(rest, a.(*array.String))
		}
		rv := make([]string, len(rest))
		return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			for j, r := range rest {
				rv[j] = r.Value(i)
			}
			r, err := f(s.Value(i), ks(i), rv)
			if err != nil {
				return err
			}
			b.(*array.StringBuilder).Append(r)
			return nil
		})
	}
}

// sizedStrIntFn is strIntFn for a function that grows its argument
// (repeat, lpad, rpad): size gives a row's result bytes (at most) before it
// is built, and a result past the value cap is "requested length too
// large"; write fills a row's result in place and returns its length.
func sizedStrIntFn(what string, size func(s string, k int64, rest []string) int64, write func(dst []byte, s string, k int64, rest []string) int) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		s := args[0].(*array.String)
		ks := intValues(args[1])
		var rest []*array.String
		for _, a := range args[2:] {
			rest = append(rest, a.(*array.String))
		}
		rv := make([]string, len(rest))
		row := func(i int) []string {
			for j, r := range rest {
				rv[j] = r.Value(i)
			}
			return rv
		}
		total, release, err := reserveRows(ec, what, args, n, lengthTooLarge, func(i int) int64 { return size(s.Value(i), ks(i), row(i)) })
		if err != nil {
			return nil, err
		}
		defer release()
		return writeStrings(ec, args, n, total, func(dst []byte, i int) int { return write(dst, s.Value(i), ks(i), row(i)) }), nil
	}
}

// intValues returns an accessor for row i of an integer-like array
// (int2/int4/int8, and date and timestamp by their integer values).
func intValues(a arrow.Array) func(i int) int64 {
	switch a := a.(type) {
	case *array.Int16:
		v := a.Int16Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Int32:
		v := a.Int32Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Int64:
		v := a.Int64Values()
		return func(i int) int64 { return v[i] }
	case *array.Date32:
		v := a.Date32Values()
		return func(i int) int64 { return int64(v[i]) }
	case *array.Timestamp:
		v := a.TimestampValues()
		return func(i int) int64 { return int64(v[i]) }
	}
	return func(int) int64 { return 0 }
}

// strToInt builds text → int4 kernels (length, strpos …).
func strToInt(f func(s []string) int32) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		ss := make([]*array.String, len(args))
		for i, a := range args {
			ss[i] = a.(*array.String)
		}
		vals := make([]string, len(args))
		valid, nulls := andValidity(ec.mem, args, n)
		buf, out := newFixed[int32](ec.mem, n)
		for i := range out {
			for j, s := range ss {
				vals[j] = s.Value(i)
			}
			out[i] = f(vals)
		}
		return makeArray(arrow.PrimitiveTypes.Int32, n, valid, nulls, buf), nil
	}
}

// strToBool builds text → bool kernels (starts_with …).
func strToBool(f func(s []string) bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		ss := make([]*array.String, len(args))
		for i, a := range args {
			ss[i] = a.(*array.String)
		}
		vals := make([]string, len(args))
		valid, nulls := andValidity(ec.mem, args, n)
		buf, out := newBits(ec.mem, n)
		for i := 0; i < n; i++ {
			for j, s := range ss {
				vals[j] = s.Value(i)
			}
			if f(vals) {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
	}
}

// substr is PostgreSQL's text_substring: characters from..from+count-1 of s,
// where from may be below 1 (those positions count but yield nothing).
func substr(s string, from int64, count int64, hasCount bool) (string, error) {
	if hasCount && count < 0 {
		return "", sqlstate.Errorf(sqlstate.Code("22011"), "negative substring length not allowed")
	}
	start := from
	var end int64 = 1 << 62
	if hasCount {
		end = from + count // exclusive
		if end < from {    // overflow
			end = 1 << 62
		}
	}
	if start < 1 {
		start = 1
	}
	if end <= start {
		return "", nil
	}
	pos := int64(1)
	bi := -1
	for j := range s {
		if pos == start {
			bi = j
		}
		if pos == end {
			return s[bi:j], nil
		}
		pos++
	}
	if bi < 0 {
		return "", nil
	}
	return s[bi:], nil
}

func strpos(s, sub string) int32 {
	i := strings.Index(s, sub)
	if i < 0 {
		return 0
	}
	return int32(utf8.RuneCountInString(s[:i])) + 1
}

func splitPart(s, delim string, field int64) (string, error) {
	if field == 0 {
		return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "field position must not be zero")
	}
	if delim == "" {
		if field == 1 || field == -1 {
			return s, nil
		}
		return "", nil
	}
	if s == "" {
		return "", nil
	}
	parts := strings.Split(s, delim)
	if field < 0 {
		field = int64(len(parts)) + field + 1
		if field < 1 {
			return "", nil
		}
	}
	if field > int64(len(parts)) {
		return "", nil
	}
	return parts[field-1], nil
}

// writePad writes pad(s, length, fill, left) into dst, which holds at
// least padSize bytes, and returns its length.
func writePad(dst []byte, s string, length int64, fill string, left bool) int {
	if length <= 0 {
		return 0
	}
	n := int64(utf8.RuneCountInString(s))
	if n >= length || fill == "" {
		return copy(dst, runePrefix(s, int(min(length, n))))
	}
	need := length - n
	runes := int64(utf8.RuneCountInString(fill))
	padBytes := need/runes*int64(len(fill)) + int64(len(runePrefix(fill, int(need%runes))))
	at := 0
	if !left {
		at = copy(dst, s)
	}
	p := dst[at : at+int(padBytes)]
	if full := int(need/runes) * len(fill); full > 0 {
		fillRepeat(p[:full], []byte(fill))
		copy(p[full:], fill)
	} else {
		copy(p, fill)
	}
	at += int(padBytes)
	if left {
		at += copy(dst[at:], s)
	}
	return at
}

// padSize is the bytes of pad(s, length, fill, _), computed without
// building it.
func padSize(s string, length int64, fill string) int64 {
	if length <= 0 {
		return 0
	}
	n := int64(utf8.RuneCountInString(s))
	if n >= length || fill == "" {
		return int64(len(s)) // at most: a prefix of s
	}
	need := length - n
	runes := int64(utf8.RuneCountInString(fill))
	part := int64(len(runePrefix(fill, int(need%runes))))
	return int64(len(s)) + need/runes*int64(len(fill)) + part
}

// translateSize is the bytes of translateString(s, from, to).
func translateSize(s, from, to string) int64 {
	fr, tr := []rune(from), []rune(to)
	var n int64
	for _, r := range s {
		if out, ok := translateRune(fr, tr, r); ok {
			n += int64(utf8.RuneLen(out))
		}
	}
	return n
}

// translateRune is what translate(…, from, to) makes of r: the rune of to
// at r's first place in from, r itself when from lacks it, and ok false
// when to is too short there (r is dropped).
func translateRune(from, to []rune, r rune) (out rune, ok bool) {
	for i, f := range from {
		if f == r {
			if i < len(to) {
				return to[i], true
			}
			return 0, false
		}
	}
	return r, true
}

// replaceSize is the bytes of strings.ReplaceAll(s, from, to).
func replaceSize(s, from, to string) int64 {
	if from == "" {
		return int64(len(s))
	}
	return int64(len(s)) + int64(strings.Count(s, from))*(int64(len(to))-int64(len(from)))
}

func leftChars(s string, k int64) string {
	n := int64(utf8.RuneCountInString(s))
	if k < 0 {
		k = max(n+k, 0)
	}
	return runePrefix(s, int(min(k, n)))
}

func rightChars(s string, k int64) string {
	n := int64(utf8.RuneCountInString(s))
	if k < 0 {
		k = max(n+k, 0)
	}
	skip := max(n-k, 0)
	return s[len(runePrefix(s, int(skip))):]
}

func reverseString(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// initcap upper-cases the first letter of each alphanumeric run.
func initcap(s string) string {
	var b strings.Builder
	inWord := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if inWord {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			inWord = true
			continue
		}
		inWord = false
		b.WriteRune(r)
	}
	return b.String()
}

func trimChars(s, chars string, left, right bool) string {
	if left {
		s = strings.TrimLeft(s, chars)
	}
	if right {
		s = strings.TrimRight(s, chars)
	}
	return s
}

func translateString(s, from, to string) string {
	fr, tr := []rune(from), []rune(to)
	var b strings.Builder
	for _, r := range s {
		if out, ok := translateRune(fr, tr, r); ok {
			b.WriteRune(out)
		}
	}
	return b.String()
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// concatKernel is concat(any...) (sep < 0) or concat_ws(sep, any...): NULL
// arguments are skipped; concat_ws with a NULL separator is NULL.
func concatKernel(infos []argInfo, ws bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		ss := make([]*stringer, len(args))
		for i, a := range args {
			s, err := newStringer(ec, a, infos[i], false)
			if err != nil {
				return nil, err
			}
			ss[i] = s
		}
		if err := reserveConcat(ec, args, ss, ws, n); err != nil {
			return nil, err
		}
		b := array.NewStringBuilder(ec.mem)
		defer b.Release()
		b.Reserve(n)
		var buf []byte
		for i := 0; i < n; i++ {
			buf = buf[:0]
			first := 0
			sep := ""
			if ws {
				if args[0].IsNull(i) {
					b.AppendNull()
					continue
				}
				sep = ss[0].get(i)
				first = 1
			}
			wrote := false
			for j := first; j < len(args); j++ {
				if args[j].IsNull(i) {
					continue
				}
				if wrote {
					buf = append(buf, sep...)
				}
				buf = append(buf, ss[j].get(i)...)
				wrote = true
			}
			b.BinaryBuilder.Append(buf)
		}
		return b.NewArray(), nil
	}
}

// reserveConcat checks concat's and concat_ws's values before they are
// built: each at most maxValueBytes, as PostgreSQL's string buffer words it.
func reserveConcat(ec *evalContext, args []arrow.Array, ss []*stringer, ws bool, n int) error {
	o := ec.newValueOut("concat()")
	for i := 0; i < n; i++ {
		first, sep := 0, int64(0)
		if ws {
			if args[0].IsNull(i) {
				continue
			}
			first, sep = 1, ss[0].size(i)
		}
		var have int64
		for j := first; j < len(args); j++ {
			if args[j].IsNull(i) {
				continue
			}
			more := ss[j].size(i)
			if have > 0 || j > first {
				more += sep
			}
			if have+more > ec.maxValue() {
				return errStringBuffer(have, more)
			}
			have += more
		}
		if err := o.add(have, errAllocSize); err != nil {
			return err
		}
	}
	return nil
}

// LIKE. A pattern is compiled once and reused while the pattern value does
// not change from row to row (a constant pattern compiles once per batch).

// likeMatcher matches a compiled LIKE pattern.
type likeMatcher struct {
	toks []likeTok
}

type likeTok struct {
	kind byte // 'l' literal, '_' one character, '%' any run
	lit  string
}

// compileLike parses a LIKE pattern with escape character esc (0: none).
func compileLike(p string, esc rune) (*likeMatcher, error) {
	var toks []likeTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, likeTok{kind: 'l', lit: lit.String()})
			lit.Reset()
		}
	}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case esc != 0 && r == esc:
			if i+1 >= len(rs) {
				return nil, sqlstate.Errorf(sqlstate.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
			}
			i++
			lit.WriteRune(rs[i])
		case r == '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
				toks = append(toks, likeTok{kind: '%'})
			}
		case r == '_':
			flush()
			toks = append(toks, likeTok{kind: '_'})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return &likeMatcher{toks: toks}, nil
}

func (m *likeMatcher) match(s string) bool { return likeMatch(m.toks, s) }

func likeMatch(toks []likeTok, s string) bool {
	for len(toks) > 0 {
		t := toks[0]
		switch t.kind {
		case 'l':
			if !strings.HasPrefix(s, t.lit) {
				return false
			}
			s = s[len(t.lit):]
		case '_':
			if s == "" {
				return false
			}
			_, w := utf8.DecodeRuneInString(s)
			s = s[w:]
		case '%':
			rest := toks[1:]
			if len(rest) == 0 {
				return true
			}
			// A literal next: try each occurrence; otherwise each position.
			if rest[0].kind == 'l' {
				for {
					i := strings.Index(s, rest[0].lit)
					if i < 0 {
						return false
					}
					if likeMatch(rest, s[i:]) {
						return true
					}
					_, w := utf8.DecodeRuneInString(s[i:])
					s = s[i+w:]
				}
			}
			for {
				if likeMatch(rest, s) {
					return true
				}
				if s == "" {
					return false
				}
				_, w := utf8.DecodeRuneInString(s)
				s = s[w:]
			}
		}
		toks = toks[1:]
	}
	return s == ""
}

// likeKernel is LIKE / NOT LIKE / ILIKE / NOT ILIKE with escape '\'.
func likeKernel(fold, negate bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		s, p := args[0].(*array.String), args[1].(*array.String)
		valid, nulls := andValidity(ec.mem, args, n)
		v := validity{}
		if valid != nil {
			v.bits = valid.Bytes()
		}
		buf, out := newBits(ec.mem, n)
		var m *likeMatcher
		last := ""
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			pat := p.Value(i)
			if m == nil || pat != last {
				if fold {
					pat = strings.ToLower(pat)
				}
				var err error
				if m, err = compileLike(pat, '\\'); err != nil {
					buf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, err
				}
				last = p.Value(i)
			}
			str := s.Value(i)
			if fold {
				str = strings.ToLower(str)
			}
			if m.match(str) != negate {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
	}
}

// likeEscape is like_escape(pattern, escape): the pattern rewritten to use
// '\' as its escape, which is how x LIKE p ESCAPE e is evaluated.
func likeEscape(p, esc string) (string, error) {
	if utf8.RuneCountInString(esc) > 1 {
		return "", sqlstate.Errorf(sqlstate.InvalidEscapeSequence, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	var e rune
	if esc != "" {
		e, _ = utf8.DecodeRuneInString(esc)
	}
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case e != 0 && r == e:
			if i+1 >= len(rs) {
				return "", sqlstate.Errorf(sqlstate.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
			}
			i++
			nx := rs[i]
			if nx == '%' || nx == '_' || nx == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(nx)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// compileRegex compiles a POSIX-style regular expression with Go's RE2.
func compileRegex(p string, fold bool) (*regexp.Regexp, error) {
	if fold {
		p = "(?i)" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return nil, sqlstate.Errorf(sqlstate.InvalidRegularExpression, "invalid regular expression: %s", msg)
	}
	return re, nil
}

// regexKernel is ~ ~* !~ !~*.
func regexKernel(fold, negate bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		s, p := args[0].(*array.String), args[1].(*array.String)
		valid, nulls := andValidity(ec.mem, args, n)
		v := validity{}
		if valid != nil {
			v.bits = valid.Bytes()
		}
		buf, out := newBits(ec.mem, n)
		var re *regexp.Regexp
		last := ""
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			if re == nil || p.Value(i) != last {
				var err error
				if re, err = compileRegex(p.Value(i), fold); err != nil {
					buf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, err
				}
				last = p.Value(i)
			}
			if re.MatchString(s.Value(i)) != negate {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
	}
}

// regexpReplace is regexp_replace(s, pattern, replacement[, flags]); flag
// 'g' replaces every match, 'i' ignores case. \1 in the replacement is a group.
func regexpReplaceKernel(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	s, p, r := args[0].(*array.String), args[1].(*array.String), args[2].(*array.String)
	var flags *array.String
	if len(args) > 3 {
		flags = args[3].(*array.String)
	}
	var re *regexp.Regexp
	lastKey := ""
	return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
		f := ""
		if flags != nil {
			f = flags.Value(i)
		}
		key := f + "\x00" + p.Value(i)
		if re == nil || key != lastKey {
			var err error
			if re, err = compileRegex(p.Value(i), strings.Contains(f, "i")); err != nil {
				return err
			}
			lastKey = key
		}
		repl := pgReplacement(r.Value(i))
		src := s.Value(i)
		var out string
		if strings.Contains(f, "g") {
			out = re.ReplaceAllString(src, repl)
		} else if loc := re.FindStringSubmatchIndex(src); loc != nil {
			var dst []byte
			dst = re.ExpandString(dst, repl, src, loc)
			out = src[:loc[0]] + string(dst) + src[loc[1]:]
		} else {
			out = src
		}
		b.(*array.StringBuilder).Append(out)
		return nil
	})
}

// pgReplacement turns PostgreSQL's \1 and \& into Go's ${1} and ${0}.
func pgReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c == '$' {
			b.WriteString("$$")
			continue
		}
		if c == '\\' && i+1 < len(r) {
			nx := r[i+1]
			switch {
			case nx >= '0' && nx <= '9':
				b.WriteString("${" + string(nx) + "}")
				i++
				continue
			case nx == '&':
				b.WriteString("${0}")
				i++
				continue
			case nx == '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// reserveOverlay bounds overlay's values by the string and its
// replacement together (the head and tail are parts of the string).
func reserveOverlay(ec *evalContext, args []arrow.Array, n int, s, r *array.String) error {
	_, release, err := reserveRows(ec, "overlay()", args, n, errAllocSize, func(i int) int64 { return int64(s.ValueLen(i) + r.ValueLen(i)) })
	if err == nil {
		release() // a bound, checked; overlay builds its rows one by one
	}
	return err
}

// stringFunctions is the overload table of the string functions.
func stringFunctions(name string) []overload {
	T, I := sqltype.Text, sqltype.Int4
	text := sqltype.TextT
	one := func(f func(string) string) kernel {
		return strFn(func(s []string) (string, error) { return f(s[0]), nil })
	}
	switch name {
	case "lower":
		return []overload{ov(params(T), text, one(strings.ToLower))}
	case "upper":
		return []overload{ov(params(T), text, one(strings.ToUpper))}
	case "initcap":
		return []overload{ov(params(T), text, one(initcap))}
	case "reverse":
		return []overload{ov(params(T), text, one(reverseString))}
	case "md5":
		return []overload{ov(params(T), text, one(md5Hex))}
	case "length", "char_length", "character_length":
		return []overload{ov(params(T), sqltype.Int4T, strToInt(func(s []string) int32 { return int32(utf8.RuneCountInString(s[0])) })),
			ov(params(sqltype.Bytea), sqltype.Int4T, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				b := args[0].(*array.Binary)
				valid, nulls := andValidity(ec.mem, args, n)
				buf, out := newFixed[int32](ec.mem, n)
				for i := range out {
					out[i] = int32(b.ValueLen(i))
				}
				return makeArray(arrow.PrimitiveTypes.Int32, n, valid, nulls, buf), nil
			})}
	case "octet_length":
		return []overload{ov(params(T), sqltype.Int4T, strToInt(func(s []string) int32 { return int32(len(s[0])) }))}
	case "bit_length":
		return []overload{ov(params(T), sqltype.Int4T, strToInt(func(s []string) int32 { return int32(8 * len(s[0])) }))}
	case "ascii":
		return []overload{ov(params(T), sqltype.Int4T, strToInt(func(s []string) int32 {
			if s[0] == "" {
				return 0
			}
			r, _ := utf8.DecodeRuneInString(s[0])
			return r
		}))}
	case "chr":
		return []overload{ov(params(I), text, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			v := values[int32](args[0])
			return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
				c := v[i]
				if c == 0 {
					return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "null character not permitted")
				}
				if c < 0 || c > utf8.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
					return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "requested character too large for encoding: %d", c)
				}
				b.(*array.StringBuilder).Append(string(rune(c)))
				return nil
			})
		})}
	case "substr", "substring":
		return []overload{
			ov(params(T, I), text, strIntFn(func(s string, k int64, _ []string) (string, error) { return substr(s, k, 0, false) })),
			ov(params(T, I, I), text, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				s := args[0].(*array.String)
				from, cnt := values[int32](args[1]), values[int32](args[2])
				return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
					r, err := substr(s.Value(i), int64(from[i]), int64(cnt[i]), true)
					if err != nil {
						return err
					}
					b.(*array.StringBuilder).Append(r)
					return nil
				})
			}),
		}
	case "strpos":
		return []overload{ov(params(T, T), sqltype.Int4T, strToInt(func(s []string) int32 { return strpos(s[0], s[1]) }))}
	case "position":
		// position(sub IN s) arrives as position(s, sub), as PostgreSQL's grammar builds it.
		return []overload{ov(params(T, T), sqltype.Int4T, strToInt(func(s []string) int32 { return strpos(s[0], s[1]) }))}
	case "replace":
		size := func(s []string) int64 { return replaceSize(s[0], s[1], s[2]) }
		return []overload{ov(params(T, T, T), text, sizedStrFn("replace()", size, func(n int64) error { return errStringBuffer(n/2, n-n/2) }, func(s []string) (string, error) {
			if s[1] == "" {
				return s[0], nil
			}
			return strings.ReplaceAll(s[0], s[1], s[2]), nil
		}))}
	case "translate":
		size := func(s []string) int64 { return translateSize(s[0], s[1], s[2]) }
		return []overload{ov(params(T, T, T), text, sizedStrFn("translate()", size, lengthTooLarge, func(s []string) (string, error) { return translateString(s[0], s[1], s[2]), nil }))}
	case "split_part":
		return []overload{ov(params(T, T, I), text, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			s, d := args[0].(*array.String), args[1].(*array.String)
			f := values[int32](args[2])
			return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
				r, err := splitPart(s.Value(i), d.Value(i), int64(f[i]))
				if err != nil {
					return err
				}
				b.(*array.StringBuilder).Append(r)
				return nil
			})
		})}
	case "btrim", "trim", "ltrim", "rtrim":
		l, r := name != "rtrim", name != "ltrim"
		return []overload{
			ov(params(T), text, one(func(s string) string { return trimChars(s, " ", l, r) })),
			ov(params(T, T), text, strFn(func(s []string) (string, error) { return trimChars(s[0], s[1], l, r), nil })),
		}
	case "lpad", "rpad":
		left := name == "lpad"
		return []overload{
			ov(params(T, I), text, sizedStrIntFn(name+"()", func(s string, k int64, _ []string) int64 { return padSize(s, k, " ") },
				func(dst []byte, s string, k int64, _ []string) int { return writePad(dst, s, k, " ", left) })),
			ov(params(T, I, T), text, sizedStrIntFn(name+"()", func(s string, k int64, rest []string) int64 { return padSize(s, k, rest[0]) },
				func(dst []byte, s string, k int64, rest []string) int { return writePad(dst, s, k, rest[0], left) })),
		}
	case "left":
		return []overload{ov(params(T, I), text, strIntFn(func(s string, k int64, _ []string) (string, error) { return leftChars(s, k), nil }))}
	case "right":
		return []overload{ov(params(T, I), text, strIntFn(func(s string, k int64, _ []string) (string, error) { return rightChars(s, k), nil }))}
	case "repeat":
		size := func(s string, k int64, _ []string) int64 { return int64(len(s)) * max(k, 0) }
		return []overload{ov(params(T, I), text, sizedStrIntFn("repeat()", size, func(dst []byte, s string, k int64, _ []string) int {
			n := len(s) * int(max(k, 0))
			fillRepeat(dst[:n], []byte(s))
			return n
		}))}
	case "starts_with":
		return []overload{ov(params(T, T), sqltype.BoolT, strToBool(func(s []string) bool { return strings.HasPrefix(s[0], s[1]) }))}
	case "like_escape":
		return []overload{ov(params(T, T), text, strFn(func(s []string) (string, error) { return likeEscape(s[0], s[1]) }))}
	case "textlike", "like":
		return []overload{ov(params(T, T), sqltype.BoolT, likeKernel(false, false))}
	case "textnlike":
		return []overload{ov(params(T, T), sqltype.BoolT, likeKernel(false, true))}
	case "texticlike":
		return []overload{ov(params(T, T), sqltype.BoolT, likeKernel(true, false))}
	case "regexp_replace":
		return []overload{ov(params(T, T, T), text, regexpReplaceKernel), ov(params(T, T, T, T), text, regexpReplaceKernel)}
	case "concat":
		return []overload{{params: params(pAny), variadic: true, nonStrict: true, result: fixedResult(text),
			kernel: func(args []argInfo) kernel { return concatKernel(args, false) }}}
	case "concat_ws":
		return []overload{{params: params(T, pAny), variadic: true, nonStrict: true, result: fixedResult(text),
			kernel: func(args []argInfo) kernel { return concatKernel(args, true) }}}
	case "overlay":
		ovl := func(s string, r string, from, count int64) (string, error) {
			if from < 1 {
				return "", sqlstate.Errorf(sqlstate.Code("22011"), "negative substring length not allowed")
			}
			head, err := substr(s, 1, from-1, true)
			if err != nil {
				return "", err
			}
			tail, err := substr(s, from+count, 0, false)
			return head + r + tail, err
		}
		return []overload{
			ov(params(T, T, I), text, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				s, r := args[0].(*array.String), args[1].(*array.String)
				f := values[int32](args[2])
				if err := reserveOverlay(ec, args, n, s, r); err != nil {
					return nil, err
				}
				return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
					out, err := ovl(s.Value(i), r.Value(i), int64(f[i]), int64(utf8.RuneCountInString(r.Value(i))))
					if err != nil {
						return err
					}
					b.(*array.StringBuilder).Append(out)
					return nil
				})
			}),
			ov(params(T, T, I, I), text, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				s, r := args[0].(*array.String), args[1].(*array.String)
				f, c := values[int32](args[2]), values[int32](args[3])
				if err := reserveOverlay(ec, args, n, s, r); err != nil {
					return nil, err
				}
				return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
					out, err := ovl(s.Value(i), r.Value(i), int64(f[i]), int64(c[i]))
					if err != nil {
						return err
					}
					b.(*array.StringBuilder).Append(out)
					return nil
				})
			}),
		}
	case "similar_to_escape", "similar_escape":
		return []overload{
			ov(params(T), text, strFn(func(s []string) (string, error) { return similarToRegex(s[0], "\\") })),
			ov(params(T, T), text, strFn(func(s []string) (string, error) { return similarToRegex(s[0], s[1]) })),
		}
	case "quote_ident":
		return []overload{ov(params(T), text, one(quoteIdent))}
	case "quote_literal":
		return []overload{ov(params(T), text, one(func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }))}
	case "to_hex":
		return []overload{ov(params(sqltype.Int8), text, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			v := values[int64](args[0])
			return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
				b.(*array.StringBuilder).Append(strconvHex(uint64(v[i])))
				return nil
			})
		})}
	}
	return nil
}

func strconvHex(v uint64) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0"
	}
	var b [16]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[i:])
}

// quoteIdent quotes an identifier unless it is a plain lower-case name.
func quoteIdent(s string) string {
	plain := s != "" && (s[0] == '_' || s[0] >= 'a' && s[0] <= 'z')
	for i := 0; plain && i < len(s); i++ {
		c := s[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// similarToRegex is similar_to_escape: a SQL regular expression (SIMILAR
// TO) rewritten as an anchored POSIX one, so x SIMILAR TO p is x ~ result.
func similarToRegex(p, esc string) (string, error) {
	if utf8.RuneCountInString(esc) > 1 {
		return "", sqlstate.Errorf(sqlstate.InvalidEscapeSequence, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	var e rune = -1
	if esc != "" {
		e, _ = utf8.DecodeRuneInString(esc)
	}
	var b strings.Builder
	b.WriteString("^(?:")
	inClass := false
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == e:
			if i+1 >= len(rs) {
				return "", sqlstate.Errorf(sqlstate.InvalidEscapeSequence, "invalid escape string")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case inClass:
			if r == ']' {
				inClass = false
			}
			if r == '\\' {
				b.WriteString(`\\`)
				continue
			}
			b.WriteRune(r)
		case r == '[':
			inClass = true
			b.WriteRune(r)
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		case r == '.', r == '^', r == '$', r == '\\':
			b.WriteString(regexp.QuoteMeta(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(")$")
	return b.String(), nil
}
