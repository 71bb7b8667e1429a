//go:build !race

package main

// raceEnabled: the tests run without -race.
const raceEnabled = false

// raceSlowdown scales the sanity bounds on a server's time and peak memory.
const raceSlowdown = 1
