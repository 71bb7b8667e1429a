package pgwire

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLoginThrottle(t *testing.T) {
	now := time.Unix(1e9, 0)
	th := newLoginThrottle(func() time.Time { return now }, throttleMax, 3)
	var got []time.Duration
	for range 8 {
		got = append(got, th.failed("u:alice", "a:10.0.0.1"))
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", got, want)
		}
	}
	// Another user from the same address waits as long as the address.
	if d := th.failed("u:bob", "a:10.0.0.1"); d != throttleMax {
		t.Errorf("bob from the same address: %v", d)
	}
	// A success resets the user, not the address.
	th.succeeded("u:alice")
	if d := th.failed("u:alice", "a:10.0.0.2"); d != throttleBase {
		t.Errorf("alice after a success, elsewhere: %v", d)
	}
	// Quiet keys are forgotten.
	if off := newLoginThrottle(time.Now, 0, 3); off.failed("u:x") != 0 || len(off.entries) != 0 {
		t.Error("a throttle without delay counted")
	}
	now = now.Add(throttleForget + time.Second)
	if d := th.failed("u:bob"); d != throttleBase {
		t.Errorf("bob after a quiet period: %v", d)
	}
}

func TestLoginThrottleBounded(t *testing.T) {
	th := newLoginThrottle(time.Now, throttleMax, 100)
	for i := range 1000 {
		th.failed(fmt.Sprintf("u:user%d", i))
	}
	if n, l := len(th.entries), th.lru.Len(); n != 100 || l != 100 {
		t.Fatalf("%d entries, %d in the list; want 100", n, l)
	}
	// The most recent keys are kept.
	if _, ok := th.entries["u:user999"]; !ok {
		t.Fatal("the newest key was evicted")
	}
}

func TestThrottleUserKeyIsSmall(t *testing.T) {
	long := strings.Repeat("x", 9000)
	if k := throttleUserKey(long); len(k) > 70 || k == throttleUserKey(long+"y") {
		t.Fatalf("key of a long name: %q", k)
	}
	if k := throttleUserKey("alice"); k != "u:alice" {
		t.Fatalf("key of alice: %q", k)
	}
}
