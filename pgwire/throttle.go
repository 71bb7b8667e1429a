package pgwire

import (
	"container/list"
	"sync"
	"time"
)

// Failed logins are slowed down as PostgreSQL's auth_delay does, but with
// a delay that grows: each failure for the same user or from the same
// client address doubles the wait before the failure is reported, from
// throttleBase up to throttleMax. Only failing connections wait, in their
// own goroutine, so a correct password is never delayed and an attacker
// cannot lock a user out; a success resets the user's count.
const (
	throttleBase = 100 * time.Millisecond
	// throttleMax is the longest wait by default (Config.MaxAuthDelay).
	throttleMax = 5 * time.Second
	// throttleForget: a key without failures for this long starts afresh.
	throttleForget = 10 * time.Minute
	// throttleEntries bounds the table; the least recently failed key is
	// forgotten first, so a flood of random user names costs bounded memory
	// (and only shortens the memory of old failures).
	throttleEntries = 10000
)

// loginThrottle counts recent authentication failures per key (a user
// name, a client address). Safe for concurrent use.
type loginThrottle struct {
	mu       sync.Mutex
	now      func() time.Time
	maxDelay time.Duration            // 0: no throttling
	max      int                      // entries
	entries  map[string]*list.Element // of *throttleEntry
	lru      list.List                // front: most recent failure
}

type throttleEntry struct {
	key      string
	failures int
	last     time.Time
}

func newLoginThrottle(now func() time.Time, maxDelay time.Duration, max int) *loginThrottle {
	return &loginThrottle{now: now, maxDelay: maxDelay, max: max, entries: map[string]*list.Element{}}
}

// failed records a failure for each key and returns how long the failing
// connection waits: the longest delay among its keys.
func (t *loginThrottle) failed(keys ...string) time.Duration {
	if t.maxDelay <= 0 {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var delay time.Duration
	for _, k := range keys {
		e := t.entry(k, now)
		e.failures++
		e.last = now
		delay = max(delay, delayFor(e.failures, t.maxDelay))
	}
	return delay
}

// succeeded forgets the failures of key.
func (t *loginThrottle) succeeded(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.entries[key]; ok {
		t.lru.Remove(el)
		delete(t.entries, key)
	}
}

// entry returns key's entry, moved to the front; a new or forgotten one
// has no failures. Called with mu held.
func (t *loginThrottle) entry(key string, now time.Time) *throttleEntry {
	if el, ok := t.entries[key]; ok {
		e := el.Value.(*throttleEntry)
		if now.Sub(e.last) > throttleForget {
			e.failures = 0
		}
		t.lru.MoveToFront(el)
		return e
	}
	for t.lru.Len() >= t.max {
		oldest := t.lru.Back()
		delete(t.entries, oldest.Value.(*throttleEntry).key)
		t.lru.Remove(oldest)
	}
	e := &throttleEntry{key: key}
	t.entries[key] = t.lru.PushFront(e)
	return e
}

// delayFor is the wait after the nth failure in a row: 100 ms, 200 ms,
// 400 ms, … up to maxDelay.
func delayFor(n int, maxDelay time.Duration) time.Duration {
	d := throttleBase
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}
