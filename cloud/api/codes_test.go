package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goCodes walks the Go that makes the codes the API hands the dashboard
// and returns them by the dashboard's group: the wire's decisions, lanes,
// credential kinds, record kinds and ID kinds, the credential results and
// statuses, the policy's reasons, alerts and facility types, every Alert
// kind a store or a notifier raises, every device a unit reports, and the
// API's roles. A code added there shows up here without a list to update.
func goCodes(t *testing.T) map[string][]string {
	t.Helper()
	codes := map[string][]string{}
	add := func(group, code string) {
		if !slices.Contains(codes[group], code) {
			codes[group] = append(codes[group], code)
		}
	}
	byType := map[string]string{"Decision": "decisions", "Lane": "lanes", "CredentialKind": "kinds",
		"RecordKind": "recordKinds", "Status": "results", "Facility": "facilities"}
	byPrefix := map[string]map[string]string{
		"wire":       {"ID": "idKinds", "MatchedBy": "matchedBy", "Reason": "reasons"},
		"credential": {"Result": "results"},
		"policy":     {"Alert": "alertKinds"},
		"api":        {"Role": "roles"},
		"store":      {"Kind": "alertKinds", "Severity": "severities"},
	}
	root := filepath.Join("..", "..")
	walkGo(t, root, func(f *ast.File) {
		pkg := f.Name.Name
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					v, ok := stringLit(vs.Values[i])
					if !ok {
						continue
					}
					if id, ok := vs.Type.(*ast.Ident); ok && byType[id.Name] != "" &&
						(pkg == "wire" || pkg == "credential" || pkg == "policy") {
						add(byType[id.Name], v)
					}
					for prefix, group := range byPrefix[pkg] {
						if strings.HasPrefix(name.Name, prefix) && name.Name != prefix {
							add(group, v)
						}
					}
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			typ := typeName(lit.Type)
			for _, el := range lit.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, _ := kv.Key.(*ast.Ident)
				v, ok := stringLit(kv.Value)
				switch {
				case !ok || key == nil || v == "":
				case typ == "Reason" && key.Name == "Code":
					add("reasons", v)
				case typ == "Alert" && key.Name == "Kind":
					add("alertKinds", v)
				case typ == "Device" && key.Name == "Name":
					add("devices", v)
				}
			}
			return true
		})
	})
	return codes
}

// walkGo parses every non-test Go file of the firmware and the cloud.
func walkGo(t *testing.T, root string, fn func(*ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	for _, dir := range []string{"firmware", "cloud", "gateway"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(path, "testdata") || strings.Contains(path, "loadgen") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			fn(f)
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

func typeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

// TestEveryCodeTheAPISendsHasAChineseAndAnEnglishWord: no code reaches an
// operator raw (unverified, preregistered, persuade_return…): each one
// the Go side defines has a word in both of the dashboard's languages.
func TestEveryCodeTheAPISendsHasAChineseAndAnEnglishWord(t *testing.T) {
	table := codeWords() // web/codes.js, as compiled in
	codes := goCodes(t)
	for _, group := range []string{"decisions", "lanes", "kinds", "recordKinds", "results", "reasons",
		"alertKinds", "facilities", "idKinds", "roles", "devices", "matchedBy"} {
		if len(codes[group]) == 0 {
			t.Errorf("found no %s in the Go source: the walk has lost them", group)
		}
		for _, code := range codes[group] {
			for _, lang := range []string{"zh", "en"} {
				if w := table[lang][group][code]; strings.TrimSpace(w) == "" {
					t.Errorf("web/codes.js: %s.%s has no %s word for %q", lang, group, lang, code)
				}
			}
		}
	}
	if testing.Verbose() {
		b, _ := json.Marshal(codes)
		t.Logf("codes: %s", b)
	}
}
