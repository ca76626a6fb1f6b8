package collector

import (
	"crypto/ed25519"
	"fmt"
	"strings"

	"github.com/kakou/kakou/cloud/fleet"
)

// PolicyConfig is the [policy] table: the key the centre signs its policy
// pushes with (SECURITY.md "Signed policies"). Units with [policy] verify_keys
// refuse any push not signed by it.
type PolicyConfig struct {
	// SigningKeyFile is the Ed25519 private key, PKCS#8 PEM or a base64
	// seed (kakou-cloud policy-key -out DIR writes one); "" sends pushes
	// unsigned, which only units without verify_keys accept.
	SigningKeyFile string `toml:"signing_key_file"`
}

// validatePolicy does not insist on policies_dir: a key with nothing to
// sign is harmless, and a config is often tried without its policies.
func (c Config) validatePolicy(bad func(key, format string, args ...any)) {
	k := c.Policy.SigningKeyFile
	if k != "" && strings.TrimSpace(k) == "" {
		bad("policy.signing_key_file", "%q: want the path of the key kakou-cloud policy-key wrote", k)
	}
}

// signPushes loads the signing key into the fleet. The key is read here,
// not in Validate, which does no I/O; a key that cannot be read stops the
// collector rather than have it push policies every unit refuses.
func (c *Collector) signPushes() error {
	return c.signPush("policy pushes", c.fleet)
}

// signWither is any of the centre's pushes: policies, rosters, results,
// the watch roster, the trust list.
type signWither interface{ SignWith(ed25519.PrivateKey) }

// signPush gives a push the policy key, the one key every unit's [policy]
// verify_keys checks all of them with. Without one it says what goes out
// unsigned, which units that check will refuse.
func (c *Collector) signPush(what string, push signWither) error {
	path := c.cfg.Policy.SigningKeyFile
	if path == "" {
		c.log.Warn(what + " are sent unsigned: units with [policy] verify_keys will refuse them; " +
			"set [policy] signing_key_file (kakou-cloud policy-key makes one)")
		return nil
	}
	key, err := fleet.LoadSigningKey(path)
	if err != nil {
		return fmt.Errorf("collector: policy.signing_key_file: %w", err)
	}
	push.SignWith(key)
	c.log.Info(what+" are signed", "key_file", path)
	return nil
}

// maxReason bounds one problem's text. A reason quotes the value it
// refuses, and a hostile or corrupted file may hold 100 KB in one value;
// echoing it whole would bury the key and the file in the log.
const maxReason = 300

// clipReason is reason cut to maxReason bytes, at a rune boundary.
func clipReason(reason string) string {
	if len(reason) <= maxReason {
		return reason
	}
	return strings.ToValidUTF8(reason[:maxReason], "") + "… (cut; the value is far too long)"
}
