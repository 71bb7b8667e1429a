package catalog

import "fmt"

// NextSerial hands out n numbers of serial column colID of table id and
// returns the first. The counter moves with the transaction: a rolled back
// insert gives its numbers back (PostgreSQL's sequences would not; either
// way the numbers are unique).
func (tx *Tx) NextSerial(id TableID, colID uint32, n int64) (int64, error) {
	var first int64
	err := tx.updateSerial(id, colID, func(s *Serial) error {
		if n < 0 || s.Last > maxSerial-n {
			return &Error{Kind: Invalid, Object: "sequence", Name: s.Sequence,
				Detail: fmt.Sprintf("nextval: reached maximum value of sequence %q (%d)", s.Sequence, int64(maxSerial))}
		}
		first = s.Last + 1
		s.Last += n
		return nil
	})
	return first, err
}

// SetSerial sets the last number serial column colID of table id handed
// out (setval): the next is last+1.
func (tx *Tx) SetSerial(id TableID, colID uint32, last int64) error {
	return tx.updateSerial(id, colID, func(s *Serial) error {
		s.Last = last
		return nil
	})
}

func (tx *Tx) updateSerial(id TableID, colID uint32, fn func(*Serial) error) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	t, _, _, ok, err := tx.tableByID(id)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("table", fmt.Sprint(id))
	}
	if err := t.writable("INSERT INTO"); err != nil {
		return err
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.ID != colID || c.Serial == nil {
			continue
		}
		s := *c.Serial // a copy: the caller's Table may share the pointer
		if err := fn(&s); err != nil {
			return err
		}
		c.Serial = &s
		return put(tx.bucket(bucketTables), key(uint64(t.Schema), t.Name), t)
	}
	return notFound("serial column", fmt.Sprint(colID))
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
