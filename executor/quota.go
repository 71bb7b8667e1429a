package executor

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/parser"
)

// alterTenantQuota runs ALTER TENANT t SET QUOTA 'size' / RESET QUOTA.
func (x *execution) alterTenantQuota(s *parser.AlterTenantQuota) (ownResult, error) {
	var bytes int64
	if s.Size != "" {
		var err error
		if bytes, err = parseQuota(s.Size); err != nil {
			return ownResult{}, err
		}
	}
	return x.ddl("ALTER TENANT", func(tx *catalog.Tx) error { return tx.SetTenantQuota(s.Name, bytes) })
}

// sizeRE is pg_size_bytes' syntax: a number, then an optional unit.
var sizeRE = regexp.MustCompile(`^\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*$`)

// sizeUnits are pg_size_bytes' units (case-insensitive there too), 1024-based.
var sizeUnits = map[string]int64{"bytes": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}

// parseQuota reads a quota as pg_size_bytes reads a size, with its errors
// (22023), and requires it to be at least one byte.
func parseQuota(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid size: %q", s)
	}
	mult := int64(1)
	if m[2] != "" {
		var ok bool
		if mult, ok = sizeUnits[strings.ToLower(m[2])]; !ok {
			return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid size: %q", s).
				WithDetail("Invalid size unit: %q.", m[2]).
				WithHint(`Valid units are "bytes", "B", "kB", "MB", "GB", "TB", and "PB".`)
		}
	}
	f, err := strconv.ParseFloat(m[1], 64)
	n := math.Floor(f * float64(mult))
	if err != nil || n >= math.MaxInt64 {
		return 0, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "bigint out of range")
	}
	if n < 1 {
		return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid storage quota: %q", s).
			WithHint("A quota is at least 1 byte; SET QUOTA NONE removes it.")
	}
	return int64(n), nil
}

// quotaSize prints a quota in the largest unit that holds it exactly
// ("10 GB", "1536 kB", "1000 bytes"): the message must say the limit that
// was set, which pg_size_pretty's rounding could blur.
func quotaSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"PB", 1 << 50}, {"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"kB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// quotaExceeded is the client's form of a write refused by a tenant's
// storage quota: 53100 disk_full, as PostgreSQL answers a full disk.
func quotaExceeded(err error) *sqlstate.Error {
	var qe *catalog.QuotaError
	if !errors.As(err, &qe) {
		return nil
	}
	return sqlstate.Errorf(sqlstate.DiskFull, "tenant %q would exceed its storage quota of %s", qe.Tenant, quotaSize(qe.Quota)).
		WithDetail("The tenant's tables would take %s.", sizePretty(qe.Usage)).
		WithHint("Delete or drop data, or ask the server's administrator for a larger quota (ALTER TENANT … SET QUOTA).")
}

// tenantStorageCells are SHOW TENANTS' quota columns for t: its quota as
// set ("" for none) and the bytes its tables take.
func tenantStorageCells(tx *catalog.Tx, t catalog.Tenant) ([]string, error) {
	quota, used, err := tx.TenantStorage(t)
	if err != nil {
		return nil, err
	}
	q := ""
	if quota > 0 {
		q = quotaSize(quota)
	}
	return []string{q, strconv.FormatInt(used, 10)}, nil
}

// tenantStorageColumns name tenantStorageCells.
var tenantStorageColumns = []string{"quota", "used_bytes"}
