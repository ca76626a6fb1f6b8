package unit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestUnitIntegrationSerialScanner runs a whole unit with its scanner on a
// real pseudo-terminal pair from socat: codes typed into the "scanner" end
// become decided entries in the ledger, as on a Pi with a USB scanner.
func TestUnitIntegrationSerialScanner(t *testing.T) {
	scannerEnd, unitEnd, stopSocat := socatPair(t)
	pub, priv := credential.GenerateIssuer()
	signed, err := credential.IssuePass(priv, credential.PassClaims{Issuer: "site-office", ID: "R-0002",
		Role: credential.RoleResident, Expires: time.Now().Add(24 * time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "unit.toml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`site = "s1"
unit = "u1"
data_dir = %q
[console]
listen = "127.0.0.1:0"
[mqtt]
broker = "tcp://127.0.0.1:1"
[thermometer]
driver = "sim"
offset_c = 0.5
[scanner]
driver = "serial"
port = %q
terminator = "crlf"
[credentials]
issuers = { site-office = %q }
`, filepath.Join(dir, "data"), unitEnd, credential.FormatPublicKey(pub))), 0o600)
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

	port, err := os.OpenFile(scannerEnd, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	codes := []string{"KAKOU1:PASS:R-0001", "KAKOU1:VISIT:V42", "https://example.com/x", signed}
	for _, c := range codes {
		fmt.Fprintf(port, "%s\r\n", c)
	}
	want := []wire.Decision{wire.Allow, wire.Register, wire.Register, wire.Allow}
	var got []wire.Entry
	for len(got) < len(codes) {
		if ctx.Err() != nil {
			t.Fatalf("only %d of %d scans logged", len(got), len(codes))
		}
		time.Sleep(50 * time.Millisecond)
		got, _ = u.Ledger().Entries(ctx, 0, 10)
	}
	for i, e := range got {
		if e.Decision != want[i] || e.Temperature == nil {
			t.Errorf("scan %q: decision %s temperature %v, want %s with a reading", codes[i], e.Decision, e.Temperature, want[i])
		}
	}
	if c := got[3].Credential; c.Result != "valid" || c.Subject != "R-0002" {
		t.Fatalf("signed pass checked as %+v, want valid R-0002", c)
	}
	if d := u.Devices(); len(d) != 1 || !d[0].OK {
		t.Fatalf("scanner health while working: %+v", d)
	}
	stopSocat() // the scanner's cable is pulled
	for d := u.Devices(); len(d) != 1 || d[0].OK; d = u.Devices() {
		if ctx.Err() != nil {
			t.Fatalf("unplugged scanner never reported: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// socatPair starts socat with two linked pseudo-terminals and returns their
// paths. Missing socat skips, unless KAKOU_INTEGRATION=1 demands it.
func socatPair(t *testing.T) (a, b string, stop func()) {
	t.Helper()
	socat := testenv.Need(t, "socat")
	dir := t.TempDir()
	a, b = filepath.Join(dir, "scanner"), filepath.Join(dir, "unit")
	cmd := exec.Command(socat, "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(stop)
	testenv.Await(t, "socat to create its ptys", 10*time.Second, func() bool {
		_, errA := os.Stat(a)
		_, errB := os.Stat(b)
		return errA == nil && errB == nil
	})
	return a, b, stop
}
