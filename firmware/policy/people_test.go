package policy

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// The people the tables screen: what checking their code found, as the
// credential package reports it (presented.go).

const profilesDir = "../../configs/policies"

// now is a morning during a closed-management period.
var now = time.Date(2022, 2, 10, 9, 0, 0, 0, time.FixedZone("CST", 8*60*60))

func profile(t testing.TB, name string) Policy {
	t.Helper()
	p, err := Load(filepath.Join(profilesDir, name+".toml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type person = credential.Presented

func pass(s credential.Status, role credential.Role) person {
	return person{Wire: wire.Credential{Kind: wire.CredentialResidentPass, Result: string(s), Subject: "R-0001"},
		Status: s, Role: role, Household: "3-2-401"}
}

func resident() person { return pass(credential.StatusValid, credential.RoleResident) }
func courier() person  { return pass(credential.StatusValid, credential.RoleCourier) }

func code(s credential.Status) person {
	return person{Wire: wire.Credential{Kind: wire.CredentialHealthCode, Result: string(s)}, Status: s}
}

func visitorCode() person {
	return person{Wire: wire.Credential{Kind: wire.CredentialVisitor, Result: "preregistered", Subject: "V1"},
		Status: credential.StatusPreregistered}
}

func noCode() person { return person{Wire: wire.Credential{Kind: wire.CredentialNone}} }

func unreadable() person {
	return person{Wire: wire.Credential{Kind: wire.CredentialUnknown, Result: "unreadable"}, Status: credential.StatusUnreadable}
}

// tested gives p a negative test sampled h hours before now.
func tested(p person, h float64) person {
	p.NucleicAcidAt = now.Add(-time.Duration(h * float64(time.Hour)))
	return p
}

func travel(p person, ok bool) person {
	p.TravelCardOK = &ok
	return p
}

func watched(p person, k credential.WatchKind, until time.Time) person {
	p.Watch = &credential.Watch{Kind: k, Until: until}
	return p
}

func expiring(p person, at time.Time) person {
	p.Expires = at
	return p
}

// at is a person entering at 36.6 °C with a mask the guard confirmed,
// clock synced; opts adjust the rest.
func at(p person, opts ...func(*Input)) Input {
	in := Input{Lane: wire.LaneIn, Reading: reading(36.6), Credential: p, Mask: MaskWorn,
		Now: now, ClockSynced: true}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func fever(in *Input)       { in.Reading = reading(37.8) }
func feverAgain(in *Input)  { fever(in); in.PriorFever = true }
func noReading(in *Input)   { in.Reading, in.ThermometerErr = nil, errNack }
func noMask(in *Input)      { in.Mask = MaskMissing }
func maskUnknown(in *Input) { in.Mask = MaskUnknown }
func registered(in *Input)  { in.Registered = true }
func leaving(in *Input)     { in.Lane = wire.LaneOut }
func unsynced(in *Input)    { in.ClockSynced, in.Now = false, time.Unix(0, 0) }
func manual(in *Input)      { in.Reading.Manual = true }

func inside(occupancy int, capacity ...int) func(*Input) {
	return func(in *Input) {
		in.Occupancy = &occupancy
		if len(capacity) > 0 {
			in.Capacity = &capacity[0]
		}
	}
}

const hour = time.Hour

type nack struct{}

func (nack) Error() string { return "mlx90614: nack" }

var errNack error = nack{}
