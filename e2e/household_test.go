package e2e

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestHouseholdQuotaHoldsAcrossTwoLanesWhileTheUplinkIsCut: a closed
// community (one pass per household, one use every 2 days) with two exit
// lanes behind a site gateway whose uplink to the centre is cut. The north
// lane lets a member of household B3-1201 out; the south lane, hearing of
// it from the gateway over the LAN, refuses the next member with the time
// the next use is allowed, in Chinese. The uplink comes back: the centre
// has both entries and counts the household's one use, not over quota.
func TestHouseholdQuotaHoldsAcrossTwoLanesWhileTheUplinkIsCut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const site, hh = "sunshine-garden", "B3-1201"
	cloudAddr := freePort(t) // nothing listens yet: the gateway's uplink is cut
	gw := startGateway(t, ctx, site, "tcp://"+cloudAddr, 0)
	pub, priv, _ := ed25519.GenerateKey(nil)
	unitCtx, stopUnits := context.WithCancel(ctx)
	defer stopUnits()
	north := startHouseholdExit(t, unitCtx, site, "north-gate", gw.LANURL(), pub)
	south := startHouseholdExit(t, unitCtx, site, "south-gate", gw.LANURL(), pub)
	pass := func(id string) []byte {
		code, err := credential.IssuePass(priv, credential.PassClaims{Issuer: "property-office", ID: id,
			Role: credential.RoleResident, Household: hh, Site: site, Expires: time.Now().Add(30 * 24 * time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return []byte(code)
	}

	first, err := north.Screen(ctx, pass("P-1201-1"))
	if err != nil || first.Decision != wire.Allow || first.Household == nil || !first.Household.Counted {
		t.Fatalf("north, the household's first use: %s %+v %v", first.Decision, first.Household, err)
	}
	testenv.Await(t, "the south lane hears of the north lane's use", patience, func() bool {
		h, ok := south.SiteHouseholds()
		u, _ := h.Usage(hh)
		return ok && len(u.Uses) == 1
	})
	second, err := south.Screen(ctx, pass("P-1201-2"))
	if err != nil {
		t.Fatal(err)
	}
	next := first.Time.Add(48 * time.Hour).In(time.Local).Format("01-02 15:04")
	if want := "本户通行次数已用完，下次可于 " + next + " 后外出"; second.Decision != wire.Deny || !hasReasonText(second, want) {
		t.Fatalf("south, the second member: %s %v; want deny with %q", second.Decision, second.Reasons, want)
	}

	// The uplink comes back: the centre starts on the address the gateway dials.
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", cloudAddr))
	testenv.Await(t, "both lanes' entries at the centre", patience, func() bool {
		return len(cloudEntries(t, c, site, "north-gate")) >= 1 && len(cloudEntries(t, c, site, "south-gate")) >= 1
	})
	var got struct {
		Households []struct {
			Household string
			Used      int
			Allowance int
			OverQuota bool `json:"over_quota"`
			Units     []string
		}
	}
	getJSON(t, c.HTTPURL()+"/api/v1/households?site="+site, &got)
	if len(got.Households) != 1 || got.Households[0].Household != hh || got.Households[0].Used != 1 ||
		got.Households[0].Allowance != 1 || got.Households[0].OverQuota {
		t.Fatalf("the centre's count: %+v", got.Households)
	}
}

func hasReasonText(e wire.Entry, zh string) bool {
	for _, r := range e.Reasons {
		if strings.Contains(r.ZH, zh) {
			return true
		}
	}
	return false
}

// startHouseholdExit runs an exit lane of a closed community that trusts
// the property office's passes, with no simulated crowd: the test scans.
func startHouseholdExit(t *testing.T, ctx context.Context, site, id, brokerURL string, issuer ed25519.PublicKey) *unit.Unit {
	t.Helper()
	policy := filepath.Join(testenv.RepoRoot(t), "configs", "policies", "community-closed.toml")
	return runUnit(t, ctx, id, func(dir string) string {
		return fmt.Sprintf(`site = %q
unit = %q
facility = "community"
lane = "out"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
ack_timeout = "2s"
[policy]
path = %q
[credentials.issuers]
property-office = %q
[simulator]
mean_interval = "24h"
max_people = 1
`, site, id, filepath.Join(dir, "data"), brokerURL, policy, credential.FormatPublicKey(issuer))
	})
}
