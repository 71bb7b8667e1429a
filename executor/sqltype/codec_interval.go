package sqltype

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Intervals are Arrow MonthDayNanoInterval; PostgreSQL keeps microseconds,
// so nanoseconds below a microsecond are dropped on output and never made
// on input.

func encodeIntervalText(buf []byte, arr arrow.Array, i int) []byte {
	v := arr.(*array.MonthDayNanoInterval).Value(i)
	return appendInterval(buf, v.Months, v.Days, v.Nanoseconds/1000)
}

// appendInterval prints as IntervalStyle postgres does, e.g.
// "1 year 2 mons 3 days 04:05:06", "-1 days +02:00:00", "00:00:00".
func appendInterval(buf []byte, months, days int32, us int64) []byte {
	zero, before := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !zero {
			buf = append(buf, ' ')
		}
		if before && v > 0 {
			buf = append(buf, '+')
		}
		buf = appendInt(buf, v)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 {
			buf = append(buf, 's')
		}
		before, zero = v < 0, false
	}
	part(int64(months/12), "year")
	part(int64(months%12), "mon")
	part(int64(days), "day")
	if zero || us != 0 {
		if !zero {
			buf = append(buf, ' ')
		}
		if us < 0 {
			buf = append(buf, '-')
			if us == math.MinInt64 {
				us++ // one microsecond off, rather than overflow
			}
			us = -us
		} else if before {
			buf = append(buf, '+')
		}
		buf = appendClock(buf, us)
	}
	return buf
}

func appendInt(buf []byte, v int64) []byte {
	if v < 0 {
		buf = append(buf, '-')
		return appendPad(buf, -v, 1)
	}
	return appendPad(buf, v, 1)
}

func encodeIntervalBinary(buf []byte, arr arrow.Array, i int) []byte {
	v := arr.(*array.MonthDayNanoInterval).Value(i)
	buf = binary.BigEndian.AppendUint64(buf, uint64(v.Nanoseconds/1000))
	buf = binary.BigEndian.AppendUint32(buf, uint32(v.Days))
	return binary.BigEndian.AppendUint32(buf, uint32(v.Months))
}

// maxIntervalMicros keeps microseconds convertible to Arrow's nanoseconds.
const maxIntervalMicros = math.MaxInt64 / 1000

func intervalOutOfRange() error {
	return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "interval out of range")
}

func decodeIntervalBinary(b array.Builder, data []byte) error {
	if err := fixedBinary(16, "interval", data); err != nil {
		return err
	}
	us := int64(binary.BigEndian.Uint64(data))
	if us > maxIntervalMicros || us < -maxIntervalMicros {
		return intervalOutOfRange()
	}
	b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{
		Months:      int32(binary.BigEndian.Uint32(data[12:])),
		Days:        int32(binary.BigEndian.Uint32(data[8:])),
		Nanoseconds: us * 1000,
	})
	return nil
}

// intervalUnits maps unit words to what one of them adds.
var intervalUnits = map[string]struct {
	months, days int64
	us           float64
}{
	"microsecond": {us: 1}, "microseconds": {us: 1}, "us": {us: 1}, "usec": {us: 1}, "usecs": {us: 1},
	"millisecond": {us: 1e3}, "milliseconds": {us: 1e3}, "ms": {us: 1e3}, "msec": {us: 1e3}, "msecs": {us: 1e3},
	"second": {us: 1e6}, "seconds": {us: 1e6}, "sec": {us: 1e6}, "secs": {us: 1e6}, "s": {us: 1e6},
	"minute": {us: 6e7}, "minutes": {us: 6e7}, "min": {us: 6e7}, "mins": {us: 6e7}, "m": {us: 6e7},
	"hour": {us: 3.6e9}, "hours": {us: 3.6e9}, "hr": {us: 3.6e9}, "hrs": {us: 3.6e9}, "h": {us: 3.6e9},
	"day": {days: 1}, "days": {days: 1}, "d": {days: 1},
	"week": {days: 7}, "weeks": {days: 7}, "w": {days: 7},
	"month": {months: 1}, "months": {months: 1}, "mon": {months: 1}, "mons": {months: 1},
	"year": {months: 12}, "years": {months: 12}, "yr": {months: 12}, "yrs": {months: 12}, "y": {months: 12},
	"decade": {months: 120}, "decades": {months: 120},
	"century": {months: 1200}, "centuries": {months: 1200},
	"millennium": {months: 12000}, "millennia": {months: 12000},
}

// decodeIntervalText reads PostgreSQL's postgres-style interval input:
// [@] a sequence of "number unit" and [+-]HH:MM[:SS[.frac]] fields,
// optionally followed by "ago"; a bare number is seconds. Fractions of
// years, months, weeks and days spill into the smaller fields as in
// PostgreSQL (a month is 30 days, a day 24 hours). Whole values add up
// exactly; only fractions go through floating point.
func decodeIntervalText(b array.Builder, data []byte) error {
	s := trimSpace(data)
	p := dtParser{s: s, anyHours: true}
	var months, days, us int64
	var usFrac float64
	overflow := false
	add := func(acc *int64, v, mul int64) {
		hi, lo := bits.Mul64(uint64(absInt64(v)), uint64(mul))
		if hi != 0 || lo > math.MaxInt64 {
			overflow = true
			return
		}
		d := int64(lo)
		if v < 0 {
			d = -d
		}
		sum := *acc + d
		if (d > 0 && sum < *acc) || (d < 0 && sum > *acc) {
			overflow = true
		}
		*acc = sum
	}
	if p.peek() == '@' {
		p.i++
	}
	fields := 0
	ago := false
	for {
		p.skipSpace()
		if p.done() {
			break
		}
		if ago {
			return invalidDatetime("interval", data)
		}
		if w := p.word(); w != "" {
			if w != "ago" || fields == 0 {
				return invalidDatetime("interval", data)
			}
			ago = true
			continue
		}
		neg := false
		if c := p.peek(); c == '+' || c == '-' {
			neg = c == '-'
			p.i++
		}
		start := p.i
		if _, n := p.digits(); n == 0 && p.peek() != '.' {
			return invalidDatetime("interval", data)
		}
		if p.peek() == ':' {
			p.i = start
			t, ok := p.clock()
			if !ok {
				return invalidDatetime("interval", data)
			}
			p.rangeErr = false // hours may exceed 24 in an interval
			if neg {
				t = -t
			}
			add(&us, t, 1)
			fields++
			continue
		}
		p.i = start
		whole, frac, ok := p.number()
		if !ok {
			return invalidDatetime("interval", data)
		}
		if neg {
			whole, frac = -whole, -frac
		}
		p.skipSpace()
		unit := p.word()
		u := intervalUnits["second"] // a bare number is seconds
		if unit != "" {
			if u, ok = intervalUnits[unit]; !ok {
				return invalidDatetime("interval", data)
			}
		}
		switch {
		case u.months != 0:
			add(&months, whole, u.months)
			fm := frac * float64(u.months)
			wm := math.Trunc(fm)
			add(&months, int64(wm), 1)
			fd := (fm - wm) * 30
			wd := math.Trunc(fd)
			add(&days, int64(wd), 1)
			usFrac += (fd - wd) * usPerDay
		case u.days != 0:
			add(&days, whole, u.days)
			fd := frac * float64(u.days)
			wd := math.Trunc(fd)
			add(&days, int64(wd), 1)
			usFrac += (fd - wd) * usPerDay
		default:
			add(&us, whole, int64(u.us))
			usFrac += frac * u.us
		}
		fields++
	}
	if fields == 0 {
		return invalidDatetime("interval", data)
	}
	add(&us, int64(math.Round(usFrac)), 1)
	if ago {
		months, days, us = -months, -days, -us
	}
	if overflow || us > maxIntervalMicros || us < -maxIntervalMicros || months > math.MaxInt32 || months < math.MinInt32 ||
		days > math.MaxInt32 || days < math.MinInt32 {
		return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "interval field value out of range: \"%s\"", data)
	}
	b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{
		Months: int32(months), Days: int32(days), Nanoseconds: us * 1000,
	})
	return nil
}

func absInt64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// word reads a run of letters, folded to lower case; "" if none.
func (p *dtParser) word() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		p.i++
	}
	if p.i == start {
		return ""
	}
	w := make([]byte, p.i-start)
	for k, c := range p.s[start:p.i] {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		w[k] = c
	}
	return string(w)
}

// number reads digits with an optional fraction (12, 1.5, .5): the whole
// part exactly, the fraction as a float.
func (p *dtParser) number() (whole int64, frac float64, ok bool) {
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.') {
		p.i++
	}
	text := p.s[start:p.i]
	if len(text) == 0 || countByte(text, '.') > 1 || len(text) == 1 && text[0] == '.' {
		return 0, 0, false
	}
	k := 0
	for ; k < len(text) && text[k] != '.'; k++ {
		if whole > (math.MaxInt64-9)/10 {
			return 0, 0, false
		}
		whole = whole*10 + int64(text[k]-'0')
	}
	scale := 1.0
	for k++; k < len(text); k++ {
		scale /= 10
		frac += float64(text[k]-'0') * scale
	}
	return whole, frac, true
}
