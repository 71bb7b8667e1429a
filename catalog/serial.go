package catalog

import "fmt"

// NextSerial hands out n numbers of serial column colID of table id and
// returns the first. The counter moves with the transaction: a rolled back
// insert gives its numbers back (PostgreSQL's sequences would not; either
// way the numbers are unique).
func (tx *Tx) NextSerial(id TableID, colID uint32, n int64) (int64, error) {
	if err := tx.requireWritable(); err != nil {
		return 0, err
	}
	t, _, _, ok, err := tx.tableByID(id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notFound("table", fmt.Sprint(id))
	}
	if err := t.writable("INSERT INTO"); err != nil {
		return 0, err
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.ID != colID || c.Serial == nil {
			continue
		}
		first := c.Serial.Last + 1
		if n < 0 || c.Serial.Last > maxSerial-n {
			return 0, &Error{Kind: Invalid, Object: "sequence", Name: c.Serial.Sequence,
				Detail: fmt.Sprintf("nextval: reached maximum value of sequence %q (%d)", c.Serial.Sequence, maxSerial)}
		}
		c.Serial = &Serial{ID: c.Serial.ID, Sequence: c.Serial.Sequence, Last: c.Serial.Last + n}
		return first, put(tx.bucket(bucketTables), key(uint64(t.Schema), t.Name), t)
	}
	return 0, notFound("serial column", fmt.Sprint(colID))
}

// maxSerial is a bigserial's largest value.
const maxSerial = 1<<63 - 1

// numberSerials gives new serial columns of t their object IDs.
func (tx *Tx) numberSerials(t *Table) error {
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.Serial == nil || c.Serial.ID != 0 {
			continue
		}
		id, err := tx.nextID()
		if err != nil {
			return err
		}
		c.Serial = &Serial{ID: id, Sequence: c.Serial.Sequence, Last: c.Serial.Last}
	}
	return nil
}
