package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func TestParseQuota(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		code sqlstate.Code
	}{
		{"10GB", 10 << 30, ""},
		{" 10 gb ", 10 << 30, ""},
		{"1.5 GB", 3 << 29, ""},
		{"500kB", 500 << 10, ""},
		{"1024", 1024, ""},
		{"1024 bytes", 1024, ""},
		{"7 B", 7, ""},
		{"2TB", 2 << 40, ""},
		{"1e3", 1000, ""},
		{"10XB", 0, sqlstate.InvalidParameterValue},
		{"GB", 0, sqlstate.InvalidParameterValue},
		{"1 2 MB", 0, sqlstate.InvalidParameterValue},
		{"0", 0, sqlstate.InvalidParameterValue},
		{"-1MB", 0, sqlstate.InvalidParameterValue},
		{"0.1 bytes", 0, sqlstate.InvalidParameterValue},
		{"100000 PB", 0, sqlstate.NumericValueOutOfRange},
	} {
		got, err := parseQuota(tc.in)
		if code := sqlstate.Code(""); err != nil {
			code = sqlstate.CodeOf(err)
			if code != tc.code {
				t.Errorf("parseQuota(%q): %v (%s), want code %q", tc.in, err, code, tc.code)
			}
			continue
		}
		if tc.code != "" || got != tc.want {
			t.Errorf("parseQuota(%q) = %d, want %d (code %q)", tc.in, got, tc.want, tc.code)
		}
	}
}

func TestQuotaSize(t *testing.T) {
	for n, want := range map[int64]string{
		10 << 30: "10 GB", 1536 << 10: "1536 kB", 1000: "1000 bytes", 1 << 20: "1 MB", 3 << 29: "1536 MB", 5 << 40: "5 TB", 1: "1 bytes",
	} {
		if got := quotaSize(n); got != want {
			t.Errorf("quotaSize(%d) = %q, want %q", n, got, want)
		}
	}
}
