package visit

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Reasons an exit's entry carries about the visit it closed or could not.
var (
	ReasonClosed    = wire.Reason{Code: "visit_closed", ZH: "访客已销号", EN: "visit closed out"}
	ReasonForCentre = wire.Reason{Code: "visit_close_recorded", ZH: "已记录销号，由中心核对", EN: "close-out recorded; the centre matches the visit"}
)

// refused is the reason a scanned visit code closed nothing.
func refused(zh, en string) wire.Reason {
	return wire.Reason{Code: "visit_code_refused", ZH: "访客码无效：" + zh, EN: "visit code refused: " + en}
}

// matchScan closes the visit a code scanned at the exit names: a visit's
// QR, or the pass or pre-registration code a visitor was registered with.
// What closes nothing says why in the entry's reasons; the person still
// leaves (an exit is logged, not screened).
func (b *Book) matchScan(e *wire.Entry) {
	cred := e.Credential
	switch {
	case cred.Result == "visit_code":
		c, why := b.checkCode(cred.Subject)
		if why != nil {
			e.Reasons = append(e.Reasons, *why)
			return
		}
		e.CloseOut = b.byQR(c, e)
	case cred.Subject != "" && (cred.Kind == wire.CredentialResidentPass || cred.Kind == wire.CredentialVisitor):
		if v, ok := b.find(func(v wire.Entry) bool {
			return v.Credential.Kind == cred.Kind && v.Credential.Subject == cred.Subject
		}); ok {
			e.CloseOut = b.known(v, wire.MatchedByPass, cred.Subject, e.Time, e.ClockSynced)
		} else if cred.Kind == wire.CredentialVisitor {
			// A pre-registered visitor, registered at another lane: the
			// centre finds the visit by its pre-registration reference.
			// A resident's pass is no visit unless a lane registered one.
			e.CloseOut = &wire.CloseOut{MatchedBy: wire.MatchedByPass, Key: cred.Subject}
		}
	}
	if e.CloseOut != nil {
		e.Reasons = append(e.Reasons, closedReason(e.CloseOut))
	}
}

func closedReason(c *wire.CloseOut) wire.Reason {
	if c.Visit == "" {
		return ReasonForCentre
	}
	return ReasonClosed
}

// checkCode reads a scanned visit QR and refuses a forged one, one from
// another site, or, on a lane with the fleet's key, an unsigned one.
func (b *Book) checkCode(s string) (wire.VisitCode, *wire.Reason) {
	c, err := wire.ParseVisitCode(s)
	switch {
	case err != nil:
		r := refused("无法识别", "not a visit code")
		return c, &r
	case c.Site != b.o.Site:
		r := refused("其他场所("+c.Site+")的访客码", "issued at another site ("+c.Site+")")
		return c, &r
	case b.o.Key != nil && !c.Verify(b.o.Key):
		r := refused("校验失败，可能伪造", "its tag does not verify: forged or altered")
		return c, &r
	}
	return c, nil
}

// byQR closes the visit a verified QR names: exactly, when this lane
// issued it; otherwise by its lane and seq, for the centre.
func (b *Book) byQR(c wire.VisitCode, exit *wire.Entry) *wire.CloseOut {
	if c.Unit == b.o.Unit {
		if v, ok := b.find(func(v wire.Entry) bool { return v.Seq == c.Seq }); ok {
			return b.known(v, wire.MatchedByCode, "", exit.Time, exit.ClockSynced)
		}
	}
	out := &wire.CloseOut{Unit: c.Unit, Seq: c.Seq, Code: c.Code, MatchedBy: wire.MatchedByCode}
	if c.Entered > 0 {
		at := time.Unix(c.Entered, 0).UTC()
		out.EnteredAt = &at
		if exit.ClockSynced && exit.Time.After(at) {
			out.StaySeconds = int64(exit.Time.Sub(at) / time.Second)
		}
	}
	return out
}

// known is the close-out of an open visit this lane holds. The stay is
// recorded only when both clocks were synced: a 1970 start would make it
// fifty years.
func (b *Book) known(v wire.Entry, by, key string, at time.Time, synced bool) *wire.CloseOut {
	out := &wire.CloseOut{Visit: v.ID, Unit: v.Unit, Seq: v.Seq, Code: v.Visit.Code, MatchedBy: by, Key: key}
	if v.ClockSynced {
		t := v.Time.UTC()
		out.EnteredAt = &t
		if synced && at.After(t) {
			out.StaySeconds = int64(at.Sub(t) / time.Second)
		}
	}
	return out
}

// find is the newest open visit ok accepts: a short code repeats on a
// lane only after 100,000 entries, and then the newer visit is the one.
func (b *Book) find(ok func(wire.Entry) bool) (wire.Entry, bool) {
	for i := len(b.open) - 1; i >= 0; i-- {
		if ok(b.open[i]) {
			return b.open[i], true
		}
	}
	return wire.Entry{}, false
}

// Exit is what the guard at an exit typed to close a visit: one of a short
// code (or a visit QR a keyboard scanner typed), a phone number or an ID
// number. Confirm records a close-out this lane cannot match itself, for
// the centre to match.
type Exit struct {
	Code, Phone, ID string
	Guard           string
	Confirm         bool
}

// Closed is what a guard's close-out did: the exit's entry, and the visit
// it closed when this lane knew it (for the masked name and the stay).
type Closed struct {
	Entry wire.Entry  `json:"entry"`
	Visit *wire.Entry `json:"visit,omitempty"`
}

// ErrNotHere is returned for a close-out this lane cannot match while the
// guard has not confirmed it: a mistyped code recorded for the centre
// could close someone else's visit there, so the guard checks first.
var ErrNotHere = errors.New("visit: 本机没有这位访客的登记；请核对后确认，由中心核销 (no visit here matches; check it, then confirm to record it for the centre)")

// ErrNoKey is returned for a phone or ID number on a lane without the
// fleet's tracing key: without it the number cannot be matched.
var ErrNoKey = errors.New("visit: 本机未配置追踪密钥，无法按手机号或证件号销号，请用访客码 (no tracing key: close by the visit code; install privacy.tracing_key_file)")

var (
	phoneRe = regexp.MustCompile(`^\+?[0-9]{5,15}$`)
	idRe    = regexp.MustCompile(`^([0-9]{15}|[0-9]{17}[0-9Xx])$`)
)

// Close records the guard's close-out at an exit as a new entry.
func (b *Book) Close(ctx context.Context, x Exit) (Closed, error) {
	if b.o.Lane != wire.LaneOut {
		return Closed{}, errors.New("visit: 这是入口通道，访客在出口销号 (this is an entrance; visits close at an exit lane)")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.exitEntry(x.Guard)
	c, err := b.matchTyped(x, &e)
	if err != nil {
		return Closed{}, err
	}
	e.CloseOut = c
	e.Reasons = []wire.Reason{closedReason(c)}
	var visit *wire.Entry
	if v, ok := b.find(func(v wire.Entry) bool { return v.ID == c.Visit }); ok && c.Visit != "" {
		visit = &v
	}
	if err := b.appendLocked(ctx, &e); err != nil {
		return Closed{}, fmt.Errorf("visit: %w", err)
	}
	return Closed{Entry: e, Visit: visit}, nil
}

// exitEntry is the entry for a person leaving whom the guard closes out
// by hand: logged like any exit (allow), with no code scanned.
func (b *Book) exitEntry(guard string) wire.Entry {
	now, synced := b.o.Now()
	return wire.Entry{Schema: wire.SchemaVersion, ID: b.o.NewID(), Site: b.o.Site, Unit: b.o.Unit,
		BootID: b.o.BootID, Lane: wire.LaneOut, Time: now, ClockSynced: synced,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow,
		PolicyVersion: b.o.PolicyVersion(), Guard: guard}
}

// matchTyped finds the visit the guard's input names.
func (b *Book) matchTyped(x Exit, e *wire.Entry) (*wire.CloseOut, error) {
	code, phone, id := strings.TrimSpace(x.Code), strings.TrimSpace(x.Phone), strings.TrimSpace(x.ID)
	var c *wire.CloseOut
	switch {
	case strings.HasPrefix(code, wire.VisitCodePrefix):
		vc, why := b.checkCode(code)
		if why != nil {
			return nil, errors.New("visit: " + why.ZH + " (" + why.EN + ")")
		}
		c = b.byQR(vc, e)
		if c.Visit == "" && !x.Confirm && vc.Unit == b.o.Unit {
			return nil, ErrNotHere
		}
		return c, nil // a verified QR from another lane needs no confirmation
	case code != "":
		if !wire.ShortCode(code) {
			return nil, errors.New("visit: 访客码为6位数字 (a visit code is six digits)")
		}
		c = b.byKey(func(v wire.Entry) bool { return v.Visit.Code == code }, wire.MatchedByCode, "", e)
		if c.Visit == "" {
			c.Code = code
		}
	case phone != "":
		if !phoneRe.MatchString(phone) {
			return nil, errors.New("visit: 手机号应为5-15位数字 (a phone number is 5-15 digits)")
		}
		h := b.o.Hash("phone", phone)
		if h == "" {
			return nil, ErrNoKey
		}
		c = b.byKey(func(v wire.Entry) bool { return v.Visitor.PhoneHash == h }, wire.MatchedByPhone, h, e)
	case id != "":
		if !idRe.MatchString(id) {
			return nil, errors.New("visit: 证件号应为15或18位 (an ID number has 15 or 18 characters)")
		}
		h := b.o.Hash("id", id)
		if h == "" {
			return nil, ErrNoKey
		}
		c = b.byKey(func(v wire.Entry) bool { return v.Visitor.IDHash == h }, wire.MatchedByID, h, e)
	default:
		return nil, errors.New("visit: 请输入访客码、手机号或证件号 (give a visit code, a phone or an ID number)")
	}
	if c.Visit == "" && !x.Confirm {
		return nil, ErrNotHere
	}
	return c, nil
}

// byKey closes the newest open visit ok accepts, or records the key alone
// for the centre.
func (b *Book) byKey(ok func(wire.Entry) bool, by, key string, e *wire.Entry) *wire.CloseOut {
	if v, found := b.find(ok); found {
		return b.known(v, by, key, e.Time, e.ClockSynced)
	}
	return &wire.CloseOut{MatchedBy: by, Key: key}
}
