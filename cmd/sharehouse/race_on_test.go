//go:build race

package main

// raceEnabled: the tests run with -race, so the binary is built with it too.
const raceEnabled = true

// raceSlowdown scales the sanity bounds on a server's time and peak memory:
// the race detector's runtime multiplies both (its documentation: memory 5
// to 10 times, time 2 to 20 times; what these tests' servers hold is
// mostly Arrow buffers, which it does not shadow, hence less here).
const raceSlowdown = 4
