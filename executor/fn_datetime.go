package executor

// Date, timestamp and interval operators and functions. Dates are days since
// 1970-01-01 (Date32); timestamps are µs since 1970-01-01 00:00, wall clock
// for timestamp and UTC for timestamptz; calendar arithmetic on timestamptz
// happens in the session time zone (ec.format.Location), as PostgreSQL does.

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

var (
	dateInfo = infoOf(sqltype.DateT)
	tsInfo   = infoOf(sqltype.TimestampT)
	tstzInfo = infoOf(sqltype.TimestamptzT)
	ivInfo   = infoOf(sqltype.IntervalT)
	timeInfo = infoOf(sqltype.TimeT)
)

func isTS(o sqltype.OID) bool { return o == sqltype.Timestamp || o == sqltype.Timestamptz }

// resolveDatetimeOp resolves + - * / involving dates, times and intervals;
// ok is false when no such operator applies.
func resolveDatetimeOp(op string, l, r argInfo) (funcImpl, bool, error) {
	lo, ro := l.T.OID, r.T.OID
	mk := func(a, b, res argInfo, k kernel) (funcImpl, bool, error) {
		return funcImpl{Name: op, Args: []argInfo{a, b}, Result: res, Eval: k}, true, nil
	}
	intOK := func(o sqltype.OID) bool { return o == sqltype.Int2 || o == sqltype.Int4 }
	switch op {
	case "+":
		switch {
		case lo == sqltype.Date && intOK(ro):
			return mk(dateInfo, int4Info, dateInfo, dateAddDays(false, false))
		case intOK(lo) && ro == sqltype.Date:
			return mk(int4Info, dateInfo, dateInfo, dateAddDays(true, false))
		case lo == sqltype.Date && ro == sqltype.Interval:
			return mk(tsInfo, ivInfo, tsInfo, tsAddInterval(false, false, false))
		case lo == sqltype.Interval && ro == sqltype.Date:
			return mk(ivInfo, tsInfo, tsInfo, tsAddInterval(true, false, false))
		case isTS(lo) && ro == sqltype.Interval:
			t := infoOf(sqltype.T{OID: lo, Typmod: -1})
			return mk(t, ivInfo, t, tsAddInterval(false, false, lo == sqltype.Timestamptz))
		case lo == sqltype.Interval && isTS(ro):
			t := infoOf(sqltype.T{OID: ro, Typmod: -1})
			return mk(ivInfo, t, t, tsAddInterval(true, false, ro == sqltype.Timestamptz))
		case lo == sqltype.Interval && ro == sqltype.Interval:
			return mk(ivInfo, ivInfo, ivInfo, intervalAddKernel(false))
		case lo == sqltype.Date && ro == sqltype.Time:
			return mk(dateInfo, timeInfo, tsInfo, dateAddTime(false))
		case lo == sqltype.Time && ro == sqltype.Date:
			return mk(timeInfo, dateInfo, tsInfo, dateAddTime(true))
		case lo == sqltype.Time && ro == sqltype.Interval:
			return mk(timeInfo, ivInfo, timeInfo, timeAddInterval(false))
		case lo == sqltype.Interval && ro == sqltype.Time:
			return mk(ivInfo, timeInfo, timeInfo, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				return timeAddInterval(false)(ec, []arrow.Array{args[1], args[0]}, n)
			})
		}
	case "-":
		switch {
		case lo == sqltype.Date && intOK(ro):
			return mk(dateInfo, int4Info, dateInfo, dateAddDays(false, true))
		case lo == sqltype.Date && ro == sqltype.Date:
			return mk(dateInfo, dateInfo, int4Info, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				return zipFixedErr(ec.mem, arrow.PrimitiveTypes.Int32, args[0], args[1], n, func(a, b int32) (int32, error) {
					if a == math.MaxInt32 || a == math.MinInt32 || b == math.MaxInt32 || b == math.MinInt32 {
						return 0, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "cannot subtract infinite dates")
					}
					return a - b, nil
				})
			})
		case lo == sqltype.Date && ro == sqltype.Interval:
			return mk(tsInfo, ivInfo, tsInfo, tsAddInterval(false, true, false))
		case isTS(lo) && ro == sqltype.Interval:
			t := infoOf(sqltype.T{OID: lo, Typmod: -1})
			return mk(t, ivInfo, t, tsAddInterval(false, true, lo == sqltype.Timestamptz))
		case category(lo) == 'D' && category(ro) == 'D' && lo != sqltype.Time && ro != sqltype.Time:
			t := tsInfo
			if lo == sqltype.Timestamptz || ro == sqltype.Timestamptz {
				t = tstzInfo
			}
			return mk(t, t, ivInfo, tsDiff)
		case lo == sqltype.Interval && ro == sqltype.Interval:
			return mk(ivInfo, ivInfo, ivInfo, intervalAddKernel(true))
		case lo == sqltype.Time && ro == sqltype.Time:
			return mk(timeInfo, timeInfo, ivInfo, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				x, y := values[int64](args[0]), values[int64](args[1])
				return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
					return arrow.MonthDayNanoInterval{Nanoseconds: (x[i] - y[i]) * 1000}, nil
				})
			})
		case lo == sqltype.Time && ro == sqltype.Interval:
			return mk(timeInfo, ivInfo, timeInfo, timeAddInterval(true))
		}
	case "*":
		switch {
		case lo == sqltype.Interval && isNumberish(ro):
			return mk(ivInfo, f8Info, ivInfo, intervalMul(false, false))
		case isNumberish(lo) && ro == sqltype.Interval:
			return mk(f8Info, ivInfo, ivInfo, intervalMul(true, false))
		}
	case "/":
		if lo == sqltype.Interval && isNumberish(ro) {
			return mk(ivInfo, f8Info, ivInfo, intervalMul(false, true))
		}
	}
	return funcImpl{}, false, nil
}

func dateAddDays(swapped, sub bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		d, k := args[0], args[1]
		if swapped {
			d, k = k, d
		}
		return zipFixedErr(ec.mem, arrow.FixedWidthTypes.Date32, d, k, n, func(a, b int32) (int32, error) {
			if a == math.MaxInt32 || a == math.MinInt32 {
				return a, nil
			}
			if sub {
				b = -b
			}
			r := int64(a) + int64(b)
			if r < minDate || r > maxDate {
				return 0, errDateRange()
			}
			return int32(r), nil
		})
	}
}

// PostgreSQL's date range: 4713 BC to 5874897 AD, in days since 1970.
const (
	minDate = -2440588
	maxDate = 2145031948
	minTS   = -210866803200000000 // 4714-11-24 BC 00:00 UTC
	maxTS   = math.MaxInt64 - 1   // past 294276 AD; MaxInt64 is infinity
)

func dateAddTime(swapped bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		d, t := args[0], args[1]
		if swapped {
			d, t = t, d
		}
		return zipFixed(ec.mem, tsInfo.DT, d, t, n, func(a int32, b int64) int64 { return int64(a)*usPerDay + b }), nil
	}
}

func timeAddInterval(sub bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		t := values[int64](args[0])
		iv := args[1].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
		valid, nulls := andValidity(ec.mem, args, n)
		buf, out := newFixed[int64](ec.mem, n)
		for i := range out {
			us := iv[i].Nanoseconds / 1000
			if sub {
				us = -us
			}
			r := (t[i] + us) % usPerDay
			if r < 0 {
				r += usPerDay
			}
			out[i] = r
		}
		return makeArray(timeInfo.DT, n, valid, nulls, buf), nil
	}
}

// addInterval is timestamp_pl_interval: months (clamping the day to the
// month's end), then days, in wall-clock time of loc, then the time part.
func addInterval(us int64, iv arrow.MonthDayNanoInterval, loc *time.Location, tz bool) (int64, error) {
	if us == math.MaxInt64 || us == math.MinInt64 {
		return us, nil
	}
	if iv.Months != 0 || iv.Days != 0 {
		var t time.Time
		if tz {
			t = time.UnixMicro(us).In(loc)
		} else {
			t = time.UnixMicro(us).UTC()
		}
		y, m, d := t.Date()
		if iv.Months != 0 {
			mm := int(m) - 1 + int(iv.Months)
			y += floorDiv(mm, 12)
			m = time.Month(mm - floorDiv(mm, 12)*12 + 1)
			if dim := daysIn(y, m); d > dim {
				d = dim
			}
		}
		d += int(iv.Days)
		t = time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		us = t.UnixMicro()
	}
	r := us + iv.Nanoseconds/1000
	if (iv.Nanoseconds > 0 && r < us) || (iv.Nanoseconds < 0 && r > us) || r < minTS || r >= maxTS {
		return 0, errTimestampRange()
	}
	return r, nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func negInterval(v arrow.MonthDayNanoInterval) arrow.MonthDayNanoInterval {
	return arrow.MonthDayNanoInterval{Months: -v.Months, Days: -v.Days, Nanoseconds: -v.Nanoseconds}
}

func tsAddInterval(swapped, sub, tz bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		t, iv := args[0], args[1]
		if swapped {
			t, iv = iv, t
		}
		dt := tsInfo.DT
		if tz {
			dt = tstzInfo.DT
		}
		ts := values[int64](t)
		ivs := iv.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
		loc := ecLocation(ec)
		valid, nulls := andValidity(ec.mem, args, n)
		v := validity{}
		if valid != nil {
			v.bits = valid.Bytes()
		}
		buf, out := newFixed[int64](ec.mem, n)
		for i := range out {
			if !v.valid(i) {
				continue
			}
			x := ivs[i]
			if sub {
				x = negInterval(x)
			}
			r, err := addInterval(ts[i], x, loc, tz)
			if err != nil {
				buf.Release()
				if valid != nil {
					valid.Release()
				}
				return nil, err
			}
			out[i] = r
		}
		return makeArray(dt, n, valid, nulls, buf), nil
	}
}

// tsDiff is timestamp - timestamp: days and time, no months (justify_hours).
func tsDiff(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	x, y := values[int64](args[0]), values[int64](args[1])
	return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
		if x[i] == math.MaxInt64 || x[i] == math.MinInt64 || y[i] == math.MaxInt64 || y[i] == math.MinInt64 {
			return arrow.MonthDayNanoInterval{}, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
		}
		d := x[i] - y[i]
		days := d / usPerDay
		return arrow.MonthDayNanoInterval{Days: int32(days), Nanoseconds: (d - days*usPerDay) * 1000}, nil
	})
}

// intervalRows builds an interval array row by row (strict).
func intervalRows(ec *evalContext, args []arrow.Array, n int, f func(i int) (arrow.MonthDayNanoInterval, error)) (arrow.Array, error) {
	return rowwise(ec.mem, ivInfo.DT, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
		v, err := f(i)
		if err != nil {
			return err
		}
		b.(*array.MonthDayNanoIntervalBuilder).Append(v)
		return nil
	})
}

func intervalAddKernel(sub bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		x := args[0].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
		y := args[1].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
		return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
			b := y[i]
			if sub {
				b = negInterval(b)
			}
			m := int64(x[i].Months) + int64(b.Months)
			d := int64(x[i].Days) + int64(b.Days)
			ns := x[i].Nanoseconds + b.Nanoseconds
			if m != int64(int32(m)) || d != int64(int32(d)) || (b.Nanoseconds > 0 && ns < x[i].Nanoseconds) || (b.Nanoseconds < 0 && ns > x[i].Nanoseconds) {
				return arrow.MonthDayNanoInterval{}, errIntervalRange()
			}
			return arrow.MonthDayNanoInterval{Months: int32(m), Days: int32(d), Nanoseconds: ns}, nil
		})
	}
}

func intervalNeg(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	x := args[0].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
	return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
		return negInterval(x[i]), nil
	})
}

// intervalMul is interval_mul / interval_div: fractional months spill into
// days (30 per month) and fractional days into time.
func intervalMul(swapped, div bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		iv, f := args[0], args[1]
		if swapped {
			iv, f = f, iv
		}
		x := iv.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
		fs := values[float64](f)
		return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
			factor := fs[i]
			if div {
				if factor == 0 {
					return arrow.MonthDayNanoInterval{}, errDivByZero()
				}
				factor = 1 / factor
			}
			v := x[i]
			monthsF := float64(v.Months) * factor
			daysF := float64(v.Days) * factor
			if math.IsNaN(monthsF) || math.Abs(monthsF) > math.MaxInt32 || math.Abs(daysF) > math.MaxInt32 {
				return arrow.MonthDayNanoInterval{}, errIntervalRange()
			}
			months := math.Trunc(monthsF)
			monthRemDays := (monthsF - months) * 30
			days := math.Trunc(daysF)
			secRem := (daysF - days + monthRemDays - math.Trunc(monthRemDays)) * 86400
			days += math.Trunc(monthRemDays)
			us := math.RoundToEven(float64(v.Nanoseconds/1000)*factor + secRem*1e6)
			if math.Abs(us) > 9.2e18 {
				return arrow.MonthDayNanoInterval{}, errIntervalRange()
			}
			return arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days), Nanoseconds: int64(us) * 1000}, nil
		})
	}
}

// tsParts is a timestamp broken into fields, in its wall clock.
type tsParts struct {
	t  time.Time
	us int64 // µs within the second
}

func wallTime(us int64, tz bool, loc *time.Location) time.Time {
	if tz {
		return time.UnixMicro(us).In(loc)
	}
	return time.UnixMicro(us).UTC()
}

// truncTime is date_trunc on a wall-clock time.
func truncTime(unit string, t time.Time) (time.Time, bool) {
	y, m, d := t.Date()
	loc := t.Location()
	switch unit {
	case "microseconds":
		return t, true
	case "milliseconds":
		return t.Truncate(time.Millisecond), true
	case "second":
		return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, loc), true
	case "minute":
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc), true
	case "hour":
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc), true
	case "day":
		return time.Date(y, m, d, 0, 0, 0, 0, loc), true
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, loc), true
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), true
	case "quarter":
		return time.Date(y, time.Month((int(m)-1)/3*3+1), 1, 0, 0, 0, 0, loc), true
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), true
	case "decade":
		return time.Date(floorDiv(y, 10)*10, 1, 1, 0, 0, 0, 0, loc), true
	case "century":
		c := y / 100 * 100
		if y > 0 {
			c = (y-1)/100*100 + 1
		}
		return time.Date(c, 1, 1, 0, 0, 0, 0, loc), true
	case "millennium":
		c := y / 1000 * 1000
		if y > 0 {
			c = (y-1)/1000*1000 + 1
		}
		return time.Date(c, 1, 1, 0, 0, 0, 0, loc), true
	}
	return t, false
}

// normUnit lower-cases a field name and maps PostgreSQL's synonyms.
func normUnit(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	switch u {
	case "us", "usec", "usecs", "useconds", "microsecond", "microsecon":
		return "microseconds"
	case "ms", "msec", "msecs", "mseconds", "millisecond", "millisecon":
		return "milliseconds"
	case "s", "sec", "secs", "seconds":
		return "second"
	case "m", "min", "mins", "minutes":
		return "minute"
	case "h", "hr", "hrs", "hours":
		return "hour"
	case "d", "days":
		return "day"
	case "w", "weeks":
		return "week"
	case "mon", "mons", "months":
		return "month"
	case "qtr", "quarters":
		return "quarter"
	case "y", "yr", "yrs", "years":
		return "year"
	case "dec", "decades":
		return "decade"
	case "c", "cent", "centuries":
		return "century"
	case "mil", "mils", "millennia", "millenniums":
		return "millennium"
	}
	return u
}

func errUnit(unit string, t sqltype.T) error {
	return sqlstate.Errorf(sqlstate.InvalidParameterValue, "unit \"%s\" not recognized for type %s", unit, t)
}

func dateTruncKernel(t sqltype.T) kernel {
	tz := t.OID == sqltype.Timestamptz
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		units := args[0].(*array.String)
		ts := values[int64](args[1])
		loc := ecLocation(ec)
		var last, unit string
		return rowwise(ec.mem, t.Arrow(), args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			if u := units.Value(i); u != last || unit == "" {
				last, unit = u, normUnit(u)
			}
			us := ts[i]
			if us == math.MaxInt64 || us == math.MinInt64 {
				b.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
				return nil
			}
			w := wallTime(us, tz, loc)
			r, ok := truncTime(unit, w)
			if !ok {
				return errUnit(last, t)
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(r.UnixMicro()))
			return nil
		})
	}
}

// fieldOf is the value of a date_part/extract field as an integer scaled by
// 10^scale (second → µs with scale 6).
func fieldOf(unit string, us int64, tz bool, loc *time.Location) (v int64, scale int32, ok bool) {
	w := wallTime(us, tz, loc)
	usInMinute := int64(w.Second())*1_000_000 + int64(w.Nanosecond()/1000)
	y := w.Year()
	switch unit {
	case "microseconds":
		return usInMinute, 0, true
	case "milliseconds":
		return usInMinute, 3, true
	case "second":
		return usInMinute, 6, true
	case "minute":
		return int64(w.Minute()), 0, true
	case "hour":
		return int64(w.Hour()), 0, true
	case "day":
		return int64(w.Day()), 0, true
	case "month":
		return int64(w.Month()), 0, true
	case "quarter":
		return int64((int(w.Month())-1)/3 + 1), 0, true
	case "year":
		if y <= 0 {
			y-- // no year 0: 1 BC is year -1
		}
		return int64(y), 0, true
	case "decade":
		return int64(floorDiv(y, 10)), 0, true
	case "century":
		if y > 0 {
			return int64((y + 99) / 100), 0, true
		}
		return int64(-((99 - (y - 1)) / 100)), 0, true
	case "millennium":
		if y > 0 {
			return int64((y + 999) / 1000), 0, true
		}
		return int64(-((999 - (y - 1)) / 1000)), 0, true
	case "dow":
		return int64(w.Weekday()), 0, true
	case "isodow":
		d := int64(w.Weekday())
		if d == 0 {
			d = 7
		}
		return d, 0, true
	case "doy":
		return int64(w.YearDay()), 0, true
	case "week":
		_, wk := w.ISOWeek()
		return int64(wk), 0, true
	case "isoyear":
		iy, _ := w.ISOWeek()
		return int64(iy), 0, true
	case "epoch":
		return us, 6, true
	case "julian":
		return us + 2440588*usPerDay, 6, false
	case "timezone":
		if tz {
			_, off := w.Zone()
			return int64(off), 0, true
		}
	case "timezone_hour":
		if tz {
			_, off := w.Zone()
			return int64(off / 3600), 0, true
		}
	case "timezone_minute":
		if tz {
			_, off := w.Zone()
			return int64(off % 3600 / 60), 0, true
		}
	}
	return 0, 0, false
}

// intervalField is extract on an interval.
func intervalField(unit string, v arrow.MonthDayNanoInterval) (int64, int32, bool) {
	us := v.Nanoseconds / 1000
	switch unit {
	case "microseconds":
		return us % 60_000_000, 0, true
	case "milliseconds":
		return us % 60_000_000, 3, true
	case "second":
		return us % 60_000_000, 6, true
	case "minute":
		return us / 60_000_000 % 60, 0, true
	case "hour":
		return us / 3_600_000_000, 0, true
	case "day":
		return int64(v.Days), 0, true
	case "month":
		return int64(v.Months % 12), 0, true
	case "quarter":
		return int64(v.Months%12/3 + 1), 0, true
	case "year":
		return int64(v.Months / 12), 0, true
	case "decade":
		return int64(v.Months / 120), 0, true
	case "century":
		return int64(v.Months / 1200), 0, true
	case "millennium":
		return int64(v.Months / 12000), 0, true
	case "epoch":
		// 365.25 days a year, 30 days a month, as PostgreSQL.
		years := int64(v.Months / 12)
		months := int64(v.Months % 12)
		secs := years*31557600 + months*30*86400 + int64(v.Days)*86400
		return secs*1_000_000 + us, 6, true
	}
	return 0, 0, false
}

// datePartKernel is date_part (float8) or extract (numeric) of source type t.
func datePartKernel(t sqltype.T, numeric bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		units := args[0].(*array.String)
		loc := ecLocation(ec)
		src := args[1]
		tz := t.OID == sqltype.Timestamptz
		var ivs []arrow.MonthDayNanoInterval
		var ts []int64
		var ds []int32
		switch t.OID {
		case sqltype.Interval:
			ivs = src.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
		case sqltype.Date:
			ds = values[int32](src)
		default:
			ts = values[int64](src)
		}
		dt := arrow.DataType(arrow.PrimitiveTypes.Float64)
		if numeric {
			dt = arrow.BinaryTypes.String
		}
		var last, unit string
		var d apd.Decimal
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			if u := units.Value(i); u != last || unit == "" {
				last, unit = u, normUnit(u)
			}
			var v int64
			var scale int32
			var ok bool
			switch {
			case ivs != nil:
				v, scale, ok = intervalField(unit, ivs[i])
			case ds != nil:
				day := ds[i]
				if day == math.MaxInt32 || day == math.MinInt32 {
					return appendInfinity(b, day > 0, numeric)
				}
				switch unit {
				case "hour", "minute", "second", "milliseconds", "microseconds", "timezone", "timezone_hour", "timezone_minute":
					if numeric {
						return sqlstate.Errorf(sqlstate.FeatureNotSupported, "unit \"%s\" not supported for type date", last)
					}
				}
				v, scale, ok = fieldOf(unit, int64(day)*usPerDay, false, loc)
				if unit == "julian" {
					v, scale, ok = int64(day)+2440588, 0, true
				}
				if ok && unit == "epoch" && numeric {
					v, scale = int64(day)*86400, 0
				}
			default:
				if ts[i] == math.MaxInt64 || ts[i] == math.MinInt64 {
					return appendInfinity(b, ts[i] > 0, numeric)
				}
				v, scale, ok = fieldOf(unit, ts[i], tz, loc)
			}
			if !ok {
				return errUnit(last, sqltype.T{OID: t.OID, Typmod: -1})
			}
			if numeric {
				d.SetFinite(v, -scale)
				return appendNum(b, &d)
			}
			b.(*array.Float64Builder).Append(float64(v) / math.Pow10(int(scale)))
			return nil
		})
	}
}

func appendInfinity(b array.Builder, pos, numeric bool) error {
	if numeric {
		if pos {
			b.(*array.StringBuilder).Append("Infinity")
		} else {
			b.(*array.StringBuilder).Append("-Infinity")
		}
		return nil
	}
	b.(*array.Float64Builder).Append(math.Inf(map[bool]int{true: 1, false: -1}[pos]))
	return nil
}

// ageOf is PostgreSQL's timestamp_age: a symbolic difference in years,
// months and days, borrowing days from the earlier month.
func ageOf(a, b time.Time) arrow.MonthDayNanoInterval {
	neg := a.Before(b)
	type tm struct{ year, mon, mday, hour, min, sec, fsec int }
	f := func(t time.Time) tm {
		return tm{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1000}
	}
	t1, t2 := f(a), f(b)
	r := tm{t1.year - t2.year, t1.mon - t2.mon, t1.mday - t2.mday, t1.hour - t2.hour, t1.min - t2.min, t1.sec - t2.sec, t1.fsec - t2.fsec}
	if neg {
		r = tm{-r.year, -r.mon, -r.mday, -r.hour, -r.min, -r.sec, -r.fsec}
	}
	for r.fsec < 0 {
		r.fsec += 1_000_000
		r.sec--
	}
	for r.sec < 0 {
		r.sec += 60
		r.min--
	}
	for r.min < 0 {
		r.min += 60
		r.hour--
	}
	for r.hour < 0 {
		r.hour += 24
		r.mday--
	}
	for r.mday < 0 {
		if neg {
			r.mday += daysIn(t1.year, time.Month(t1.mon))
		} else {
			r.mday += daysIn(t2.year, time.Month(t2.mon))
		}
		r.mon--
	}
	for r.mon < 0 {
		r.mon += 12
		r.year--
	}
	if neg {
		r = tm{-r.year, -r.mon, -r.mday, -r.hour, -r.min, -r.sec, -r.fsec}
	}
	us := ((int64(r.hour)*60+int64(r.min))*60+int64(r.sec))*1_000_000 + int64(r.fsec)
	return arrow.MonthDayNanoInterval{Months: int32(r.year*12 + r.mon), Days: int32(r.mday), Nanoseconds: us * 1000}
}

func ageKernel(tz, one bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		loc := ecLocation(ec)
		x := values[int64](args[0])
		var y []int64
		if !one {
			y = values[int64](args[1])
		}
		// age(t) is age(current_date at midnight, t).
		ny, nm, nd := ec.stmtTime.In(loc).Date()
		midnight := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
		if tz {
			midnight = time.Date(ny, nm, nd, 0, 0, 0, 0, loc)
		}
		return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
			if one {
				return ageOf(midnight, wallTime(x[i], tz, loc)), nil
			}
			return ageOf(wallTime(x[i], tz, loc), wallTime(y[i], tz, loc)), nil
		})
	}
}

func makeDateKernel(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	y, m, d := values[int32](args[0]), values[int32](args[1]), values[int32](args[2])
	return rowwise(ec.mem, dateInfo.DT, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
		yy := int(y[i])
		if yy < 0 {
			yy++ // 1 BC is year 0 in the proleptic calendar
		}
		if y[i] == 0 || m[i] < 1 || m[i] > 12 || d[i] < 1 || int(d[i]) > daysIn(yy, time.Month(m[i])) {
			return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y[i], m[i], d[i])
		}
		t := time.Date(yy, time.Month(m[i]), int(d[i]), 0, 0, 0, 0, time.UTC)
		b.(*array.Date32Builder).Append(arrow.Date32(floorDiv64(t.Unix(), 86400)))
		return nil
	})
}

// toChar formats a wall-clock time with to_char's common patterns.
func toChar(t time.Time, us int64, f string, tz bool) string {
	var b strings.Builder
	months := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	days := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	fm := false
	num := func(v, width int) {
		if fm {
			fmt.Fprintf(&b, "%d", v)
		} else {
			fmt.Fprintf(&b, "%0*d", width, v)
		}
		fm = false
	}
	word := func(s string, width int) {
		if !fm && len(s) < width {
			s += strings.Repeat(" ", width-len(s))
		}
		b.WriteString(s)
		fm = false
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	for i := 0; i < len(f); {
		rest := f[i:]
		upper := strings.ToUpper(rest[:min(len(rest), 4)])
		has := func(p string) bool {
			if strings.HasPrefix(rest, p) {
				return true
			}
			// Numeric fields match in any case; names keep their case.
			switch p {
			case "YYYY", "YY", "MM", "MI", "MS", "US", "DDD", "DD", "HH24", "HH12", "HH", "SS", "Q":
				return strings.HasPrefix(upper, p)
			}
			return false
		}
		switch {
		case has("FM"):
			fm = true
			i += 2
			continue
		case rest[0] == '"':
			j := strings.IndexByte(rest[1:], '"')
			if j < 0 {
				b.WriteString(rest[1:])
				i = len(f)
			} else {
				b.WriteString(rest[1 : j+1])
				i += j + 2
			}
			continue
		case has("YYYY"):
			num(t.Year(), 4)
			i += 4
		case has("YY"):
			num(t.Year()%100, 2)
			i += 2
		case has("MONTH"):
			word(strings.ToUpper(months[t.Month()-1]), 9)
			i += 5
		case has("Month"):
			word(months[t.Month()-1], 9)
			i += 5
		case has("month"):
			word(strings.ToLower(months[t.Month()-1]), 9)
			i += 5
		case has("MON"):
			b.WriteString(strings.ToUpper(months[t.Month()-1][:3]))
			i += 3
		case has("Mon"):
			b.WriteString(months[t.Month()-1][:3])
			i += 3
		case has("mon"):
			b.WriteString(strings.ToLower(months[t.Month()-1][:3]))
			i += 3
		case has("MM"):
			num(int(t.Month()), 2)
			i += 2
		case has("MI"):
			num(t.Minute(), 2)
			i += 2
		case has("MS"):
			num(int(us/1000%1000), 3)
			i += 2
		case has("US"):
			num(int(us%1_000_000), 6)
			i += 2
		case has("DDD"):
			num(t.YearDay(), 3)
			i += 3
		case has("DD"):
			num(t.Day(), 2)
			i += 2
		case has("DAY"):
			word(strings.ToUpper(days[t.Weekday()]), 9)
			i += 3
		case has("Day"):
			word(days[t.Weekday()], 9)
			i += 3
		case has("day"):
			word(strings.ToLower(days[t.Weekday()]), 9)
			i += 3
		case has("DY"):
			b.WriteString(strings.ToUpper(days[t.Weekday()][:3]))
			i += 2
		case has("Dy"):
			b.WriteString(days[t.Weekday()][:3])
			i += 2
		case has("dy"):
			b.WriteString(strings.ToLower(days[t.Weekday()][:3]))
			i += 2
		case has("D"):
			num(int(t.Weekday())+1, 1)
			i++
		case has("HH24"):
			num(t.Hour(), 2)
			i += 4
		case has("HH12"):
			num(hour12, 2)
			i += 4
		case has("HH"):
			num(hour12, 2)
			i += 2
		case has("SS"):
			num(t.Second(), 2)
			i += 2
		case has("AM"), has("PM"):
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
			i += 2
		case has("am"), has("pm"):
			if t.Hour() < 12 {
				b.WriteString("am")
			} else {
				b.WriteString("pm")
			}
			i += 2
		case has("Q"):
			num((int(t.Month())-1)/3+1, 1)
			i++
		case has("TZ"):
			if tz {
				name, _ := t.Zone()
				b.WriteString(name)
			}
			i += 2
		default:
			b.WriteByte(rest[0])
			i++
		}
	}
	return b.String()
}

func toCharKernel(tz bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		ts := values[int64](args[0])
		fs := args[1].(*array.String)
		loc := ecLocation(ec)
		return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			w := wallTime(ts[i], tz, loc)
			us := ((ts[i] % 1_000_000) + 1_000_000) % 1_000_000
			b.(*array.StringBuilder).Append(toChar(w, us, fs.Value(i), tz))
			return nil
		})
	}
}

// nowKernel returns a timestamp computed once per call for every row.
func nowKernel(f func(ec *evalContext) (int64, arrow.DataType)) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		v, dt := f(ec)
		if dt.ID() == arrow.DATE32 {
			buf, out := newFixed[int32](ec.mem, n)
			for i := range out {
				out[i] = int32(v)
			}
			return makeArray(dt, n, nil, 0, buf), nil
		}
		buf, out := newFixed[int64](ec.mem, n)
		for i := range out {
			out[i] = v
		}
		return makeArray(dt, n, nil, 0, buf), nil
	}
}

func volatileOv(params []sqltype.OID, res sqltype.T, k kernel) overload {
	o := ov(params, res, k)
	o.volatile = true
	return o
}

// datetimeFunctions is the overload table of the date/time functions.
func datetimeFunctions(name string) []overload {
	T, TS, TSZ, D, IV := sqltype.Text, sqltype.Timestamp, sqltype.Timestamptz, sqltype.Date, sqltype.Interval
	I := sqltype.Int4
	switch name {
	case "now", "current_timestamp", "statement_timestamp", "transaction_timestamp":
		return []overload{volatileOv(nil, sqltype.TimestamptzT, nowKernel(func(ec *evalContext) (int64, arrow.DataType) {
			return ec.stmtTime.UnixMicro(), tstzInfo.DT
		}))}
	case "clock_timestamp":
		return []overload{volatileOv(nil, sqltype.TimestamptzT, nowKernel(func(ec *evalContext) (int64, arrow.DataType) {
			return time.Now().UnixMicro(), tstzInfo.DT
		}))}
	case "localtimestamp":
		return []overload{volatileOv(nil, sqltype.TimestampT, nowKernel(func(ec *evalContext) (int64, arrow.DataType) {
			return utcToLocal(ec.stmtTime.UnixMicro(), ecLocation(ec)), tsInfo.DT
		}))}
	case "current_date":
		return []overload{volatileOv(nil, sqltype.DateT, nowKernel(func(ec *evalContext) (int64, arrow.DataType) {
			return floorDiv64(utcToLocal(ec.stmtTime.UnixMicro(), ecLocation(ec)), usPerDay), dateInfo.DT
		}))}
	case "date_trunc":
		return []overload{
			ov(params(T, TSZ), sqltype.TimestamptzT, dateTruncKernel(sqltype.TimestamptzT)),
			ov(params(T, TS), sqltype.TimestampT, dateTruncKernel(sqltype.TimestampT)),
		}
	case "date_part":
		return []overload{
			ov(params(T, TSZ), sqltype.Float8T, datePartKernel(sqltype.TimestamptzT, false)),
			ov(params(T, TS), sqltype.Float8T, datePartKernel(sqltype.TimestampT, false)),
			ov(params(T, D), sqltype.Float8T, datePartKernel(sqltype.DateT, false)),
			ov(params(T, IV), sqltype.Float8T, datePartKernel(sqltype.IntervalT, false)),
		}
	case "extract":
		return []overload{
			ov(params(T, TSZ), sqltype.NumericT, datePartKernel(sqltype.TimestamptzT, true)),
			ov(params(T, TS), sqltype.NumericT, datePartKernel(sqltype.TimestampT, true)),
			ov(params(T, D), sqltype.NumericT, datePartKernel(sqltype.DateT, true)),
			ov(params(T, IV), sqltype.NumericT, datePartKernel(sqltype.IntervalT, true)),
		}
	case "make_date":
		return []overload{ov(params(I, I, I), sqltype.DateT, makeDateKernel)}
	case "age":
		return []overload{
			ov(params(TSZ, TSZ), sqltype.IntervalT, ageKernel(true, false)),
			ov(params(TS, TS), sqltype.IntervalT, ageKernel(false, false)),
			volatileOv(params(TSZ), sqltype.IntervalT, ageKernel(true, true)),
			volatileOv(params(TS), sqltype.IntervalT, ageKernel(false, true)),
		}
	case "to_char":
		return []overload{
			ov(params(TSZ, T), sqltype.TextT, toCharKernel(true)),
			ov(params(TS, T), sqltype.TextT, toCharKernel(false)),
		}
	case "to_timestamp":
		return []overload{ov(params(sqltype.Float8), sqltype.TimestamptzT, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			return mapFixedErr(ec.mem, tstzInfo.DT, args[0], n, func(f float64) (int64, error) {
				switch {
				case math.IsInf(f, 1):
					return math.MaxInt64, nil
				case math.IsInf(f, -1):
					return math.MinInt64, nil
				case math.IsNaN(f) || f*1e6 < minTS || f*1e6 >= maxTS:
					return 0, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range: \"%g\"", f)
				}
				return int64(math.RoundToEven(f * 1e6)), nil
			})
		})}
	case "isfinite":
		return []overload{
			ov(params(D), sqltype.BoolT, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				return isFiniteKernel(ec, args, n, func(i int) bool {
					v := values[int32](args[0])[i]
					return v != math.MaxInt32 && v != math.MinInt32
				})
			}),
			ov(params(TSZ), sqltype.BoolT, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				v := values[int64](args[0])
				return isFiniteKernel(ec, args, n, func(i int) bool { return v[i] != math.MaxInt64 && v[i] != math.MinInt64 })
			}),
		}
	case "justify_days", "justify_hours":
		days := name == "justify_days"
		return []overload{ov(params(IV), sqltype.IntervalT, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			x := args[0].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
			return intervalRows(ec, args, n, func(i int) (arrow.MonthDayNanoInterval, error) {
				v := x[i]
				if days {
					v.Months += v.Days / 30
					v.Days %= 30
				} else {
					dayNs := int64(usPerDay) * 1000
					v.Days += int32(v.Nanoseconds / dayNs)
					v.Nanoseconds %= dayNs
				}
				return v, nil
			})
		})}
	}
	return nil
}

func isFiniteKernel(ec *evalContext, args []arrow.Array, n int, f func(i int) bool) (arrow.Array, error) {
	valid, nulls := andValidity(ec.mem, args, n)
	buf, out := newBits(ec.mem, n)
	for i := 0; i < n; i++ {
		if f(i) {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
}
