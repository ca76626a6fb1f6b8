package kakou

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kakou/kakou/"

// rule says which of the module's own folders a folder may import, and, for
// the hardware and contract layers, which outside modules.
type rule struct {
	internal []string
	external []string // nil: any; empty: standard library only
	tests    []string // the module's folders only its tests may import besides
}

// rules follow docs/architecture.md "Folders and what each may import". The wire contract is
// the only thing all three programs share, so it takes on no outside module
// but the JSON v2 decoder (go-json-experiment, the code encoding/json/v2 is
// made from, behind GOEXPERIMENT in Go 1.26): every program decodes payloads
// through it, and the collector decodes every entry of every unit. Beside it,
// the client side of the delivery protocol is shared by the unit and the
// gateway, which relays the same protocol: paho and the wire contract only.
var rules = []struct {
	dir string
	rule
}{
	{"firmware/wire", rule{internal: []string{"firmware/wire"}, external: []string{"github.com/go-json-experiment/json"}}},
	{"firmware/delivery", rule{internal: []string{"firmware/delivery", "firmware/wire"}, external: []string{"github.com/eclipse/paho.mqtt.golang"}}},
	// The updater installs the unit's and the gateway's updates alike.
	{"firmware/update", rule{internal: []string{"firmware/update", "firmware/wire"}, external: []string{}}},
	{"firmware/sdnotify", rule{internal: []string{"firmware/sdnotify"}, external: []string{"github.com/coreos/go-systemd/v22"}}},
	{"drivers", rule{internal: []string{"drivers"}, external: []string{"periph.io/", "go.bug.st/serial", "golang.org/x/sys", "golang.org/x/text"}}},
	// The unit's binary carries no broker; its tests run embedded ones.
	{"firmware", rule{internal: []string{"firmware", "drivers"}, tests: []string{"internal/embedbroker"}}},
	{"gateway", rule{internal: []string{"gateway", "firmware/wire", "firmware/delivery", "firmware/update", "firmware/sdnotify", "internal/embedbroker"}}},
	{"cloud", rule{internal: []string{"cloud", "firmware/wire", "firmware/sdnotify", "internal/embedbroker"}}},
	// The embedded mochi broker's listener and close, for the collector's
	// broker, the gateway's LAN broker and the unit's test brokers: mochi only.
	{"internal/embedbroker", rule{internal: []string{}, external: []string{"github.com/mochi-mqtt/server/v2"}}},
	{"internal/testenv", rule{internal: []string{}, external: []string{}}},
	// An in-process NATS cluster for tests: the server module only.
	{"internal/natstest", rule{internal: []string{}, external: []string{"github.com/nats-io/nats-server/v2"}}},
	// A packet-level MQTT proxy for tests: the standard library only.
	{"internal/mqttproxy", rule{internal: []string{}, external: []string{}}},
	// The Debian packages are built from the programs' source, never by
	// importing them: nfpm and the standard library.
	{"packaging", rule{internal: []string{"packaging"}}},
	// The end-to-end tests start several programs, so they may reach
	// into all of them; nothing imports them.
	{"e2e", rule{internal: []string{"firmware", "drivers", "gateway", "cloud", "packaging"}}},
}

// testOnly are the module's packages for tests: any folder's tests may
// import them, and no program's code may.
var testOnly = []string{"internal/testenv", "internal/natstest", "internal/mqttproxy"}

func TestFoldersImportOnlyWhatTheArchitectureAllows(t *testing.T) {
	checked := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		r, ok := ruleFor(filepath.ToSlash(path))
		if !ok {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if why := r.refuses(p, isTest); why != "" {
				t.Errorf("%s imports %s: %s", path, p, why)
			}
		}
		checked[strings.SplitN(filepath.ToSlash(path), "/", 2)[0]] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if top := strings.SplitN(r.dir, "/", 2)[0]; !checked[top] {
			t.Errorf("no files checked under %s/; the walk is broken or the folder is gone", top)
		}
	}
}

func ruleFor(path string) (rule, bool) {
	for _, r := range rules {
		if strings.HasPrefix(path, r.dir+"/") {
			return r.rule, true
		}
	}
	return rule{}, false
}

// refuses explains why importing p breaks r. Tests may use outside modules
// (an embedded broker, say) but never reach into another program.
func (r rule) refuses(p string, isTest bool) string {
	if rest, ok := strings.CutPrefix(p, module); ok {
		if slices.Contains(testOnly, rest) {
			if isTest {
				return ""
			}
			return "only tests may import " + rest
		}
		allowed := r.internal
		if isTest {
			allowed = slices.Concat(r.internal, r.tests)
		}
		for _, dir := range allowed {
			if rest == dir || strings.HasPrefix(rest, dir+"/") {
				return ""
			}
		}
		return "this folder may import only " + strings.Join(r.internal, ", ") + " from the module"
	}
	if isTest || r.external == nil || !strings.Contains(strings.Split(p, "/")[0], ".") {
		return ""
	}
	for _, prefix := range r.external {
		if strings.HasPrefix(p, prefix) {
			return ""
		}
	}
	return "this folder may import only the standard library and " + strings.Join(r.external, ", ")
}
