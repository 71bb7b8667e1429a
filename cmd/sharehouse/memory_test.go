package main

import "testing"

func TestCacheBytes(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want int64
		ok   bool
	}{
		{"", 4 << 30, true}, // a quarter of 16 GiB
		{"0", 0, true},
		{"512MB", 512_000_000, true},
		{"4GiB", 4 << 30, true},
		{"1.5 GiB", 3 << 29, true},
		{"lots", 0, false},
		{"-1GB", 0, false},
		{"10EB", 0, false},
	} {
		got, err := cacheBytes(tc.flag, 16<<30)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("cacheBytes(%q) = %d, %v; want %d, ok %v", tc.flag, got, err, tc.want, tc.ok)
		}
	}
	if total := totalMemory(); total < 64<<20 {
		t.Errorf("totalMemory() = %d: too small to be this machine's", total)
	}
}

func TestQueryMemoryBytes(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want int64
		ok   bool
	}{{"", 0, true}, {"256MB", 256e6, true}, {"2GiB", 2 << 30, true}, {"0", 0, false}, {"lots", 0, false}} {
		got, err := queryMemoryBytes(tc.flag)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("queryMemoryBytes(%q) = %d, %v; want %d, ok %v", tc.flag, got, err, tc.want, tc.ok)
		}
	}
}
