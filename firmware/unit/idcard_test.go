package unit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

func TestIDCardConfigProblemsNameTheirKey(t *testing.T) {
	for _, c := range []struct{ name, toml, want string }{
		{"misspelt driver", "[idcard]\ndriver = \"seriel\"\n", `idcard.driver: "seriel", want "serial", "sim"`},
		{"serial without a port", "[idcard]\ndriver = \"serial\"\n", "idcard.port: required"},
		{"the scanner's port", "[scanner]\ndriver = \"serial\"\nport = \"/dev/ttyUSB0\"\n[idcard]\ndriver = \"serial\"\nport = \"/dev/ttyUSB0\"\n", "is the scanner's port too"},
		{"a port with no driver", "[idcard]\nport = \"/dev/ttyUSB1\"\n", "idcard.driver: not set"},
		{"odd baud", "[idcard]\ndriver = \"sim\"\nbaud = 115201\n", "idcard.baud: 115201"},
		{"sim too fast", "[idcard]\ndriver = \"sim\"\nsim_every = \"10ms\"\n", "idcard.sim_every"},
		{"unknown key", "[idcard]\ndriver = \"sim\"\nspeed = 9600\n", "idcard.speed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Replace(minimal, `"/var/lib/kakou"`, `"`+t.TempDir()+`"`, 1) + c.toml
			_, err := LoadConfig(writeConfig(t, body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	cfg := minimalConfig(t, "[idcard]\ndriver = \"serial\"\nport = \"/dev/ttyUSB1\"\n")
	if cfg.IDCard.baud() != DefaultIDCardBaud {
		t.Fatalf("baud %d", cfg.IDCard.baud())
	}
}

func TestProbeListsTheIDCardReaderWithTheCardMasked(t *testing.T) {
	cfg := minimalConfig(t, "[simulator]\nmean_interval = \"0s\"\n[idcard]\ndriver = \"sim\"\n")
	var out bytes.Buffer
	if err := Probe(context.Background(), cfg, &out, 400*time.Millisecond); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ID card reader (sim): place a card") || !strings.Contains(out.String(), "read 张** 990***********") {
		t.Fatalf("probe output:\n%s", out.String())
	}
	if strings.Contains(out.String(), idcard.SampleCards()[0].Number) {
		t.Fatal("probe printed a full ID number")
	}
}

func TestProbeCountsAnIDCardReaderThatFails(t *testing.T) {
	cfg := minimalConfig(t, "[simulator]\nmean_interval = \"0s\"\n[idcard]\ndriver = \"serial\"\nport = \"/dev/ttyKAKOU9\"\n")
	var out bytes.Buffer
	err := Probe(context.Background(), cfg, &out, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 devices failed") || !strings.Contains(err.Error(), "ID card reader") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

func TestSimulatedCardsAreValidAndOneIsExpired(t *testing.T) {
	expired := 0
	for _, c := range idcard.SampleCards() {
		if len(c.Number) != 18 {
			t.Errorf("%q", c.Number)
		}
		if c.Expired(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			expired++
		}
	}
	if expired != 1 {
		t.Fatalf("%d expired sample cards", expired)
	}
}

// fakeReader hands over its cards one by one, after failing once the way
// an unplugged reader does.
type fakeReader struct {
	mu     sync.Mutex
	failed bool
	cards  []idcard.Card
}

func (f *fakeReader) Run(ctx context.Context, found func(idcard.Card)) error {
	f.mu.Lock()
	if !f.failed {
		f.failed = true
		f.mu.Unlock()
		return errors.New("idcard: read: input/output error")
	}
	f.mu.Unlock()
	for _, c := range f.cards {
		found(c)
	}
	<-ctx.Done()
	return nil
}

func TestUnitScreensCardsFromItsReaderAfterTheReaderFailsOnce(t *testing.T) {
	cfg := minimalConfig(t, "[console]\nlisten = \"off\"\n[simulator]\nmean_interval = \"50ms\"\n")
	u, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	good := idcard.SampleCards()[0]
	misread := good
	misread.Number = good.Number[:17] + "0"
	if misread.Number == good.Number {
		misread.Number = good.Number[:17] + "1"
	}
	u.cards = &cardReader{src: &fakeReader{cards: []idcard.Card{misread, good, good}}, port: "/dev/ttyUSB1"}
	u.devices.health = append(u.devices.health, u.cards.Health)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	var cards []wire.Entry
	testenv.Await(t, "the card's entry", 20*time.Second, func() bool {
		es, _ := u.Ledger().Entries(context.Background(), 0, 1000)
		cards = cards[:0]
		scans := 0
		for _, e := range es {
			if e.Credential.Kind == wire.CredentialIDCard {
				cards = append(cards, e)
			} else {
				scans++
			}
		}
		return len(cards) > 0 && scans > 0
	})
	cancel()
	<-done
	if len(cards) != 1 {
		t.Fatalf("%d card entries: a misread must make none and a repeat none", len(cards))
	}
	if h := u.cards.Health(); !h.OK {
		t.Fatalf("a reader handing over cards again is healthy: %+v", h)
	}
}

func TestAReaderThatStopsShowsAsAFaultWithWhatToCheck(t *testing.T) {
	r := &cardReader{src: &fakeReader{}, port: "/dev/ttyUSB1"}
	if !r.Health().OK {
		t.Fatal("a new reader is faulty")
	}
	why := "idcard: read: input/output error"
	r.fault.Store(&why)
	if h := r.Health(); h.OK || h.Name != "idcard" || !strings.Contains(h.Detail, "/dev/ttyUSB1") || !strings.Contains(h.Detail, "idcard.port") {
		t.Fatalf("%+v", h)
	}
}
