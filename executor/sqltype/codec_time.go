package sqltype

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Dates are Arrow Date32 (days since 1970-01-01), with math.MaxInt32 and
// math.MinInt32 standing for infinity and -infinity as in PostgreSQL.
// Timestamps are microseconds since 1970-01-01 (UTC for timestamptz), with
// math.MaxInt64 and math.MinInt64 for ±infinity. PostgreSQL's binary forms
// count from 2000-01-01 instead. The calendar is proleptic Gregorian and
// year 0 is 1 BC, as in PostgreSQL.

const (
	usPerSec       = 1_000_000
	usPerDay       = 86_400 * usPerSec
	unixToPGDays   = 10957 // days from 1970-01-01 to 2000-01-01
	unixToPGMicros = unixToPGDays * usPerDay

	dateInfinity    = math.MaxInt32
	dateNegInfinity = math.MinInt32
	tsInfinity      = math.MaxInt64
	tsNegInfinity   = math.MinInt64
)

// The ranges PostgreSQL accepts, in days since 1970 (TestDateRange checks
// them): 4713-11-24 BC (Julian day 0) up to 5874897-12-31 for dates. For
// timestamps PostgreSQL goes to 294276-12-31, but microseconds since 1970
// in an int64 end some 30 years earlier: maxTSDays (exclusive) is the last
// whole day that fits, 294246-12-31 (math.MaxInt64 itself is infinity).
const (
	minDateDays = -2440588
	maxDateDays = 2145042905
	maxTSDays   = math.MaxInt64/usPerDay - 1
	minTSUnix   = minDateDays * usPerDay
	maxTSUnix   = maxTSDays * usPerDay // exclusive
)

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date with astronomical year y (0 is 1 BC).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv64(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv64(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func appendPad(buf []byte, v int64, width int) []byte {
	var scratch [20]byte
	k := len(scratch)
	for v >= 10 || width > 1 {
		k--
		scratch[k] = byte('0' + v%10)
		v /= 10
		width--
	}
	k--
	scratch[k] = byte('0' + v)
	return append(buf, scratch[k:]...)
}

// appendYMD appends an ISO date and reports whether it is BC; the caller
// appends " BC" where the style puts it.
func appendYMD(buf []byte, days int64) ([]byte, bool) {
	y, m, d := civilFromDays(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPad(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPad(buf, int64(m), 2)
	buf = append(buf, '-')
	return appendPad(buf, int64(d), 2), bc
}

// appendClock appends HH:MM:SS[.ffffff] (trailing zeros of the fraction
// trimmed); hours may exceed 23 for intervals.
func appendClock(buf []byte, us int64) []byte {
	h := us / (3600 * usPerSec)
	us -= h * 3600 * usPerSec
	mi := us / (60 * usPerSec)
	us -= mi * 60 * usPerSec
	s := us / usPerSec
	frac := us - s*usPerSec
	buf = appendPad(buf, h, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, mi, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, s, 2)
	return appendFraction(buf, frac)
}

func appendFraction(buf []byte, frac int64) []byte {
	if frac == 0 {
		return buf
	}
	width := 6
	for frac%10 == 0 {
		frac /= 10
		width--
	}
	buf = append(buf, '.')
	return appendPad(buf, frac, width)
}

// date

func encodeDateText(buf []byte, arr arrow.Array, i int) []byte {
	return appendDate(buf, int64(arr.(*array.Date32).Value(i)))
}

func appendDate(buf []byte, days int64) []byte {
	switch days {
	case dateInfinity:
		return append(buf, "infinity"...)
	case dateNegInfinity:
		return append(buf, "-infinity"...)
	}
	buf, bc := appendYMD(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func encodeDateBinary(buf []byte, arr arrow.Array, i int) []byte {
	d := int64(arr.(*array.Date32).Value(i))
	if d != dateInfinity && d != dateNegInfinity {
		d -= unixToPGDays
	}
	return binary.BigEndian.AppendUint32(buf, uint32(int32(d)))
}

func decodeDateBinary(b array.Builder, data []byte) error {
	if err := fixedBinary(4, "date", data); err != nil {
		return err
	}
	d := int64(int32(binary.BigEndian.Uint32(data)))
	if d != dateInfinity && d != dateNegInfinity {
		d += unixToPGDays
		if d < minDateDays || d > maxDateDays {
			return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date out of range")
		}
	}
	b.(*array.Date32Builder).Append(arrow.Date32(d))
	return nil
}

func decodeDateText(b array.Builder, data []byte) error {
	dt, err := parseDateTime(data, "date")
	if err != nil {
		return err
	}
	days := int64(dateInfinity)
	switch dt.special {
	case specialNegInfinity:
		days = dateNegInfinity
	case specialNone:
		days = dt.days
		if days < minDateDays || days > maxDateDays {
			return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date out of range: \"%s\"", data)
		}
	}
	b.(*array.Date32Builder).Append(arrow.Date32(days))
	return nil
}

// time

func encodeTimeText(buf []byte, arr arrow.Array, i int) []byte {
	return appendClock(buf, int64(arr.(*array.Time64).Value(i)))
}

func encodeTimeBinary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint64(buf, uint64(arr.(*array.Time64).Value(i)))
}

// timeBinaryDecoder is time_recv, rounded to the typmod's precision.
func timeBinaryDecoder(typmod int32) Decoder {
	return func(b array.Builder, data []byte) error {
		if err := fixedBinary(8, "time", data); err != nil {
			return err
		}
		us := int64(binary.BigEndian.Uint64(data))
		if us < 0 || us > usPerDay {
			return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "time out of range")
		}
		b.(*array.Time64Builder).Append(arrow.Time64(roundPrecision(us, typmod)))
		return nil
	}
}

func timeTextDecoder(typmod int32) Decoder {
	return func(b array.Builder, data []byte) error {
		s := trimSpace(data)
		var us int64
		if equalFold(s, "allballs") {
			us = 0
		} else {
			p := dtParser{s: s}
			var ok bool
			us, ok = p.clock()
			if !ok {
				return invalidDatetime("time", data)
			}
			p.zone() // a time zone is allowed and ignored, as PostgreSQL does
			if !p.done() {
				return invalidDatetime("time", data)
			}
			if p.rangeErr || us > usPerDay {
				return fieldOutOfRange(data)
			}
		}
		us = roundPrecision(us, typmod)
		b.(*array.Time64Builder).Append(arrow.Time64(us))
		return nil
	}
}

// roundPrecision rounds microseconds to typmod fractional digits (time(p),
// timestamp(p)); typmod < 0 or >= 6 keeps all six.
func roundPrecision(us int64, typmod int32) int64 {
	if typmod < 0 || typmod >= 6 {
		return us
	}
	scale := int64(1)
	for k := typmod; k < 6; k++ {
		scale *= 10
	}
	if us >= 0 {
		return (us + scale/2) / scale * scale
	}
	return -((-us + scale/2) / scale * scale)
}

// timestamp and timestamptz

func encodeTimestampText(buf []byte, arr arrow.Array, i int) []byte {
	return appendTimestamp(buf, int64(arr.(*array.Timestamp).Value(i)), 0, false)
}

func timestamptzTextEncoder(loc *time.Location) Encoder {
	return func(buf []byte, arr arrow.Array, i int) []byte {
		us := int64(arr.(*array.Timestamp).Value(i))
		if us == tsInfinity || us == tsNegInfinity {
			return appendTimestamp(buf, us, 0, false)
		}
		if loc == time.UTC {
			return appendTimestamp(buf, us, 0, true)
		}
		_, off := time.Unix(floorDiv64(us, usPerSec), 0).In(loc).Zone()
		return appendTimestamp(buf, us+int64(off)*usPerSec, off, true)
	}
}

// appendTimestamp appends local time us (microseconds since 1970 in the
// zone whose offset east of UTC is off seconds) in ISO style.
func appendTimestamp(buf []byte, us int64, off int, withZone bool) []byte {
	switch us {
	case tsInfinity:
		return append(buf, "infinity"...)
	case tsNegInfinity:
		return append(buf, "-infinity"...)
	}
	days := floorDiv64(us, usPerDay)
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendClock(buf, us-days*usPerDay)
	if withZone {
		buf = appendZone(buf, off)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendZone is EncodeTimezone: +HH, +HH:MM or +HH:MM:SS.
func appendZone(buf []byte, off int) []byte {
	if off < 0 {
		buf = append(buf, '-')
		off = -off
	} else {
		buf = append(buf, '+')
	}
	h, m, s := off/3600, off/60%60, off%60
	buf = appendPad(buf, int64(h), 2)
	if m != 0 || s != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, int64(m), 2)
	}
	if s != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, int64(s), 2)
	}
	return buf
}

func encodeTimestampBinary(buf []byte, arr arrow.Array, i int) []byte {
	us := int64(arr.(*array.Timestamp).Value(i))
	if us != tsInfinity && us != tsNegInfinity {
		us -= unixToPGMicros
	}
	return binary.BigEndian.AppendUint64(buf, uint64(us))
}

// timestampBinaryDecoder is timestamp_recv: microseconds since 2000,
// rounded to the typmod's precision.
func timestampBinaryDecoder(typmod int32) Decoder {
	return func(b array.Builder, data []byte) error {
		if err := fixedBinary(8, "timestamp", data); err != nil {
			return err
		}
		us := int64(binary.BigEndian.Uint64(data))
		if us != tsInfinity && us != tsNegInfinity {
			if !tsInRange(us, unixToPGMicros) {
				return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range")
			}
			us = roundPrecision(us+unixToPGMicros, typmod)
			if !tsInRange(us, 0) {
				return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range")
			}
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
		return nil
	}
}

// tsInRange reports whether us+shift is a timestamp PostgreSQL accepts,
// without overflowing.
func tsInRange(us, shift int64) bool {
	return us >= minTSUnix-shift && us < maxTSUnix-shift
}

// timestampTextDecoder decodes timestamp (loc nil: any zone in the input
// is ignored) or timestamptz (input without a zone is in loc).
func timestampTextDecoder(typmod int32, loc *time.Location) Decoder {
	typ := "timestamp"
	if loc != nil {
		typ = "timestamp with time zone"
	}
	return func(b array.Builder, data []byte) error {
		dt, err := parseDateTime(data, typ)
		if err != nil {
			return err
		}
		var us int64
		switch dt.special {
		case specialInfinity:
			us = tsInfinity
		case specialNegInfinity:
			us = tsNegInfinity
		default:
			if dt.days < minDateDays || dt.days >= maxTSDays {
				return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", data)
			}
			us = dt.days*usPerDay + dt.us
			if loc != nil {
				if dt.hasZone {
					us -= int64(dt.zone) * usPerSec
				} else {
					us -= int64(zoneOffsetOfLocal(us, loc)) * usPerSec
				}
			}
			us = roundPrecision(us, typmod)
			if !tsInRange(us, 0) {
				return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", data)
			}
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
		return nil
	}
}

// zoneOffsetOfLocal returns the UTC offset, in seconds east, that loc has
// at the local wall time local (µs since 1970 as if UTC). Like PostgreSQL,
// a time skipped or repeated by a DST change takes the offset in force
// before the change.
func zoneOffsetOfLocal(local int64, loc *time.Location) int {
	sec := floorDiv64(local, usPerSec)
	// Two probes: the offset a day before and a day after bracket any change.
	_, off1 := time.Unix(sec-86400, 0).In(loc).Zone()
	_, off2 := time.Unix(sec+86400, 0).In(loc).Zone()
	if off1 == off2 {
		return off1
	}
	// Is local-off1 really at offset off1?
	if _, o := time.Unix(sec-int64(off1), 0).In(loc).Zone(); o == off1 {
		return off1
	}
	return off2
}

// Date and time text parsing: ISO 8601 and PostgreSQL's common forms.

const (
	specialNone = iota
	specialInfinity
	specialNegInfinity
)

type dateTime struct {
	special int
	days    int64 // the date, days since 1970
	us      int64 // time of day
	hasZone bool
	zone    int // seconds east of UTC
}

// dtParser scans date/time text.
type dtParser struct {
	s        []byte
	i        int
	rangeErr bool // a field out of its range: 22008, not 22007
	anyHours bool // clock accepts more than two hour digits (intervals)
	bad      bool // a syntax error was seen: done reports false
}

func (p *dtParser) done() bool { return !p.bad && p.i == len(p.s) }

func (p *dtParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// digits reads a run of digits; n is how many.
func (p *dtParser) digits() (v int64, n int) {
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if n < 18 {
			v = v*10 + int64(p.s[p.i]-'0')
		}
		p.i++
		n++
	}
	return v, n
}

func (p *dtParser) skipSpace() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

// clock parses HH:MM[:SS[.frac]] into microseconds; hour 24 only as 24:00:00.
func (p *dtParser) clock() (int64, bool) {
	h, n := p.digits()
	if n == 0 || n > 2 && !p.anyHours || n > 12 || p.peek() != ':' {
		return 0, false
	}
	p.i++
	mi, n := p.digits()
	if n != 2 {
		return 0, false
	}
	var sec, frac int64
	if p.peek() == ':' {
		p.i++
		if sec, n = p.digits(); n != 2 {
			return 0, false
		}
		if p.peek() == '.' {
			p.i++
			start := p.i
			var fd int
			for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
				if fd < 6 {
					frac = frac*10 + int64(p.s[p.i]-'0')
				} else if fd == 6 && p.s[p.i] >= '5' {
					frac++ // round half up at the seventh digit
				}
				fd++
				p.i++
			}
			if p.i == start {
				return 0, false
			}
			for ; fd < 6; fd++ {
				frac *= 10
			}
		}
	}
	if mi > 59 || sec > 60 || h > 24 || h == 24 && (mi != 0 || sec != 0 || frac != 0) {
		p.rangeErr = true
	}
	return ((h*60+mi)*60+sec)*usPerSec + frac, true
}

// zone parses an optional zone: Z, UTC, GMT, or ±HH[[:]MM[[:]SS]]. It
// returns the offset in seconds east and whether there was one.
func (p *dtParser) zone() (int, bool) {
	save := p.i
	p.skipSpace()
	rest := p.s[p.i:]
	for _, name := range []string{"utc", "gmt", "z"} {
		if len(rest) >= len(name) && equalFold(rest[:len(name)], name) &&
			(len(rest) == len(name) || isSpace(rest[len(name)])) {
			p.i += len(name)
			return 0, true
		}
	}
	c := p.peek()
	if c != '+' && c != '-' {
		p.i = save
		return 0, false
	}
	p.i++
	v, n := p.digits()
	var h, m, s int64
	switch n {
	case 1, 2:
		h = v
		if p.peek() == ':' {
			p.i++
			if m, n = p.digits(); n != 2 {
				p.bad = true
				return 0, false
			}
			if p.peek() == ':' {
				p.i++
				if s, n = p.digits(); n != 2 {
					p.bad = true
					return 0, false
				}
			}
		}
	case 4:
		h, m = v/100, v%100
	case 6:
		h, m, s = v/10000, v/100%100, v%100
	default:
		p.bad = true
		return 0, false
	}
	if h > 15 || m > 59 || s > 59 {
		p.rangeErr = true
	}
	off := int(h*3600 + m*60 + s)
	if c == '-' {
		off = -off
	}
	return off, true
}

// parseDateTime parses date, timestamp and timestamptz text: infinity,
// -infinity, epoch, or a date (Y-M-D, YYYYMMDD or M/D/Y) with an optional
// time (after a space or T), zone and BC/AD. typ names the type in errors.
func parseDateTime(data []byte, typ string) (dateTime, error) {
	s := trimSpace(data)
	switch {
	case equalFold(s, "infinity"), equalFold(s, "+infinity"):
		return dateTime{special: specialInfinity}, nil
	case equalFold(s, "-infinity"):
		return dateTime{special: specialNegInfinity}, nil
	case equalFold(s, "epoch"):
		return dateTime{hasZone: true}, nil
	}
	p := dtParser{s: s}
	var y int64
	var m, d int
	a, na := p.digits()
	switch {
	case na == 0:
		return dateTime{}, invalidDatetime(typ, data)
	case na == 8 && (p.done() || p.peek() == ' ' || p.peek() == 'T'):
		y, m, d = a/10000, int(a/100%100), int(a%100)
	case p.peek() == '-':
		p.i++
		mm, n1 := p.digits()
		if n1 == 0 || n1 > 2 || p.peek() != '-' {
			return dateTime{}, invalidDatetime(typ, data)
		}
		p.i++
		dd, n2 := p.digits()
		if n2 == 0 || n2 > 2 || na > 9 {
			return dateTime{}, invalidDatetime(typ, data)
		}
		y, m, d = a, int(mm), int(dd)
		if na <= 2 {
			y = twoDigitYear(y)
		}
	case p.peek() == '/':
		// DateStyle MDY: month/day/year.
		p.i++
		dd, n1 := p.digits()
		if n1 == 0 || n1 > 2 || p.peek() != '/' || na > 2 {
			return dateTime{}, invalidDatetime(typ, data)
		}
		p.i++
		yy, n2 := p.digits()
		if n2 == 0 || n2 > 9 {
			return dateTime{}, invalidDatetime(typ, data)
		}
		y, m, d = yy, int(a), int(dd)
		if n2 <= 2 {
			y = twoDigitYear(y)
		}
	default:
		return dateTime{}, invalidDatetime(typ, data)
	}
	var dt dateTime
	// Time, after a space or T.
	if c := p.peek(); c == 'T' || c == 't' || c == ' ' {
		save := p.i
		p.i++
		p.skipSpace()
		if c2 := p.peek(); c2 >= '0' && c2 <= '9' {
			us, ok := p.clock()
			if !ok {
				return dateTime{}, invalidDatetime(typ, data)
			}
			dt.us = us
		} else {
			p.i = save
		}
	}
	dt.zone, dt.hasZone = p.zone()
	p.skipSpace()
	bc := false
	if rest := p.s[p.i:]; equalFold(rest, "bc") {
		bc, p.i = true, len(p.s)
	} else if equalFold(rest, "ad") {
		p.i = len(p.s)
	}
	if !p.done() {
		return dateTime{}, invalidDatetime(typ, data)
	}
	if y == 0 || m < 1 || m > 12 || d < 1 || p.rangeErr {
		return dateTime{}, fieldOutOfRange(data)
	}
	if bc {
		y = 1 - y
	}
	if d > daysInMonth(y, m) {
		return dateTime{}, fieldOutOfRange(data)
	}
	dt.days = daysFromCivil(y, m, d)
	return dt, nil
}

// twoDigitYear is PostgreSQL's reading of a two-digit year: 70..99 are
// 1970..1999, 0..69 are 2000..2069.
func twoDigitYear(y int64) int64 {
	if y < 70 {
		return y + 2000
	}
	return y + 1900
}
