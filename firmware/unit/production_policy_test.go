package unit

import (
	"strings"
	"testing"
)

// configs/production/unit.toml must refuse unsigned policy pushes: it names
// the centre's public key.
func TestProductionUnitConfigVerifiesPolicyPushes(t *testing.T) {
	const path = "../../configs/production/unit.toml"
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Policy.VerifyKeys) == 0 || !strings.HasPrefix(c.Policy.VerifyKeys[0], "/etc/kakou/") {
		t.Fatalf("%s: policy.verify_keys = %q, want the centre's public key under /etc/kakou/", path, c.Policy.VerifyKeys)
	}
}
