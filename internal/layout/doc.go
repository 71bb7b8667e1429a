// Package layout holds no code, only tests that keep the repository's
// shape true: the one-way imports between sharehouse's packages
// (design.md §3, style.md §1) and a Makefile line for every fuzz target.
package layout
