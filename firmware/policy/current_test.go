package policy

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSelectPicksTheDocumentInEffect(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2022, m, d, 0, 0, 0, 0, now.Location()) }
	dated := func(version string, from, to time.Time) Policy {
		p := Default()
		p.Version, p.EffectiveFrom, p.EffectiveTo = version, from, to
		return p
	}
	normal := Default()
	normal.Version = "normal"
	closed := dated("closed", day(1, 28), day(3, 9))
	tighter := dated("tighter", day(2, 8), day(2, 15))
	classB := dated("class-b", time.Date(2023, 1, 8, 0, 0, 0, 0, now.Location()), time.Time{})
	untilMarch := dated("until-march", time.Time{}, day(3, 1))
	docs := []Policy{closed, normal, tighter, classB, untilMarch}
	cases := []struct {
		name   string
		docs   []Policy
		at     time.Time
		synced bool
		want   string
	}{
		{"before any period: the undated one", []Policy{closed, normal, tighter}, day(1, 27), true, "normal"},
		{"an end date alone is a period", docs, day(1, 27), true, "until-march"},
		{"inside one period", docs, day(2, 1), true, "closed"},
		{"start is inclusive", docs, day(1, 28), true, "closed"},
		{"the later start wins where periods overlap", docs, day(2, 10), true, "tighter"},
		{"end is exclusive", docs, day(2, 15), true, "closed"},
		{"after every period", []Policy{closed, normal, tighter}, day(3, 9), true, "normal"},
		{"open-ended from a date", docs, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true, "class-b"},
		{"clock not synced: no dates trusted", docs, day(2, 10), false, "normal"},
		{"booted in 1970", docs, time.Unix(0, 0), false, "normal"},
		{"no documents: the default", nil, day(2, 10), true, "default-1"},
		{"only dated, none in effect: the default", []Policy{closed}, day(4, 1), true, "default-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Select(c.docs, c.at, c.synced).Version; got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestHolderKeepsTheLastGoodPolicy(t *testing.T) {
	h, err := NewHolder(Default())
	if err != nil {
		t.Fatal(err)
	}
	closed, err := os.ReadFile(filepath.Join(profilesDir, "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		doc     string
		wantErr string
		version string
	}{
		{"good document switches", string(closed), "", "community-closed-1"},
		{"bad value keeps the last good", head + "fever_threshold_c = 35\n", "fever_threshold_c", "community-closed-1"},
		{"unknown key keeps the last good", strings.Replace(string(closed), "[checks.mask]", "[checks.masks]", 1), "checks.masks", "community-closed-1"},
		{"garbage keeps the last good", "\x00\xff{", "update", "community-closed-1"},
		{"empty keeps the last good", "", "version", "community-closed-1"},
		{"JSON push switches", `{"version": "pushed-7", "facility": "community", "phase": "class_b"}`, "", "pushed-7"},
	}
	for _, s := range steps {
		err := h.Update([]byte(s.doc))
		switch {
		case s.wantErr == "" && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
			t.Fatalf("%s: got %v, want an error about %s", s.name, err, s.wantErr)
		}
		if got := h.Current().Version; got != s.version {
			t.Fatalf("%s: current is %s, want %s", s.name, got, s.version)
		}
	}
}

func TestHolderRefusesAnInvalidPolicy(t *testing.T) {
	bad := Default()
	bad.FeverThresholdC = 41
	if _, err := NewHolder(bad); err == nil {
		t.Fatal("NewHolder accepted a 41 °C threshold")
	}
	h, _ := NewHolder(Default())
	if err := h.Set(bad); err == nil || h.Current().FeverThresholdC != 37.3 {
		t.Fatal("Set replaced a good policy with a bad one")
	}
}

func TestHolderIsSafeWhileScreening(t *testing.T) {
	h, _ := NewHolder(Default())
	docs := [][]byte{[]byte(head), []byte(head + "fever_threshold_c = 35\n")}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			_ = h.Update(docs[i%2])
		}
	})
	for range 200 {
		if p := h.Current(); p.Validate() != nil {
			t.Fatal("screened with an invalid policy")
		}
	}
	wg.Wait()
}
