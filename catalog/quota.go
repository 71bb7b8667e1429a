package catalog

import (
	"encoding/binary"
	"fmt"

	"github.com/sharehouse/sharehouse/storage"
)

// A tenant's storage quota bounds the bytes of its tables' live data (the
// Parquet files and inline blobs of their current versions; storage knows
// the sizes, the catalog which tables are whose). A write that grows a
// table and leaves its tenant above the quota is refused; writes that do
// not grow it (DELETE, TRUNCATE, DROP) always work, so a tenant over its
// quota can free space. The audit table of a tenant's shares does not
// count: the tenant does not write it, and recipients' reads must never be
// lost to a quota.

// bucketQuotas holds the quotas: tenant ID → bytes (big-endian uint64). It
// is created by the first SET QUOTA; without it no tenant has a quota.
var bucketQuotas = []byte("cat.quotas")

// QuotaError is a write refused because its tenant would exceed its
// storage quota.
type QuotaError struct {
	Tenant string
	Quota  int64 // bytes
	Usage  int64 // bytes the tenant's tables would take with the write
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("tenant %q would exceed its storage quota of %d bytes", e.Tenant, e.Quota)
}

// SetTenantQuota sets tenant name's storage quota to bytes, or removes it
// when bytes is 0 (superuser only). A quota below the current usage is
// allowed: it refuses further growth.
func (tx *Tx) SetTenantQuota(name string, bytes int64) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := tx.requireSuper("alter tenant"); err != nil {
		return err
	}
	t, err := tx.Tenant(name)
	if err != nil {
		return err
	}
	if bytes < 0 {
		return &Error{Kind: Invalid, Object: "tenant", Name: name, Detail: "a storage quota must not be negative"}
	}
	if bytes == 0 {
		if b := tx.bucket(bucketQuotas); b != nil {
			return b.Delete(idKey(uint64(t.ID)))
		}
		return nil
	}
	b, err := tx.st.Bolt().CreateBucketIfNotExists(bucketQuotas)
	if err != nil {
		return fmt.Errorf("catalog: create bucket %s: %w", bucketQuotas, err)
	}
	return b.Put(idKey(uint64(t.ID)), binary.BigEndian.AppendUint64(nil, uint64(bytes)))
}

// TenantStorage returns tenant t's storage quota in bytes (0: none) and
// the bytes its tables take. t comes from Tenant or Tenants, which decide
// who may see it.
func (tx *Tx) TenantStorage(t Tenant) (quota, usage int64, err error) {
	quota = tx.quota(t.ID)
	usage, err = tx.tenantUsage(t.ID)
	return quota, usage, err
}

func (tx *Tx) quota(id TenantID) int64 {
	b := tx.bucket(bucketQuotas)
	if b == nil {
		return 0
	}
	v := b.Get(idKey(uint64(id)))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// dropTenantQuota forgets a dropped tenant's quota.
func (tx *Tx) dropTenantQuota(id TenantID) error {
	if b := tx.bucket(bucketQuotas); b != nil {
		return b.Delete(idKey(uint64(id)))
	}
	return nil
}

// tenantUsage sums the live data of every table of tenant id's own
// databases (mounts hold no data of the tenant's).
func (tx *Tx) tenantUsage(id TenantID) (int64, error) {
	var total int64
	err := each(tx.bucket(bucketDatabases), uint64(id), func(d Database) error {
		if d.Mount != 0 {
			return nil
		}
		return each(tx.bucket(bucketSchemas), uint64(d.ID), func(s Schema) error {
			return each(tx.bucket(bucketTables), uint64(s.ID), func(t Table) error {
				if t.IsView() {
					return nil
				}
				n, err := tx.st.TableBytes(storage.TableID(t.ID))
				total += n
				return err
			})
		})
	})
	return total, err
}

// withinQuota runs write, which changes table t's data, and refuses it
// with a *QuotaError when it grew t and t's tenant now takes more than its
// quota. The caller's transaction is then rolled back with the write.
func (tx *Tx) withinQuota(t Table, write func() error) error {
	var db Database
	if ok, err := tx.byID(uint64(t.Database), &db); err != nil || !ok {
		if err == nil {
			err = notFound("database", "")
		}
		return err
	}
	quota := tx.quota(db.Tenant)
	if quota == 0 {
		return write()
	}
	before, err := tx.st.TableBytes(storage.TableID(t.ID))
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	after, err := tx.st.TableBytes(storage.TableID(t.ID))
	if err != nil || after <= before {
		return err
	}
	usage, err := tx.tenantUsage(db.Tenant)
	if err != nil || usage <= quota {
		return err
	}
	var owner Tenant
	if _, err := tx.byID(uint64(db.Tenant), &owner); err != nil {
		return err
	}
	return &QuotaError{Tenant: owner.Name, Quota: quota, Usage: usage}
}
