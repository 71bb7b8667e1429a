//go:build race

package executor

// sltRace: the race detector slows the engine about fifteenfold, so
// TestSQLLogic samples the long files unless SHAREHOUSE_SLT=full.
const sltRace = true
