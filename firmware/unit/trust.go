package unit

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/dcc"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's trust list (wire.TrustPush: pass issuers' keys, the health
// authority's keys, revoked pass ids, EU DCC signer certificates) comes
// retained on wire.TrustTopic, the same for every unit. The unit takes a
// list only when it verifies with [policy] verify_keys (as policies and
// rosters; without keys unsigned lists are taken and the start says so),
// is not older than the one it runs, and is not the same version with
// other contents. It saves the list as it came to <data_dir>/trust.json
// before using it, so a unit that reboots without the network still
// refuses a pass revoked while it was online, and checks it again at
// start like any push.
//
// What the config says stays: [credentials] issuers and health_issuers
// are the site's own keys and the centre's are added to them (an id both
// name keeps the config's key: the installer wrote it for this gate); a
// pass revoked by either is refused. A list from the centre can therefore
// add trust and revocations but never take the site's own away.
//
// Applying builds a new credential.Verifier and swaps it in through an
// atomic pointer: a scan in progress finishes with the old one, the next
// uses the new, and the lane never stops.

// trustFile, in the data directory, is the running trust list.
const trustFile = "trust.json"

// trustState is the trust list the gate checks with. mu orders arrivals;
// the verifier is read without it by every scan.
type trustState struct {
	mu     sync.Mutex
	base   *credential.Verifier // built from the config alone
	push   wire.TrustPush       // the running list; Version 0: none
	digest string               // wire.TrustDigest of push
	cur    atomic.Pointer[credential.Verifier]
	dcc    atomic.Pointer[[][]byte] // the DCC signers' DER, for setDCCSigners
}

// Check is the screening pipeline's Credentials: the verifier in force.
func (t *trustState) Check(ctx context.Context, code []byte) credential.Presented {
	return t.cur.Load().Check(ctx, code)
}

// The pipeline falls back to a verifier with no roster and no lookup for
// a Credentials that cannot check cards, so this must hold.
var _ screening.CardChecker = (*trustState)(nil)

// CheckCard is the pipeline's card check, by the verifier in force: the
// same roster, hashes and health lookup as a scanned code.
func (t *trustState) CheckCard(ctx context.Context, c idcard.Card) credential.Presented {
	return t.cur.Load().CheckCard(ctx, c)
}

// TrustVersion is the version of the centre's trust list in use (0: none).
func (u *Unit) TrustVersion() uint64 {
	u.trust.mu.Lock()
	defer u.trust.mu.Unlock()
	return u.trust.push.Version
}

// startTrust puts the config's verifier in force and then the saved trust
// list, if it still checks out; the centre's retained list replaces it on
// the next connection.
func (u *Unit) startTrust(base *credential.Verifier) {
	t := &u.trust
	t.mu.Lock()
	defer t.mu.Unlock()
	t.base = base
	t.cur.Store(base)
	b, err := os.ReadFile(filepath.Join(u.cfg.DataDir, trustFile))
	if errors.Is(err, fs.ErrNotExist) {
		u.log.Info("no trust list from the centre yet: passes are checked with the config's issuers and revocations")
		return
	}
	if err == nil {
		err = u.takeTrustLocked(b, false)
	}
	if err != nil {
		u.log.Error("saved trust list not used; the config's issuers and revocations apply until the centre's arrives",
			"file", trustFile, "err", err)
	}
}

// onTrust is the uplink's OnTrust hook.
func (u *Unit) onTrust(payload []byte) {
	t := &u.trust
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := u.takeTrustLocked(payload, true); err != nil {
		u.log.Error("trust list refused; the gate keeps checking with the one it has",
			"running", t.push.Version, "err", err)
	}
}

// takeTrustLocked decodes, verifies, saves (when save) and applies a list.
// The caller holds u.trust.mu.
func (u *Unit) takeTrustLocked(payload []byte, save bool) error {
	p, err := wire.DecodeTrust(payload)
	if err == nil {
		err = u.checkTrust(&p)
	}
	if err != nil {
		return err
	}
	d := wire.TrustDigest(&p)
	if p.Version == u.trust.push.Version && d == u.trust.digest {
		return nil // the retained list again, on a reconnect
	}
	v, ders, err := u.trustVerifier(&p)
	if err != nil {
		return err
	}
	if save {
		if err := saveJSON(filepath.Join(u.cfg.DataDir, trustFile), json.RawMessage(payload)); err != nil {
			u.log.Error("trust list not saved: it is in use now, but after a reboot without the broker "+
				"the gate would check with the previous one", "version", p.Version, "err", err)
		}
	}
	t := &u.trust
	t.push, t.digest = p, d
	t.cur.Store(v)
	u.setDCCSigners(ders)
	if u.uplink != nil {
		u.uplink.SetTrustVersion(p.Version)
	}
	u.log.Info("trust list in use", "version", p.Version, "issuers", len(v.Issuers), "revoked", len(v.Revoked),
		"dcc_signers", len(ders), "issued_by", p.IssuedBy, "issued_at", p.IssuedAt)
	return nil
}

// checkTrust refuses a list that is not the centre's, is older than the
// one held, or is the held version with other contents. The caller holds
// u.trust.mu.
func (u *Unit) checkTrust(p *wire.TrustPush) error {
	verify := func(k ...ed25519.PublicKey) error { return wire.VerifyTrust(p, k...) }
	if err := u.verifySigned("trust lists", wire.ErrTrustUnsigned, verify); err != nil {
		return err
	}
	return notBehind("trust list", p.Version, u.trust.push.Version, wire.TrustDigest(p) == u.trust.digest, "make any trust change")
}

// trustVerifier is the config's verifier with p's keys and revocations
// added, and p's DCC signers as DER.
func (u *Unit) trustVerifier(p *wire.TrustPush) (*credential.Verifier, [][]byte, error) {
	base := u.trust.base
	issuers, err := credential.LoadIssuers(p.Issuers)
	if err != nil {
		return nil, nil, fmt.Errorf("trust issuers: %w", err)
	}
	health, err := credential.LoadIssuers(p.HealthIssuers)
	if err != nil {
		return nil, nil, fmt.Errorf("trust health_issuers: %w", err)
	}
	ders := make([][]byte, 0, len(p.DCCSigners))
	for _, s := range p.DCCSigners {
		der, _ := base64.StdEncoding.DecodeString(s.Cert) // DecodeTrust checked it
		ders = append(ders, der)
	}
	v := *base
	v.Issuers = union(issuers, base.Issuers)
	v.Revoked = make(map[string]bool, len(base.Revoked)+len(p.Revoked))
	maps.Copy(v.Revoked, base.Revoked)
	for _, id := range p.Revoked {
		v.Revoked[id] = true
	}
	v.Health = withHealthIssuers(base.Health, health)
	return &v, ders, nil
}

// union is pushed with site's keys laid over it: the config wins an id.
func union(pushed, site map[string]ed25519.PublicKey) map[string]ed25519.PublicKey {
	m := make(map[string]ed25519.PublicKey, len(pushed)+len(site))
	maps.Copy(m, pushed)
	maps.Copy(m, site)
	return m
}

// withHealthIssuers adds the centre's health keys to the offline health
// verifier in h, wherever the router names it (the built-in "offline",
// any kind = "offline" entry, the legacy field), leaving h itself as it
// was: the running verifier uses it.
func withHealthIssuers(h credential.HealthVerifier, keys map[string]ed25519.PublicKey) credential.HealthVerifier {
	r, ok := h.(credential.HealthRouter)
	if !ok || len(keys) == 0 {
		return h
	}
	swapped := map[*credential.OfflineHealth]*credential.OfflineHealth{}
	swap := func(hv credential.HealthVerifier) credential.HealthVerifier {
		o, ok := hv.(*credential.OfflineHealth)
		if !ok || o == nil {
			return hv
		}
		if n := swapped[o]; n != nil {
			return n
		}
		n := *o
		n.Issuers = union(keys, o.Issuers)
		swapped[o] = &n
		return &n
	}
	r.Offline = swap(r.Offline)
	vs := make(map[string]credential.HealthVerifier, len(r.Verifiers))
	for name, hv := range r.Verifiers {
		vs[name] = swap(hv)
	}
	r.Verifiers = vs
	return r
}

// setDCCSigners takes the EU DCC signer certificates of the trust list in
// force (DER, as the list carried them): the HC1 verifier's list becomes
// the config file's certificates and these, swapped in whole. A
// certificate that cannot sign (a key the specification does not allow)
// is left out and logged, not allowed to stop the rest.
func (u *Unit) setDCCSigners(ders [][]byte) {
	u.trust.dcc.Store(&ders)
	all := append(slices.Clip(u.rules.dccFile), ders...)
	t, errs := dcc.NewTrustKeeping(all)
	for _, err := range errs {
		u.log.Warn("a DCC signer certificate from the centre is left out; its country's certificates will not verify", "err", err)
	}
	u.SetDCCTrust(t)
	u.log.Info("DCC signer certificates in use", "from_centre", len(ders), "from_config", len(u.rules.dccFile), "usable", t.Len())
}

// DCCSigners is the DER of the DCC signer certificates in force.
func (u *Unit) DCCSigners() [][]byte {
	if p := u.trust.dcc.Load(); p != nil {
		return *p
	}
	return nil
}
