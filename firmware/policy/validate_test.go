package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const head = `version = "test-1"
facility = "community"
phase = "normal"
`

// invalidDocs are documents a site manager might get wrong, each with the
// key and the reason the error must give.
var invalidDocs = []struct {
	name, doc, key, reason string
}{
	{"misspelt key", head + "fever_treshold_c = 37.5\n", "fever_treshold_c", "unknown key"},
	{"unknown check", head + "[checks.thermal]\nmode = \"hard\"\n", "checks.thermal", "unknown key"},
	{"unknown option", head + "[checks.mask]\nmode = \"hard\"\nstrict = true\n", "checks.mask.strict", "unknown key"},
	{"window in words", head + "[checks.nucleic_acid]\nmode = \"hard\"\nwindow = \"2 days\"\n",
		"checks.nucleic_acid.window", `"2 days" is not a duration like 48h`},
	{"window missing", head + "[checks.nucleic_acid]\nmode = \"hard\"\n", "checks.nucleic_acid.window", "must be set"},
	{"window too long", head + "[checks.nucleic_acid]\nmode = \"soft\"\nwindow = \"90d\"\n", "checks.nucleic_acid.window", "outside"},
	{"threshold too low", head + "fever_threshold_c = 35\n", "fever_threshold_c", "outside 36-40"},
	{"threshold too high", head + "fever_threshold_c = 40.5\n", "fever_threshold_c", "outside 36-40"},
	{"comparison backwards", head + "fever_compare = \"=>\"\n", "fever_compare", `"=>" is not one of >=, >`},
	{"re-check window zero", head + "recheck_window = \"0s\"\n", "recheck_window", "outside"},
	{"no version", "facility = \"community\"\nphase = \"normal\"\n", "version", "must be set"},
	{"facility unknown", strings.Replace(head, `"community"`, `"hospital"`, 1), "facility", `"hospital" is not one of`},
	{"phase unknown", strings.Replace(head, `"normal"`, `"lockdown"`, 1), "phase", `"lockdown" is not one of`},
	{"mode unknown", head + "[checks.mask]\nmode = \"strict\"\n", "checks.mask.mode", `"strict" is not one of hard, soft, off`},
	{"visitors allowed in by action", head + "[checks.visitor]\nmode = \"hard\"\naction = \"allow\"\n", "checks.visitor.action", "not one of"},
	{"status misspelt", head + "[checks.health_code]\nmode = \"hard\"\naccept = [\"gren\"]\n", "checks.health_code.accept", `"gren" is not one of`},
	{"nobody accepted", head + "[checks.resident_pass]\nmode = \"hard\"\naccept = []\n", "checks.resident_pass.accept", "nobody would pass"},
	{"fallback unknown", head + "[checks.health_code]\nmode = \"hard\"\non_timeout = \"retry\"\n", "checks.health_code.on_timeout", "not one of"},
	{"fever outcome", head + "[checks.temperature]\non_fever = \"deny\"\n", "checks.temperature.on_fever", "not one of recheck, refer"},
	{"group unknown", head + "[checks.nucleic_acid]\nmode = \"hard\"\nwindow = \"48h\"\napplies_to = [\"everyone\"]\n",
		"checks.nucleic_acid.applies_to", `"everyone" is not one of residents, visitors`},
	{"full numbers of unregistered visitors", head + "[checks.registration]\nfull_numbers = true\n",
		"checks.registration.full_numbers", "visitors are not registered here"},
	{"negative capacity", head + "[checks.capacity]\nmode = \"hard\"\nmax = -1\n", "checks.capacity.max", "not a number of people"},
	{"quarantine waits", head + "[checks.watch]\nmode = \"hard\"\non_quarantine_entry = \"wait\"\n", "checks.watch.on_quarantine_entry", "not one of"},
	{"dates backwards", head + "effective_from = 2022-03-08T00:00:00+08:00\neffective_to = 2022-01-28T00:00:00+08:00\n",
		"effective_to", "is not after effective_from"},
	{"date without offset", head + "effective_from = 2022-01-28T00:00:00\n", "effective_from", "no UTC offset"},
	{"day without offset", head + "effective_to = 2022-03-08\n", "effective_to", "no UTC offset"},
}

func TestParseRejectsInvalidDocumentsWithKeyAndReason(t *testing.T) {
	for _, c := range invalidDocs {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "site.toml")
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			for _, p := range ve.Problems {
				if p.Key == c.key && strings.Contains(p.Reason, c.reason) {
					if !strings.Contains(err.Error(), "policy: site.toml: "+c.key+": ") {
						t.Errorf("message %q does not name the file and key", err)
					}
					return
				}
			}
			t.Fatalf("problems %v lack %s: …%s…", ve.Problems, c.key, c.reason)
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	doc := "version = \"\"\nfacility = \"hospital\"\nphase = \"normal\"\nfever_threshold_c = 41\ncolour = \"red\"\n" +
		"[checks.nucleic_acid]\nmode = \"hard\"\nwindow = \"2 days\"\n"
	_, err := Parse([]byte(doc), "site.toml")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	want := []string{"colour", "version", "facility", "fever_threshold_c", "checks.nucleic_acid.window"}
	if len(ve.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for i, k := range want {
		if ve.Problems[i].Key != k {
			t.Errorf("problem %d is about %s, want %s", i, ve.Problems[i].Key, k)
		}
	}
}

func TestParseRejectsUndecodableDocuments(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"not TOML", head + "fever_threshold_c = \n", "site.toml"},
		{"wrong type", head + "fever_threshold_c = \"high\"\n", "fever_threshold_c"},
		{"JSON with an unknown field", `{"version": "x", "colour": "red"}`, "colour"},
		{"JSON with trailing data", `{"version": "x"} {}`, "after the JSON object"},
		{"too big", head + "# " + strings.Repeat("x", MaxDocument) + "\n", "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "site.toml")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "policy: site.toml: ") {
				t.Fatalf("got %v, want an error about %s", err, c.want)
			}
		})
	}
}

func TestProfilesSurviveAJSONPushFromTheCentre(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(profilesDir, "*.toml"))
	for _, f := range files {
		p, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse(doc, "push")
		if err != nil {
			t.Fatalf("%s as JSON: %v", f, err)
		}
		if again, _ := json.Marshal(q); !bytes.Equal(doc, again) {
			t.Errorf("%s changed on the way through JSON:\n%s\n%s", f, doc, again)
		}
	}
}

func TestLoadDirReportsTheBadFileAndKeepsTheGoodOnes(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(profilesDir, "class-b.toml"))
	write := func(name, doc string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.toml", string(good))
	write("b.toml", head+"fever_threshold_c = 35\n")
	write("c.toml", string(good)) // same version as a.toml
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadDir of a missing directory succeeded")
	}
	docs, err := LoadDir(dir)
	if len(docs) != 1 || docs[0].Version != "class-b-1" {
		t.Fatalf("loaded %d documents, want the good one", len(docs))
	}
	for _, want := range []string{"b.toml: fever_threshold_c", `c.toml: version: "class-b-1" is also the version of`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not report %s", err, want)
		}
	}
}

func TestVisitorMaxStayIsADurationOfTenMinutesToThirtyDays(t *testing.T) {
	for stay, ok := range map[Duration]bool{"": true, "4h": true, "2d": true, "5m": false, "31d": false, "soon": false} {
		p := Default()
		p.Checks.Visitor.MaxStay = stay
		err := p.Validate()
		if (err == nil) != ok {
			t.Errorf("max_stay %q: %v, want ok=%v", stay, err, ok)
		}
		if ok && err != nil && !strings.Contains(err.Error(), "checks.visitor.max_stay") {
			t.Errorf("max_stay %q: the error %v does not name the key", stay, err)
		}
	}
	if got := Default().Checks.Visitor.MaxStayDuration(); got != 4*time.Hour {
		t.Errorf("the community profile's max stay is %s, want 4h", got)
	}
}
