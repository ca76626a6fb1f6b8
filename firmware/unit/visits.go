package unit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/drivers/escpos"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/visit"
	"github.com/kakou/kakou/firmware/wire"
	"go.bug.st/serial"
)

// openVisits puts the visit book in front of the ledger (firmware/visit).
// Its codes are tagged with the fleet's key derived from the tracing key,
// so any exit lane of the fleet can tell a real code from a forged one.
func (u *Unit) openVisits(bootID string, priv *credential.Privacy) error {
	if priv.VisitKey() == nil {
		u.log.Warn("privacy.tracing_key_file is not set: visit codes are unsigned and an exit cannot tell a forged one; install the fleet's tracing key")
	}
	b, err := visit.Open(context.Background(), u.ledger, visit.Options{
		Site: u.cfg.Site, Unit: u.cfg.Unit, Lane: u.cfg.Lane, Prefix: u.cfg.Visits.prefix(u.cfg.Unit),
		Key: priv.VisitKey(), Hash: func(kind, n string) string {
			if kind == "phone" {
				return priv.PhoneHash(n)
			}
			return priv.IDHash(n)
		},
		MaxStay:       func() time.Duration { return u.policy.Current().Checks.Visitor.MaxStayDuration() },
		Now:           u.clock.Now,
		NewID:         newID,
		BootID:        bootID,
		PolicyVersion: func() string { return u.policy.Current().Version },
	})
	u.visits = b
	return err
}

// Inside is the visitors still inside as this unit knows them: the visits
// it opened and has not seen closed, oldest first, each the entry that
// opened it (its time, masked visitor and wire.Visit). A visitor who left
// by another unit's exit is on it until the centre's list says otherwise;
// the centre's GET /api/v1/visits?state=inside is the authority. The shift
// hand-over and the console list call it.
func (u *Unit) Inside(ctx context.Context) ([]wire.Entry, error) { return u.visits.Inside(ctx) }

// CloseOut records the guard closing a visit at an exit, then shows and
// sends the exit's entry like any other.
func (u *Unit) CloseOut(ctx context.Context, x visit.Exit) (visit.Closed, error) {
	c, err := u.visits.Close(ctx, x)
	if err == nil {
		u.decided(c.Entry)
	}
	return c, err
}

// Visit is the open visit entry id opened or continues, and its QR text.
func (u *Unit) Visit(id string) (wire.Entry, string, bool) {
	v, ok := u.visits.VisitOf(id)
	if !ok {
		return wire.Entry{}, "", false
	}
	return v, u.visits.QR(v), true
}

// HasPrinter reports whether a receipt printer is configured.
func (u *Unit) HasPrinter() bool { return u.cfg.Printer.Port != "" }

// ErrNoPrinter is returned for a print on a unit without [printer] port.
var ErrNoPrinter = errors.New("unit: 未配置小票打印机 (no receipt printer: set [printer] port)")

// PrintVisit prints the visit's receipt. The port is opened for each
// receipt and closed after, so a printer unplugged and plugged back in
// (or switched off overnight) just works on the next print.
func (u *Unit) PrintVisit(ctx context.Context, id string) error {
	if !u.HasPrinter() {
		return ErrNoPrinter
	}
	v, qr, ok := u.Visit(id)
	if !ok {
		return fmt.Errorf("unit: 没有进行中的访客登记 %s (no open visit for entry %s)", id, id)
	}
	u.printMu.Lock()
	defer u.printMu.Unlock()
	port, err := serial.Open(u.cfg.Printer.Port, &serial.Mode{BaudRate: u.cfg.Printer.Baud})
	if err != nil {
		return fmt.Errorf("unit: printer %s: %w (is it plugged in and switched on?)", u.cfg.Printer.Port, err)
	}
	defer port.Close()
	d, err := escpos.New(port, &escpos.Opts{Kanji: !u.cfg.Printer.Latin, QRModule: escpos.DefaultOpts.QRModule})
	if err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	return d.Print(receipt(d, u.cfg.Site, v, qr, !u.cfg.Printer.Latin))
}

// receipt lays out a visit's slip: the short code large enough to read
// out, the QR an exit scanner reads, the masked name and when.
func receipt(d *escpos.Dev, site string, v wire.Entry, qr string, zh bool) *escpos.Receipt {
	r := d.Receipt().Align(escpos.Center)
	if zh {
		r.Line("访客出入凭证")
	}
	r.Line(site+" / "+v.Unit).Size(3, 3).Line(v.Visit.Code).Size(1, 1).QR(qr)
	when := "--"
	if v.ClockSynced {
		when = v.Time.Local().Format("2006-01-02 15:04")
	}
	if zh {
		r.Line(v.Visitor.Name + "  " + when).Line("离开时请在出口出示此码")
	} else {
		r.Line(when)
	}
	return r.Line("Show this code at the exit").Align(escpos.Left)
}
