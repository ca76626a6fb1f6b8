package unit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// CardSource hands over each resident ID card placed on the lane's reader
// until ctx ends or the reader fails. The serial driver's *idcard.Reader
// satisfies it; so does the simulated reader below.
type CardSource interface {
	Run(ctx context.Context, found func(idcard.Card)) error
}

// cardRetry is how long the unit waits before running a failed reader
// again (an unplugged cable, a reader that stopped answering).
const cardRetry = 2 * time.Second

// openCardReader opens the reader [idcard] names; nil when the lane has
// none. This is the one place the serial driver is constructed. refused
// hears of a card read whole whose text no genuine card holds.
func openCardReader(cfg IDCardConfig, refused func(error)) (CardSource, error) {
	switch cfg.Driver {
	case "":
		return nil, nil
	case "sim":
		return &simCards{every: cfg.simEvery(), cards: idcard.SampleCards()}, nil
	}
	r, err := idcard.Open(cfg.Port, idcard.Options{Baud: cfg.baud(), Refused: refused})
	if err != nil {
		return nil, fmt.Errorf("idcard: %w", err)
	}
	return r, nil
}

// cardReader is the lane's reader and its health: the reader's last
// failure, cleared when it runs again and hands over a card.
type cardReader struct {
	src   CardSource
	port  string
	fault atomic.Pointer[string]
}

// Health reports the reader for the console and the centre (设备状态).
func (r *cardReader) Health() wire.Device {
	// The serial reader reopens an unplugged port by itself and keeps
	// running, so its own state is the one that says it is gone.
	if rd, ok := r.src.(*idcard.Reader); ok {
		if st := rd.State(); !st.Connected {
			return wire.Device{Name: "idcard", Detail: "ID card reader at " + r.port + " not answering: " + fmt.Sprint(st.Err) + "; check its cable and idcard.port"}
		}
	}
	if f := r.fault.Load(); f != nil {
		return wire.Device{Name: "idcard", Detail: "ID card reader at " + r.port + " stopped: " + *f + "; check its cable and idcard.port"}
	}
	return wire.Device{Name: "idcard", OK: true}
}

// openCards opens the configured reader; a real one joins the devices
// whose health the console shows (a simulated one cannot fail).
func (u *Unit) openCards() error {
	refused := func(err error) {
		u.log.Warn("ID card refused: its text is not what a genuine card holds; check the card and the person's documents by hand", "err", err)
	}
	src, err := openCardReader(u.cfg.IDCard, refused)
	if err != nil || src == nil {
		return err
	}
	u.cards = &cardReader{src: src, port: u.cfg.IDCard.Port}
	if u.cfg.IDCard.Driver != "sim" {
		u.devices.health = append(u.devices.health, u.cards.Health)
	}
	return nil
}

// runCards screens every card the reader hands over, one at a time (the
// reader's own loop), beside the scanner's: both go through the pipeline's
// lock. A reader that fails is run again after cardRetry.
func (u *Unit) runCards(ctx context.Context) {
	if u.cards == nil {
		return
	}
	if c, ok := u.cards.src.(io.Closer); ok {
		defer c.Close()
	}
	for {
		err := u.cards.src.Run(ctx, func(c idcard.Card) {
			u.cards.fault.Store(nil)
			u.placeCard(ctx, c)
		})
		if ctx.Err() != nil {
			return
		}
		why := fmt.Sprint(err)
		u.cards.fault.Store(&why)
		u.log.Warn("ID card reader stopped; trying again (check its cable and idcard.port)", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(cardRetry):
		}
	}
}

// placeCard screens one card and logs what the guard must know; never the
// number.
func (u *Unit) placeCard(ctx context.Context, c idcard.Card) {
	_, err := u.pipeline.ScreenCard(ctx, c)
	switch {
	case err == nil, errors.Is(err, screening.ErrSameCard):
	case errors.Is(err, screening.ErrCardUnreadable):
		u.log.Warn("ID card misread; no entry: ask the person to place it again")
	case ctx.Err() == nil:
		u.log.Error("ID card entry not logged; gate stays closed, handle this person by hand", "err", err)
	}
}

// PlaceCard screens c as if the lane's reader had just read it: for tests
// and the end-to-end suite, which have no reader.
func (u *Unit) PlaceCard(ctx context.Context, c idcard.Card) (wire.Entry, error) {
	return u.pipeline.ScreenCard(ctx, c)
}

// CardNumber serves the console's registration: the full number of the
// card of the person whose entry is on, while the pipeline holds it.
func (u *Unit) CardNumber(on string) (string, bool) { return u.pipeline.CardNumber(on) }

// simCards is the demo's reader: the driver's own simulated module behind
// a pipe, read through the real protocol, with the next sample card placed
// every so often and lifted a second later, like people without phones
// among the simulated crowd.
type simCards struct {
	every time.Duration
	cards []idcard.Card
}

func (s *simCards) Run(ctx context.Context, found func(idcard.Card)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	host, module := net.Pipe()
	defer host.Close()
	sim := idcard.NewSim()
	go sim.Serve(ctx, module) //nolint:errcheck // ends with ctx; the reader reports a dead pipe
	reader := idcard.New(host, idcard.Options{PollInterval: min(300*time.Millisecond, s.every/4)})
	go s.place(ctx, sim)
	return reader.Run(ctx, found)
}

// place lays the sample cards on the simulated module one after another.
func (s *simCards) place(ctx context.Context, sim *idcard.Sim) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sim.Place(s.cards[i%len(s.cards)])
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Second, s.every/2)):
			sim.Lift()
		}
	}
}

// probeCardReader opens the ID card reader and waits up to wait for one
// card, shown masked as the guard would see it.
func probeCardReader(ctx context.Context, cfg IDCardConfig, w io.Writer, wait time.Duration) bool {
	fmt.Fprintf(w, "ID card reader (%s): ", cfg.Driver)
	src, err := openCardReader(cfg, nil)
	if err != nil {
		fmt.Fprintf(w, "FAULT: %v\n", err)
		return false
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	if s, ok := src.(*simCards); ok {
		s.every = min(s.every, wait/2) // the simulated reader places one while the installer waits
	}
	fmt.Fprintf(w, "place a card within %s… ", wait)
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	got := make(chan idcard.Card, 1)
	err = src.Run(pctx, func(c idcard.Card) {
		select {
		case got <- c:
		default:
		}
		cancel()
	})
	select {
	case c := <-got:
		status := "valid"
		if c.Expired(time.Now()) {
			status = "EXPIRED"
		}
		fmt.Fprintf(w, "read %s %s, %s until %s\n", wire.MaskName(c.Name), wire.MaskID(c.Number), status, c.ValidUntil)
		return true
	default:
	}
	if err == nil {
		err = pctx.Err()
	}
	fmt.Fprintf(w, "no card: %v\n", err)
	return false
}
