package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// rosterKeys are the fleet's keys the roster needs: the centre signs its
// head with the policy key, units verify with its public half, and both
// hash ID numbers with the tracing key.
type rosterKeys struct {
	signing, verify, tracing string // file paths
	tracingKey               []byte
	issuerPub                string // the site office's pass key, as a unit config writes it
	issuer                   ed25519.PrivateKey
}

func newRosterKeys(t *testing.T) rosterKeys {
	t.Helper()
	dir := t.TempDir()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	k := rosterKeys{signing: filepath.Join(dir, "policy.key"), verify: filepath.Join(dir, "policy.pub"),
		tracing: filepath.Join(dir, "tracing.key"), tracingKey: bytes.Repeat([]byte("t"), 32)}
	os.WriteFile(k.signing, []byte(base64.StdEncoding.EncodeToString(key.Seed())+"\n"), 0o600)
	os.WriteFile(k.verify, []byte(base64.StdEncoding.EncodeToString(pub)+"\n"), 0o600)
	os.WriteFile(k.tracing, k.tracingKey, 0o600)
	ipub, ipriv := credential.GenerateIssuer()
	k.issuerPub, k.issuer = credential.FormatPublicKey(ipub), ipriv
	return k
}

// TestARosterPushReachesAnOfflineUnitAndMatchesAPassAndAVisitor: an
// official puts a resident in home quarantine (by pass) and a person in
// health monitoring (by ID number) on the roster while the gate's unit is
// not connected. The unit connects later, gets the retained roster,
// verifies and assembles it; then a scanned signed pass of the
// quarantined resident and a visitor registered with the monitored ID
// number are matched at the gate, each raising its alert at the centre.
// Run straight to the collector and through a site gateway.
func TestARosterPushReachesAnOfflineUnitAndMatchesAPassAndAVisitor(t *testing.T) {
	for _, via := range []string{"direct", "gateway"} {
		t.Run(via, func(t *testing.T) { rosterToTheGate(t, via == "gateway") })
	}
}

func rosterToTheGate(t *testing.T, viaGateway bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keys := newRosterKeys(t)
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n"+
		"[policy]\nsigning_key_file = %q\n[privacy]\ntracing_key_file = %q\n", keys.signing, keys.tracing))
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	postRoster(t, c.HTTPURL(), `[{"id":"q-1","site":"estate","pass":"Q-7","household":"3号楼2单元501","kind":"home_quarantine",
		"start":"`+today+`","plan":"14+7+7","tests":["24h","7d","14d"]},
		{"id":"m-1","site":"estate","id_number":"110105194912310011","kind":"health_monitoring","start":"`+today+`","plan":"14","outcome":"deny"}]`)

	broker := c.BrokerURL()
	if viaGateway {
		broker = startGateway(t, ctx, "estate", c.BrokerURL(), 0).LANURL()
	}
	scanner, port := socatPair(t)
	u := runUnit(t, ctx, "gate-1", func(dir string) string {
		return serialGateConfig("estate", filepath.Join(dir, "data"), broker, port, "") + fmt.Sprintf(`[credentials]
issuers = { estate-office = %q }
[policy]
verify_keys = [%q]
[privacy]
tracing_key_file = %q
`, keys.issuerPub, keys.verify, keys.tracing)
	})
	testenv.Await(t, "the roster at the gate", patience, func() bool { return u.Roster().Len() == 2 })

	pass, err := credential.IssuePass(keys.issuer, credential.PassClaims{Issuer: "estate-office", ID: "Q-7",
		Role: credential.RoleResident, Household: "3-2-501", Expires: time.Now().Add(24 * time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	visitorCode, _ := credential.EncodeVisitor(credential.Visitor{Name: "王五", Destination: "5号楼1单元101"})
	w, err := os.OpenFile(scanner, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fmt.Fprintf(w, "%s\r\n%s\r\n", pass, visitorCode)
	quarantined := awaitEntry(t, ctx, u, func(e wire.Entry) bool { return e.Credential.Subject == "Q-7" })
	if quarantined.Alert != "watch_quarantine" || quarantined.Watch == nil || quarantined.Watch.Entry != "q-1" ||
		quarantined.Watch.By != wire.WatchByPass || quarantined.Decision != wire.Allow {
		t.Fatalf("the quarantined resident's pass: %s alert %q watch %+v, want allow (going home) with the alert",
			quarantined.Decision, quarantined.Alert, quarantined.Watch)
	}

	scanned := awaitEntry(t, ctx, u, func(e wire.Entry) bool { return e.Credential.Kind == wire.CredentialVisitor })
	priv, _ := credential.NewPrivacy(keys.tracingKey, nil)
	v, _ := priv.Minimise(wire.Visitor{Name: "王五", Destination: "5号楼1单元101"}, "13800000000", "110105194912310011", false)
	reg, err := u.Amend(ctx, scanned.ID, screening.Amend{Visitor: &v})
	if err != nil || reg.Decision != wire.Deny || reg.Alert != "watch_monitoring" || reg.Watch == nil || reg.Watch.By != wire.WatchByIDHash {
		t.Fatalf("the registered visitor under monitoring: %+v %v, want deny with watch_monitoring by id_hash", reg, err)
	}

	testenv.Await(t, "both alerts at the centre", patience, func() bool {
		body := getBody(t, c.HTTPURL()+"/api/v1/alerts?site=estate")
		return strings.Contains(body, `"watch_quarantine"`) && strings.Contains(body, `"watch_monitoring"`)
	})
	// The centre's listing says the person is monitored without showing
	// the ID number or its hash.
	list := getBody(t, c.HTTPURL()+"/api/v1/roster?site=estate")
	if !strings.Contains(list, `"has_id":true`) || strings.Contains(list, wire.PersonHash(keys.tracingKey, "id", "110105194912310011")) ||
		strings.Contains(list, "110105194912310011") {
		t.Fatalf("the centre's roster listing: %s", list)
	}
}

func postRoster(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/roster", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST roster: %s %s", resp.Status, b)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// awaitEntry waits for the unit's ledger to hold an entry match accepts.
func awaitEntry(t *testing.T, ctx context.Context, u *unit.Unit, match func(wire.Entry) bool) wire.Entry {
	t.Helper()
	var found wire.Entry
	testenv.Await(t, "the entry in the unit's ledger", patience, func() bool {
		es, _ := u.Ledger().Entries(ctx, 0, 100)
		for _, e := range es {
			if match(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// serialGateConfig is the head of the config of unit gate-1 at site, an
// entrance lane on a trusted clock reading a serial scanner at port and
// publishing to broker; top holds any further top-level keys, and the
// caller appends its own sections.
func serialGateConfig(site, dataDir, broker, port, top string) string {
	return fmt.Sprintf(`site = %q
unit = "gate-1"
lane = "in"
data_dir = %q
trust_clock = true
%s
[console]
listen = "off"
[mqtt]
broker = %q
[thermometer]
driver = "sim"
[scanner]
driver = "serial"
port = %q
terminator = "crlf"
`, site, dataDir, top, broker, port)
}

// socatPair starts socat with two linked pseudo-terminals: the scanner's
// end, written to as a USB scanner would, and the unit's serial port.
func socatPair(t *testing.T) (scanner, port string) {
	t.Helper()
	socat := testenv.Need(t, "socat")
	dir := t.TempDir()
	scanner, port = filepath.Join(dir, "scanner"), filepath.Join(dir, "unit")
	cmd := exec.Command(socat, "pty,raw,echo=0,link="+scanner, "pty,raw,echo=0,link="+port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	testenv.Await(t, "socat to create its ptys", 10*time.Second, func() bool {
		_, errA := os.Stat(scanner)
		_, errB := os.Stat(port)
		return errA == nil && errB == nil
	})
	return scanner, port
}
