//go:build !race

package executor

// sltRace: without the race detector the whole corpus runs in seconds.
const sltRace = false
