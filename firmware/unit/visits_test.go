package unit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

func TestLoadConfigChecksVisitsAndPrinter(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		want        string // a problem; "" means accepted
	}{
		{"prefix and printer", "[visits]\nprefix = 7\n[printer]\nport = \"/dev/ttyUSB1\"\n", ""},
		{"prefix 10", "[visits]\nprefix = 10\n", "visits.prefix: 10: want 1-9"},
		{"printer baud 0", "[printer]\nport = \"/dev/ttyUSB1\"\nbaud = 0\n", "printer.baud: 0"},
		{"printer on the scanner's port", "[scanner]\ndriver = \"serial\"\nport = \"/dev/ttyUSB0\"\n[printer]\nport = \"/dev/ttyUSB0\"\n",
			`printer.port: "/dev/ttyUSB0" is the scanner's port too`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(writeConfig(t, minimal+tc.extra))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.want == "" && (c.Printer.Baud != 9600 || c.Visits.prefix(c.Unit) != 7):
				t.Fatalf("printer %+v, prefix %d; want the 9600 default and 7", c.Printer, c.Visits.prefix(c.Unit))
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if p := (VisitsConfig{}).prefix("north-gate"); p < 1 || p > 9 || p != (VisitsConfig{}).prefix("north-gate") {
		t.Errorf("derived prefix %d, want a stable digit 1-9", p)
	}
}

// TestUnitIntegrationPrintsAVisitReceiptOnASerialPrinter runs a whole unit
// with its receipt printer on one end of a socat pty pair: a visitor
// registered at the entrance has a visit, and printing it sends the
// ESC/POS receipt — its short code and its QR's text — down the line.
func TestUnitIntegrationPrintsAVisitReceiptOnASerialPrinter(t *testing.T) {
	printerEnd, unitEnd, _ := socatPair(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "unit.toml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`site = "s1"
unit = "gate-1"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = "tcp://127.0.0.1:1"
[simulator]
mean_interval = "10ms"
max_people = 1
fever_ratio = 0.0
visitor_ratio = 1.0
no_code_ratio = 0.0
unreadable_ratio = 0.0
[visits]
prefix = 4
[printer]
port = %q
`, filepath.Join(dir, "data"), unitEnd)), 0o600)
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	defer func() { cancel(); awaitRun(t, done); u.Close() }()
	testenv.Await(t, "the visitor scanned", 10*time.Second, func() bool {
		es, _ := u.Ledger().Entries(ctx, 0, 2)
		return len(es) == 1
	})
	v := wire.Visitor{Name: "张三", Phone: wire.MaskPhone("13812345678")}
	scanned, _ := u.Ledger().Entries(ctx, 0, 1)
	e, err := u.Amend(ctx, scanned[0].ID, screening.Amend{Visitor: &v})
	if err != nil || e.Visit == nil || e.Visit.Code[0] != '4' {
		t.Fatalf("registration %+v %v, want a visit coded 4…", e.Visit, err)
	}
	if in, _ := u.Inside(ctx); len(in) != 1 || in[0].ID != e.ID {
		t.Fatalf("Inside = %+v, want the visit", in)
	}
	printer, err := os.Open(printerEnd)
	if err != nil {
		t.Fatal(err)
	}
	defer printer.Close()
	if err := u.PrintVisit(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	_, qr, _ := u.Visit(e.ID)
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 512)
		for !bytes.Contains(b.Bytes(), []byte{0x1d, 0x56, 0x42}) { // the cut ends a receipt
			n, err := printer.Read(buf)
			b.Write(buf[:n])
			if err != nil && err != io.EOF {
				break
			}
		}
		got <- b.Bytes()
	}()
	select {
	case b := <-got:
		if !bytes.HasPrefix(b, []byte{0x1b, 0x40}) || !bytes.Contains(b, []byte(e.Visit.Code)) || !bytes.Contains(b, []byte(qr)) {
			t.Fatalf("printer received % x, want an initialised receipt with code %s and QR %q", b, e.Visit.Code, qr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no receipt reached the printer")
	}
	if err := u.PrintVisit(ctx, "no-such-entry"); err == nil {
		t.Error("printed a receipt for no visit")
	}
}
