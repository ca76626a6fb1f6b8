package policy

import (
	"testing"
)

// Only the care home in an outbreak keeps visitors' full numbers (sealed);
// every other profile keeps masked forms and hashes alone (SECURITY.md "PII minimisation").
func TestOnlyTheCareHomeOutbreakKeepsFullNumbers(t *testing.T) {
	docs, err := LoadDir(profilesDir)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range docs {
		want := d.Version == "class-b-nursing-home-1"
		found = found || want
		if d.Checks.Registration.FullNumbers != want {
			t.Errorf("%s: full_numbers = %v, want %v", d.Version, d.Checks.Registration.FullNumbers, want)
		}
	}
	if !found {
		t.Fatal("the nursing-home outbreak profile is missing")
	}
	if Default().Checks.Registration.FullNumbers {
		t.Error("the built-in default keeps full numbers")
	}
}
