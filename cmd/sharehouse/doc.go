// Command sharehouse is the sharehouse server and its command-line tools.
//
// It is deliberately thin: it turns flags and the environment into the
// Config values of the packages it wires (storage → catalog → executor →
// pgwire), runs them, and stops them on SIGINT/SIGTERM. No other package
// reads flags, the environment or files of its own accord.
//
// Files: main.go (root command), serve.go (sharehouse serve: wiring,
// first-start bootstrap, HTTP endpoint, graceful shutdown), demo.go (the
// --demo data set), version.go.
//
// The end-to-end tests (*_test.go here) build this binary once and drive it
// over real TCP with pgx and the real psql.
package main
