package catalog

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// A sequence's values. PostgreSQL's rules: nextval is never rolled back,
// two sessions never get the same value, and a value a committed
// transaction used is never handed out again, even after a crash.
//
// Writing the catalog for every nextval would cost a bbolt commit (an
// fsync) each, so values are reserved in blocks, as PostgreSQL WAL-logs 32
// values ahead: the stored state says where the last reservation ends,
// and memory hands out the values up to it. A crash skips what was
// reserved and unused, never repeats a value.
//
// A reservation is written in the write transaction the session already
// holds, if any (bbolt has one writer; waiting for a second would wait for
// ourselves), else in a short one of its own. Values of a reservation not
// yet committed go only to its own transaction: if it rolls back, other
// sessions have not used them.

// seqReserve is how many values one reservation covers at first; a
// sequence drawn from fast reserves more at a time, up to seqReserveMax,
// so that nextval over many rows does not commit every 32 values.
const (
	seqReserve    = 32
	seqReserveMax = 8192
)

// seqState is a sequence's stored state: the next nextval returns Last if
// not Called, else the value after Last.
type seqState struct {
	Last   int64 `json:"last"`
	Called bool  `json:"called,omitempty"`
}

func (tx *Tx) putSeqState(id SequenceID, s seqState) error {
	return put(tx.bucket(bucketSeqState), idKey(uint64(id)), s)
}

func (tx *Tx) seqState(id SequenceID) (seqState, error) {
	var s seqState
	ok, err := get(tx.bucket(bucketSeqState), idKey(uint64(id)), &s)
	if err == nil && !ok {
		err = notFound("sequence", fmt.Sprint(id))
	}
	return s, err
}

// seqCache is the server's in-memory state of the sequences in use.
type seqCache struct {
	mu sync.Mutex
	m  map[SequenceID]*seqEntry
}

// seqEntry is one sequence's values in memory: last handed out (or the
// next one if !called), inc the step they go by, left how many values after
// last are durably reserved, pend how many more pendTx reserved and has not
// committed yet.
type seqEntry struct {
	created time.Time // tells a sequence from a later one given the same ID
	last    int64
	called  bool
	inc     int64
	left    int64
	pend    int64
	pendTx  *Tx
	// block is the size of the next reservation; reserved when the last
	// one was made.
	block    int64
	reserved time.Time
}

func newSeqCache() *seqCache { return &seqCache{m: map[SequenceID]*seqEntry{}} }

// entry returns q's entry, loading its stored state through tx; c.mu held.
func (c *seqCache) entry(tx *Tx, q Sequence) (*seqEntry, error) {
	if e := c.m[q.ID]; e != nil && e.created.Equal(q.Created) {
		return e, nil
	}
	st, err := tx.seqState(q.ID)
	if err != nil {
		return nil, err
	}
	e := &seqEntry{created: q.Created, last: st.Last, called: st.Called, inc: q.Increment}
	c.m[q.ID] = e
	return e, nil
}

// SequenceLimitError is nextval running past the end of a sequence
// without CYCLE.
type SequenceLimitError struct {
	Name  string
	Max   bool // the maximum (else the minimum)
	Limit int64
}

func (e *SequenceLimitError) Error() string {
	which := "minimum"
	if e.Max {
		which = "maximum"
	}
	return fmt.Sprintf("nextval: reached %s value of sequence %q (%d)", which, e.Name, e.Limit)
}

// after returns the value nextval gives after last under q's options.
func after(q Sequence, last int64, called bool) (int64, error) {
	if !called {
		return last, nil
	}
	if q.Increment > 0 {
		if last > q.Max-q.Increment { // last+inc > max, without overflow
			if !q.Cycle {
				return 0, &SequenceLimitError{Name: q.Name, Max: true, Limit: q.Max}
			}
			return q.Min, nil
		}
		return last + q.Increment, nil
	}
	if last < q.Min-q.Increment {
		if !q.Cycle {
			return 0, &SequenceLimitError{Name: q.Name, Limit: q.Min}
		}
		return q.Max, nil
	}
	return last + q.Increment, nil
}

// NextVal returns the next value of sequence q for a session acting as
// who; held is the write transaction the session holds, or nil.
func (c *Catalog) NextVal(ctx context.Context, who Principal, held *Tx, q Sequence) (int64, error) {
	sc := c.seqs
	sc.mu.Lock()
	if v, ok, err := sc.take(c, ctx, who, held, q); ok || err != nil {
		sc.mu.Unlock()
		return v, err
	}
	if held != nil {
		defer sc.mu.Unlock()
		return sc.reserve(held, q.ID)
	}
	sc.mu.Unlock()
	// Reserve in a transaction of our own; waiting for the writer slot
	// without the lock, so the session holding it can go on.
	tx, err := c.Begin(ctx, who, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	sc.mu.Lock()
	v, ok, err := sc.take(c, ctx, who, tx, q)
	if !ok && err == nil {
		v, err = sc.reserve(tx, q.ID)
		ok = true
	}
	sc.mu.Unlock()
	if err != nil {
		return 0, err
	}
	// The commit hook (settle) makes the rest of the reservation everyone's.
	return v, tx.Commit()
}

// take hands out the next value if it is already reserved for tx; ok is
// false when a reservation is needed. c.mu held.
func (sc *seqCache) take(c *Catalog, ctx context.Context, who Principal, tx *Tx, q Sequence) (int64, bool, error) {
	e := sc.m[q.ID]
	if e == nil || !e.created.Equal(q.Created) {
		rtx := tx
		if rtx == nil {
			var err error
			if rtx, err = c.Begin(ctx, who, false); err != nil {
				return 0, false, err
			}
			defer rtx.Rollback()
		}
		var err error
		if e, err = sc.entry(rtx, q); err != nil {
			return 0, false, err
		}
	}
	own := tx != nil && e.pendTx == tx && e.pend > 0
	if e.left == 0 && !own {
		return 0, false, nil
	}
	// Reserved values never pass a bound: no wrap, no limit here.
	v := e.last
	if e.called {
		v += e.inc
	}
	e.last, e.called = v, true
	if e.left > 0 {
		e.left--
	} else {
		e.pend--
	}
	return v, true, nil
}

// reserve stores a new reservation in tx, starting with the value it
// returns, under the definition tx sees. c.mu held.
func (sc *seqCache) reserve(tx *Tx, id SequenceID) (int64, error) {
	var q Sequence
	if ok, err := tx.byID(uint64(id), &q); err != nil || !ok {
		if err == nil {
			err = notFound("sequence", fmt.Sprint(id)) // dropped meanwhile
		}
		return 0, err
	}
	e, err := sc.entry(tx, q)
	if err != nil {
		return 0, err
	}
	v, err := after(q, e.last, e.called)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	switch {
	case e.block == 0 || now.Sub(e.reserved) > time.Second:
		e.block = seqReserve
	case now.Sub(e.reserved) < 100*time.Millisecond && e.block < seqReserveMax:
		e.block *= 2
	}
	e.reserved = now
	n := int64(1) // values reserved: v and those after it up to the bound
	for last := v; n < e.block; n++ {
		next, err := after(q, last, true)
		if err != nil || (q.Increment > 0) != (next > last) {
			break // the bound, or a wrap
		}
		last = next
	}
	if err := tx.putSeqState(q.ID, seqState{Last: v + (n-1)*q.Increment, Called: true}); err != nil {
		return 0, err
	}
	if e.pendTx != tx {
		tx.onEnd(func(committed bool) { sc.settle(tx, q.ID, committed) })
	}
	// Whatever was left of earlier reservations stays reserved; the new
	// block follows from v.
	e.last, e.called, e.inc, e.left = v, true, q.Increment, 0
	e.pendTx, e.pend = tx, n-1
	return v, nil
}

// settle makes a reservation of tx everyone's when tx commits; if it
// rolls back, the values tx took stay taken (nextval is not rolled back).
func (sc *seqCache) settle(tx *Tx, id SequenceID, committed bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e := sc.m[id]
	if e == nil || e.pendTx != tx {
		return
	}
	if committed {
		e.left += e.pend
	}
	e.pend, e.pendTx = 0, nil
}

// restate stores q's state after ALTER SEQUENCE: restart as the next
// value, or else where the sequence is now. The change is transactional:
// if tx rolls back, the sequence is read again from what is stored.
func (sc *seqCache) restate(tx *Tx, q Sequence, restart *int64) error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, err := sc.entry(tx, q)
	if err != nil {
		return err
	}
	st := seqState{Last: e.last, Called: e.called}
	if restart != nil {
		st = seqState{Last: *restart}
	}
	if err := tx.putSeqState(q.ID, st); err != nil {
		return err
	}
	e.last, e.called, e.inc, e.left, e.pend, e.pendTx = st.Last, st.Called, q.Increment, 0, 0, nil
	tx.onEnd(func(committed bool) {
		if !committed {
			sc.mu.Lock()
			delete(sc.m, q.ID)
			sc.mu.Unlock()
		}
	})
	return nil
}

// SetVal is setval: the next nextval returns v if !called, else the value
// after it. Like nextval it is not rolled back.
func (c *Catalog) SetVal(ctx context.Context, who Principal, held *Tx, q Sequence, v int64, called bool) error {
	tx := held
	if tx == nil {
		var err error
		if tx, err = c.Begin(ctx, who, true); err != nil {
			return err
		}
		defer tx.Rollback()
	}
	sc := c.seqs
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, err := sc.entry(tx, q)
	if err != nil {
		return err
	}
	if err := tx.putSeqState(q.ID, seqState{Last: v, Called: called}); err != nil {
		return err
	}
	e.last, e.called, e.inc, e.left = v, called, q.Increment, 0
	if e.pendTx == tx {
		e.pend = 0
	}
	if held != nil {
		return nil
	}
	return tx.Commit()
}

// SequenceValue returns the last value nextval gave (called false: none
// since creation, RESTART or setval(…, false)), for pg_sequences.
func (c *Catalog) SequenceValue(tx *Tx, q Sequence) (last int64, called bool, err error) {
	sc := c.seqs
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if e := sc.m[q.ID]; e != nil && e.created.Equal(q.Created) {
		return e.last, e.called, nil
	}
	st, err := tx.seqState(q.ID)
	return st.Last, st.Called, err
}

// RestartOwnedSequences restarts the sequences owned by columns of t at
// their start values (TRUNCATE … RESTART IDENTITY).
func (tx *Tx) RestartOwnedSequences(t Table) error {
	seqs, err := tx.sequencesIn(t.Schema)
	if err != nil {
		return err
	}
	for _, q := range seqs {
		if q.OwnedBy != nil && q.OwnedBy.Table == t.ID {
			start := q.Start
			if err := tx.c.seqs.restate(tx, q, &start); err != nil {
				return err
			}
		}
	}
	return nil
}
