package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// TestSumDecimalNearLimit: 128-bit decimal sums are exact up to 38 digits
// and fail with 22003 beyond, in both directions.
func TestSumDecimalNearLimit(t *testing.T) {
	_, s := testEngine(t)
	for sql, want := range map[string]string{
		`SELECT sum(x::numeric(38,0)) FROM (VALUES (4e37), (5e37), (-3e37), (1)) v(x)`:             "60000000000000000000000000000000000001",
		`SELECT sum(x::numeric(38,0)) FROM (VALUES (-5e37), (-4e37), (-99999999999999)) v(x)`:      "-90000000000000000000000099999999999999",
		`SELECT avg(x::numeric(38,0)) FROM (VALUES (4e37), (5e37), (-3e37), (-1e37)) v(x)`:         "12500000000000000000000000000000000000",
		`SELECT sum(x) FROM (VALUES (1.5::numeric(3,1)), (-2.5), (9.9)) v(x)`:                      "8.9",
		`SELECT sum(x) FROM (VALUES (99999999999999999999999999999999999999::numeric(38,0))) v(x)`: "99999999999999999999999999999999999999",
	} {
		if got := mustRun(t, s, sql); got[0][0] != want {
			t.Errorf("%s: %s, want %s", sql, got[0][0], want)
		}
	}
	// numeric(38,0) sums are held in 128 bits: 38 digits at most.
	wantCode(t, s, `SELECT sum(x::numeric(38,0)) FROM (VALUES (5e37), (5e37)) v(x)`, sqlstate.NumericValueOutOfRange)
	wantCode(t, s, `SELECT sum(x::numeric(38,0)) FROM (VALUES (-9e37), (-9e37), (9e37)) v(x)`, sqlstate.NumericValueOutOfRange)
}
