package storage

// TableBytes is the size of table id's live data as tx sees it: its Parquet
// files and inline blobs, not the files of older versions that snapshots
// still pin. The catalog sums it per tenant for storage quotas.
func (tx *Tx) TableBytes(id TableID) (int64, error) {
	if err := tx.check(false); err != nil {
		return 0, err
	}
	m, err := tx.manifest(id)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range m.Parts {
		n += p.Bytes
	}
	return n, nil
}
