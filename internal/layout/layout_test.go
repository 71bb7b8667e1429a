package layout

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

// forbidden lists, for each package of ours, the packages of ours it must
// not import, directly or indirectly. A package's subpackages count as the
// package itself (executor/sqlstate is the exception: a leaf anyone may use).
var forbidden = []struct {
	pkg   string
	never []string
}{
	{"pgwire", []string{"parser", "catalog", "storage", "cmd"}},
	{"executor", []string{"pgwire", "storage", "cmd"}},
	{"catalog", []string{"parser", "executor", "pgwire", "cmd"}},
	{"storage", []string{"parser", "catalog", "executor", "pgwire", "cmd"}},
	{"parser", []string{"catalog", "executor", "pgwire", "storage", "cmd"}},
	{"executor/sqlstate", []string{"parser", "catalog", "executor", "pgwire", "storage", "cmd"}},
}

// pkgInfo is the part of `go list -json` output the test reads.
type pkgInfo struct {
	ImportPath string
	Deps       []string
	Error      *struct{ Err string }
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
// executor/plan), "executor/sqlstate" for the leaf, or "" for other modules.
func owner(path string) string {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	if rel == "executor/sqlstate" || strings.HasPrefix(rel, "executor/sqlstate/") {
		return "executor/sqlstate"
	}
	top, _, _ := strings.Cut(rel, "/")
	return top
}

func TestForbiddenImports(t *testing.T) {
	root := repoRoot(t)
	cmd := exec.Command("go", "list", "-deps=false", "-e", "-json=ImportPath,Deps,Error", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
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
		for _, rule := range forbidden {
			if rule.pkg != from {
				continue
			}
			for _, dep := range p.Deps {
				to := owner(dep)
				if to == "" || to == from {
					continue
				}
				if slices.Contains(rule.never, to) {
					t.Errorf("%s imports %s (through its dependencies or directly): %s must never depend on %s",
						p.ImportPath, dep, rule.pkg, to)
				}
			}
		}
	}
	// Guard against the test passing because it looked at nothing.
	for _, want := range []string{"cmd", "executor", "executor/sqlstate"} {
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
