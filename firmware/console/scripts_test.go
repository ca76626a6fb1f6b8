package console

import (
	"regexp"
	"testing"
)

// TestConsoleScriptsDeclareEachTopLevelNameOnce: the page's scripts share
// one global scope, and a second top-level const or let of a name makes
// the browser refuse that whole script, so a panel would silently never
// work at the gate.
func TestConsoleScriptsDeclareEachTopLevelNameOnce(t *testing.T) {
	page, err := web.ReadFile("web/console.html")
	if err != nil {
		t.Fatal(err)
	}
	srcs := regexp.MustCompile(`<script src="static/([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	if len(srcs) == 0 {
		t.Fatal("the console page loads no scripts")
	}
	decl := regexp.MustCompile(`(?m)^(?:const|let|var|function\*?|async function|class)\s+([A-Za-z_$][\w$]*)`)
	first := map[string]string{}
	for _, s := range srcs {
		text, err := web.ReadFile("web/" + s[1])
		if err != nil {
			t.Fatalf("console.html loads %s: %v", s[1], err)
		}
		for _, m := range decl.FindAllStringSubmatch(string(text), -1) {
			if prev, ok := first[m[1]]; ok {
				t.Errorf("%s declares %s at the top level, as %s does", s[1], m[1], prev)
				continue
			}
			first[m[1]] = s[1]
		}
	}
}
