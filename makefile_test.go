package kakou

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// makefile is the repository's Makefile, read once per test.
func makefile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// versionVar is a package-level string variable a build stamps with -X.
type versionVar struct {
	pkg  string // import path, "main" for a command
	dir  string
	name string
}

// versionVars finds every package-level `var version = "dev"` (any case)
// outside tests: each is a program's version that a build must stamp.
func versionVars(t *testing.T) []versionVar {
	t.Helper()
	var found []versionVar
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		for _, name := range stringVars(f) {
			if !strings.EqualFold(name, "version") {
				continue
			}
			dir := filepath.ToSlash(filepath.Dir(path))
			pkg := module + dir
			if f.Name.Name == "main" {
				pkg = "main"
			}
			found = append(found, versionVar{pkg: pkg, dir: dir, name: name})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// stringVars lists f's package-level variables that -X can set: strings
// declared without a value or with a string literal.
func stringVars(f *ast.File) []string {
	var names []string
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			for i, n := range v.Names {
				if id, ok := v.Type.(*ast.Ident); ok && id.Name == "string" {
					names = append(names, n.Name)
				} else if i < len(v.Values) {
					if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

var xFlag = regexp.MustCompile(`-X\s+(\S+)\.([A-Za-z_][A-Za-z0-9_]*)=`)

func TestMakefileStampsTheVersionOfEveryProgram(t *testing.T) {
	mk := makefile(t)
	ld := regexp.MustCompile(`(?m)^LDFLAGS\s*:?=(.*)$`).FindStringSubmatch(mk)
	if ld == nil {
		t.Fatal("Makefile has no LDFLAGS")
	}
	stamped := map[string]bool{}
	for _, m := range xFlag.FindAllStringSubmatch(ld[1], -1) {
		stamped[m[1]+"."+m[2]] = true
	}
	vars := versionVars(t)
	if len(vars) == 0 {
		t.Fatal("no version variables found; the search is broken")
	}
	for _, v := range vars {
		if !stamped[v.pkg+"."+v.name] {
			t.Errorf("%s declares %s, but LDFLAGS has no -X %s.%s=…: that program always reports \"dev\"", v.dir, v.name, v.pkg, v.name)
		}
	}
	// A -X naming a symbol that does not exist is silently ignored.
	for sym := range stamped {
		if !slices.ContainsFunc(vars, func(v versionVar) bool { return v.pkg+"."+v.name == sym }) {
			t.Errorf("LDFLAGS sets %s, which no package declares as a string variable", sym)
		}
	}
}

func TestMakefileBuildsEveryTargetWithTheVersionFlags(t *testing.T) {
	builds := 0
	for _, line := range strings.Split(makefile(t), "\n") {
		if !strings.Contains(line, "$(GO) build") {
			continue
		}
		builds++
		if !strings.Contains(line, "-ldflags '$(LDFLAGS)'") {
			t.Errorf("a build without -ldflags '$(LDFLAGS)' reports version dev:\n%s", line)
		}
	}
	if builds == 0 {
		t.Fatal("no go build lines found in the Makefile")
	}
}

// prerequisites is every target make runs for target, itself included.
func prerequisites(t *testing.T, mk, target string) []string {
	t.Helper()
	rules := map[string][]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Za-z][\w-]*):([^=\n]*)$`).FindAllStringSubmatch(mk, -1) {
		rules[m[1]] = strings.Fields(m[2])
	}
	if _, ok := rules[target]; !ok {
		t.Fatalf("Makefile has no target %q", target)
	}
	seen := []string{}
	var walk func(string)
	walk = func(tg string) {
		if slices.Contains(seen, tg) {
			return
		}
		seen = append(seen, tg)
		for _, p := range rules[tg] {
			walk(p)
		}
	}
	walk(target)
	return seen
}

func TestMakeDemoBuildsOnlyTheHostProgramsAndBuildStillCrossCompiles(t *testing.T) {
	mk := makefile(t)
	if demo := prerequisites(t, mk, "demo"); slices.Contains(demo, "cross") || !slices.Contains(demo, "host") {
		t.Errorf("make demo runs %v: want host and not cross (three ARM builds a fresh clone would wait for)", demo)
	}
	if build := prerequisites(t, mk, "build"); !slices.Contains(build, "cross") || !slices.Contains(build, "host") {
		t.Errorf("make build runs %v: want both cross and host", build)
	}
	if !strings.Contains(mk, "configs/demo.sh $(BIN)") {
		t.Error("the demo no longer runs configs/demo.sh on $(BIN), where host puts the programs")
	}
}
