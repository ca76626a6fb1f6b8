package unit

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/wire"
)

// Pushed policies are signed by the centre (SECURITY.md "Signed policies"). With
// [policy] verify_keys set, a push must carry a signature by one of those
// keys before it is even validated: otherwise anyone who can publish on the
// unit's policy topic (a broken-into broker, a leaked credential, a
// forged retained message) could open or close the gate. Without keys the
// unit takes pushes unsigned, as the demo does, and says so at start.

// loadPushKeys reads the centre's public keys named by the config. A key
// that cannot be read stops the unit: running on with fewer keys than
// configured would refuse the centre's pushes with a reason nobody sees.
func (u *Unit) loadPushKeys() error {
	paths := u.cfg.Policy.VerifyKeys
	if len(paths) == 0 {
		u.log.Warn("policy pushes are accepted unsigned: set [policy] verify_keys to the centre's " +
			"public key (kakou-cloud policy-key) so a forged push is refused")
		return nil
	}
	keys, err := update.LoadKeys(paths)
	if err != nil {
		return err
	}
	u.push.keys = keys
	u.log.Info("policy pushes must be signed by the centre", "keys", len(keys))
	return nil
}

// verifyPush checks p's signature when keys are configured, with a reason
// an installer can act on.
func (u *Unit) verifyPush(p *wire.PolicyPush) error {
	if len(u.push.keys) == 0 {
		return nil
	}
	err := wire.VerifyPolicy(p, u.push.keys...)
	switch {
	case errors.Is(err, wire.ErrUnsigned):
		return fmt.Errorf("%w, and this unit only takes pushes signed by the centre "+
			"(is the collector's [policy] signing_key_file set?)", err)
	case err != nil:
		return fmt.Errorf("%w by any of the %d keys in [policy] verify_keys: forged, altered on the way, "+
			"or signed with a key this unit was not given", err, len(u.push.keys))
	}
	return nil
}

// verifySigned checks one of the centre's signed pushes (rosters, results,
// the watch roster, the trust list) with the unit's keys, when it has any,
// with a reason an installer can act on: verify is the kind's wire Verify*
// bound to the push, unsigned its "not signed" error, what the kind in
// the plural ("rosters").
func (u *Unit) verifySigned(what string, unsigned error, verify func(...ed25519.PublicKey) error) error {
	if len(u.push.keys) == 0 {
		return nil
	}
	err := verify(u.push.keys...)
	switch {
	case errors.Is(err, unsigned):
		return fmt.Errorf("%w, and this unit only takes %s signed by the centre "+
			"(is the collector's [policy] signing_key_file set?)", err, what)
	case err != nil:
		return fmt.Errorf("%w by any of the keys in [policy] verify_keys: forged or altered", err)
	}
	return nil
}

// notBehind refuses a push older than the one held, and the held version
// again with other contents (same is false): the centre gives every
// change a new version, so either is a replay or a restored store. what
// names the kind ("roster"), change what to do at the centre to issue a
// newer one ("change any guard").
func notBehind(what string, version, held uint64, same bool, change string) error {
	if version < held {
		return fmt.Errorf("version %d is older than the %s held (%d): a replay, or the centre's store "+
			"was restored from a backup (then %s at the centre to issue a newer one)", version, what, held, change)
	}
	if version == held && !same {
		return fmt.Errorf("version %d again with different contents: the centre gives every change a new version", version)
	}
	return nil
}
