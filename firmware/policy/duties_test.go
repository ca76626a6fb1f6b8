package policy

import (
	"path/filepath"
	"strings"
	"testing"
)

const dutyHead = `version = "d-1"
facility = "community"
phase = "closed"
`

func TestDutiesRefuseWhatAGuardCouldNotFollow(t *testing.T) {
	cases := []struct {
		name, doc, key string
	}{
		{"both at and times", `[[duties]]
id = "a"
name = "消毒"
at = ["08:00"]
times_per_day = 2`, "duties[0]"},
		{"neither at nor times", "[[duties]]\nid = \"a\"\nname = \"消毒\"", "duties[0]"},
		{"time of day past midnight", "[[duties]]\nid = \"a\"\nname = \"消毒\"\nat = [\"25:00\"]", "duties[0].at"},
		{"times out of order", "[[duties]]\nid = \"a\"\nname = \"消毒\"\nat = [\"12:00\", \"08:00\"]", "duties[0].at"},
		{"a time twice", "[[duties]]\nid = \"a\"\nname = \"消毒\"\nat = [\"08:00\", \"08:00\"]", "duties[0].at"},
		{"single-digit hour", "[[duties]]\nid = \"a\"\nname = \"消毒\"\nat = [\"8:00\"]", "duties[0].at"},
		{"window of a second", "[[duties]]\nid = \"a\"\nname = \"消毒\"\nat = [\"08:00\"]\nwindow = \"1s\"", "duties[0].window"},
		{"window on a daily count", "[[duties]]\nid = \"a\"\nname = \"消毒\"\ntimes_per_day = 2\nwindow = \"1h\"", "duties[0].window"},
		{"a hundred turns", "[[duties]]\nid = \"a\"\nname = \"消毒\"\ntimes_per_day = 100", "duties[0]"},
		{"id with a space", "[[duties]]\nid = \"gate disinfection\"\nname = \"消毒\"\ntimes_per_day = 1", "duties[0].id"},
		{"no name", "[[duties]]\nid = \"a\"\ntimes_per_day = 1", "duties[0].name"},
		{"one id twice", "[[duties]]\nid = \"a\"\nname = \"x\"\ntimes_per_day = 1\n[[duties]]\nid = \"a\"\nname = \"y\"\ntimes_per_day = 1", "duties[1].id"},
		{"unknown duty key", "[[duties]]\nid = \"a\"\nname = \"x\"\ntimes_per_day = 1\nevery = \"2h\"", "duties.every"},
		{"negative staffing", "min_guards = -1", "min_guards"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := dutyHead + c.doc
			if strings.HasPrefix(c.doc, "min_guards") {
				doc = strings.Replace(dutyHead, "version", c.doc+"\nversion", 1)
			}
			_, err := Parse([]byte(doc), "site.toml")
			if err == nil || !strings.Contains(err.Error(), "site.toml: "+c.key) {
				t.Fatalf("got %v, want a problem under %s", err, c.key)
			}
		})
	}
}

func TestDutiesGetTheirDefaultWindowAndKeepTheirTimes(t *testing.T) {
	p, err := Parse([]byte(dutyHead+"min_guards = 2\n[[duties]]\nid = \"gate\"\nname = \"大门消毒\"\nat = [\"08:00\", \"18:00\"]\n"), "site.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Duties) != 1 || p.Duties[0].Window != DefaultDutyWindow || p.MinGuards != 2 {
		t.Fatalf("duties = %+v, min_guards %d", p.Duties, p.MinGuards)
	}
	if at, _ := Clock(p.Duties[0].At[1]); at.Hours() != 18 {
		t.Fatalf("18:00 read as %s", at)
	}
}

func TestClosedCommunityListsTheDisinfectionRoundsAndTwoGuards(t *testing.T) {
	p, err := Load(filepath.Join(profilesDir, "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.MinGuards != 2 || len(p.Duties) != 2 || len(p.Duties[0].At) != 3 || p.Duties[1].TimesPerDay != 2 {
		t.Fatalf("community-closed: min_guards %d, duties %+v", p.MinGuards, p.Duties)
	}
}
