package pgwire

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps pgwire's place in the layering: it talks to the
// executor's contract only, never to the parser, catalog or storage.
func TestImports(t *testing.T) {
	forbidden := []string{
		"github.com/sharehouse/sharehouse/parser",
		"github.com/sharehouse/sharehouse/catalog",
		"github.com/sharehouse/sharehouse/storage",
		"github.com/pganalyze/pg_query_go",
		"go.etcd.io/bbolt",
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if path == bad || strings.HasPrefix(path, bad+"/") {
					t.Errorf("%s imports %s", e.Name(), path)
				}
			}
		}
	}
}
