package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sharehouse/sharehouse"

// The packages of ours, as owner names them. executor/sqlstate (error codes)
// and executor/sqltype (types and OIDs) are leaves shared by the layers above
// catalog, so they count apart from the executor.
const (
	pkgCmd      = "cmd"
	pkgPgwire   = "pgwire"
	pkgExecutor = "executor"
	pkgSqlstate = "executor/sqlstate"
	pkgSqltype  = "executor/sqltype"
	pkgParser   = "parser"
	pkgCatalog  = "catalog"
	pkgStorage  = "storage"
	pkgInternal = "internal"
)

var ours = []string{pkgCmd, pkgPgwire, pkgExecutor, pkgSqlstate, pkgSqltype, pkgParser, pkgCatalog, pkgStorage, pkgInternal}

// forbidden lists, for each package of ours, the packages of ours it must
// not import directly (style.md §1): pkgCmd → pkgPgwire → pkgExecutor → {pkgParser,
// pkgCatalog}; pkgCatalog → pkgStorage. Subpackages count as their package.
var forbidden = map[string][]string{
	pkgPgwire:   {pkgCmd, pkgParser, pkgCatalog, pkgStorage, pkgInternal},
	pkgExecutor: {pkgCmd, pkgPgwire, pkgStorage, pkgInternal},
	pkgCatalog:  {pkgCmd, pkgParser, pkgExecutor, pkgSqltype, pkgPgwire, pkgInternal},
	pkgStorage:  ours,
	pkgParser:   ours,
	pkgSqlstate: ours,
	pkgSqltype:  {pkgCmd, pkgPgwire, pkgExecutor, pkgParser, pkgCatalog, pkgStorage, pkgInternal},
}

// pkgInfo is the part of `go list -json` output the test reads.
type pkgInfo struct {
	ImportPath string
	Imports    []string
}

// repoRoot is the module root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// owner returns the package of ours that path belongs to ("executor" for
// executor/plan), or "" for other modules and the standard library.
func owner(path string) string {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	for _, leaf := range []string{pkgSqlstate, pkgSqltype} {
		if rel == leaf || strings.HasPrefix(rel, leaf+"/") {
			return leaf
		}
	}
	top, _, _ := strings.Cut(rel, "/")
	return top
}

// TestForbiddenImports keeps the imports between our packages one-way
// (CockroachDB's TestForbiddenImports): `go list -deps` reaches every
// package of ours that the module builds, and each one's direct imports are
// checked against its row of forbidden.
func TestForbiddenImports(t *testing.T) {
	root := repoRoot(t)
	list := exec.Command("go", "list", "-deps", "-e", "-json=ImportPath,Imports", "./...")
	list.Dir = root
	var stderr bytes.Buffer
	list.Stderr = &stderr
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := map[string]bool{}
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		from := owner(p.ImportPath)
		if from == "" {
			continue
		}
		seen[from] = true
		for _, imp := range p.Imports {
			to := owner(imp)
			if to == "" || to == from {
				continue
			}
			if slices.Contains(forbidden[from], to) {
				t.Errorf("%s imports %s: %s must not import %s", p.ImportPath, imp, from, to)
			}
		}
	}
	// Guard against passing because go list reported nothing.
	for _, want := range []string{pkgCmd, pkgExecutor, pkgSqlstate} {
		if !seen[want] {
			t.Errorf("go list did not report package %s", want)
		}
	}
}

var fuzzFuncRE = regexp.MustCompile(`(?m)^func (Fuzz\w*)\(\w+ \*testing\.F\)`)

// TestMakefileFuzzTargets checks that `make fuzz` runs every fuzz target of
// the repository (go test -fuzz takes one target at a time, so the Makefile
// has a line per target and a new one is easy to forget).
func TestMakefileFuzzTargets(t *testing.T) {
	root := repoRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		for _, m := range fuzzFuncRE.FindAllStringSubmatch(string(src), -1) {
			line := regexp.MustCompile(`-fuzz '\^` + m[1] + `\$\$' .*\./` + regexp.QuoteMeta(filepath.ToSlash(dir)) + `\b`)
			if !line.Match(mk) {
				t.Errorf("Makefile fuzz target lacks a line for %s in ./%s, like:\n\tgo test -run '^$$' -fuzz '^%s$$' -fuzztime $(FUZZTIME) ./%s",
					m[1], dir, m[1], dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTopLevelLayout keeps the repository's top level to the layout the
// product owner fixed; tooling lives in dot-directories (.ci).
func TestTopLevelLayout(t *testing.T) {
	allowed := map[string]bool{
		"cmd": true, "parser": true, "catalog": true, "executor": true, "pgwire": true, "storage": true,
		"testdata": true, "go.mod": true, "go.sum": true, "Makefile": true, "README.md": true,
		"bin": true, "sharehouse-data": true, "sharehouse": true, // build and run output, git-ignored
	}
	// go test -c and -cpuprofile leave binaries and profiles (git-ignored) too.
	entries, err := os.ReadDir(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		ignored := strings.HasSuffix(e.Name(), ".test") || strings.HasSuffix(e.Name(), ".out") || strings.HasSuffix(e.Name(), ".prof")
		if !allowed[e.Name()] && !ignored && !strings.HasPrefix(e.Name(), ".") {
			t.Errorf("top-level %q is not in the fixed layout (cmd/ parser/ catalog/ executor/ pgwire/ storage/ testdata/ go.mod go.sum Makefile README.md)", e.Name())
		}
	}
}
