package unit

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
)

func TestLoadConfigReadsDisplayNamesAndVoice(t *testing.T) {
	body := "site_name = \"阳光花园小区\"\nunit_name = \"北门\"\n" + minimal + "[console]\nvoice = true\n"
	c, err := LoadConfig(writeConfig(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if c.SiteName != "阳光花园小区" || c.UnitName != "北门" || !c.Console.Voice {
		t.Fatalf("site_name %q unit_name %q voice %t", c.SiteName, c.UnitName, c.Console.Voice)
	}
	c, err = LoadConfig(writeConfig(t, minimal))
	if err != nil || c.SiteName != "" || c.UnitName != "" || c.Console.Voice {
		t.Fatalf("without the keys: %q %q voice %t, %v; want no names and no voice", c.SiteName, c.UnitName, c.Console.Voice, err)
	}
}

func TestLoadConfigRefusesDisplayNamesAGuardWouldMisread(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"too long", `site_name = "` + strings.Repeat("阳光花园", 9) + `"`, "site_name: 36 characters, at most 32"},
		{"a line break", `unit_name = "北门\n南门"`, "unit_name: "},
		{"a control character", `unit_name = "北门\u0007"`, "control or invisible"},
		{"a direction override", `site_name = "\u202e区小园花光阳"`, "site_name: "},
		{"a space at the end", `unit_name = "北门 "`, "starts or ends with a space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.line+"\n"+minimal))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestLoadConfigReadsBuzzerRhythms(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, minimal+"[gate]\nbuzzer_pin = \"GPIO23\"\n[gate.beeps]\nallow = \". .\"\npersuade_return = \"-.-\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := c.Gate.opts()
	if o.Beeps[gate.Allow] != ". ." || o.Beeps[gate.PersuadeReturn] != "-.-" || len(o.Beeps) != 2 {
		t.Fatalf("beeps %v", o.Beeps)
	}
}

func TestLoadConfigRefusesBuzzerRhythmsAGuardCouldNotTellApart(t *testing.T) {
	tests := []struct{ name, beeps, want string }{
		{"a decision that does not exist", `open = "."`, "gate.beeps.open: not a decision"},
		{"a symbol that is not a beep", `deny = "-x-"`, "gate.beeps.deny: "},
		{"empty", `wait = ""`, "gate.beeps.wait: empty"},
		{"two decisions alike", `deny = "---"`, "gate: beeps.refer \"---\" sounds the same as deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, minimal+"[gate.beeps]\n"+tt.beeps+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// The control room reads the gate's names from its status, as the guard
// reads them on the console.
func TestUnitStatusCarriesTheDisplayNames(t *testing.T) {
	b := startTestBroker(t)
	path := writeConfig(t, fmt.Sprintf("site = \"s1\"\nunit = \"u1\"\nsite_name = \"阳光花园小区\"\nunit_name = \"北门\"\n"+
		"data_dir = %q\n[console]\nlisten = \"off\"\n[mqtt]\nbroker = %q\n[simulator]\nmean_interval = \"1h\"\n", t.TempDir(), b.url))
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	run(t, u)
	deadline := time.After(hangGuard)
	for {
		select {
		case s := <-b.statuses:
			if s.State != wire.Online {
				continue
			}
			if s.SiteName != "阳光花园小区" || s.UnitName != "北门" {
				t.Fatalf("status names %q %q, want 阳光花园小区 北门", s.SiteName, s.UnitName)
			}
			return
		case <-deadline:
			t.Fatal("no online status reached the broker")
		}
	}
}
