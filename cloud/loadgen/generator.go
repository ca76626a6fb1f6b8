package loadgen

import (
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/kakou/kakou/firmware/wire"
)

// The traffic mix, as shares of all entries; the rest are plain residents
// let through. Fever is about 2% as the brief for a closed-management
// district (封闭管理) during an outbreak wave; the others are rough shares
// that make every dashboard panel and rollup show something.
const (
	shareFever    = 0.02  // second reading ≥ 37.3 °C: refer to the fever clinic, alert "fever"
	shareRecheck  = 0.03  // first reading high: measure again
	shareDeny     = 0.025 // red code, expired or unknown pass
	shareVisitor  = 0.05  // a registered visitor let in
	shareRegister = 0.01  // a walk-in visitor sent to register
	sharePersuade = 0.005 // no code at all: persuaded to go back
)

// Generator makes one simulated unit's entries: valid wire.Entry values
// with seq counting up from 1, a UUIDv7 id each, and the traffic mix above.
// A Generator is not safe for concurrent use; each unit has its own.
type Generator struct {
	site, unit, bootID, policy string
	lane                       wire.Lane
	seq                        uint64
	src                        *rand.ChaCha8 // also the ids' randomness: no lock on crypto/rand
	rng                        *rand.Rand
}

// NewGenerator makes the generator of the unit at site on lane. Equal seeds
// give equal traffic (ids aside, which carry the time).
func NewGenerator(site, unit string, lane wire.Lane, policyVersion string, seed uint64) *Generator {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	src := rand.NewChaCha8(key)
	g := &Generator{site: site, unit: unit, lane: lane, policy: policyVersion, src: src, rng: rand.New(src)}
	g.bootID = g.uuid()
	return g
}

// BootID is the boot the generator's entries claim, for the unit's status.
func (g *Generator) BootID() string { return g.bootID }

// Seq is the last seq handed out; 0 before the first entry.
func (g *Generator) Seq() uint64 { return g.seq }

func (g *Generator) uuid() string {
	id, err := uuid.NewV7FromReader(g.src)
	if err != nil {
		panic("loadgen: ChaCha8 never fails to read: " + err.Error())
	}
	return id.String()
}

// Next is the unit's next entry, stamped at (and synced to) now.
func (g *Generator) Next(now time.Time) wire.Entry {
	g.seq++
	e := wire.Entry{Schema: wire.SchemaVersion, ID: g.uuid(), Site: g.site, Unit: g.unit,
		Seq: g.seq, BootID: g.bootID, Lane: g.lane, Time: now.UTC(), ClockSynced: true,
		Temperature: g.temperature(36.1, 36.9), PolicyVersion: g.policy, Reasons: []wire.Reason{},
		Credential: wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: g.pass()},
		Decision:   wire.Allow}
	g.outcome(&e, now, g.rng.Float64())
	return e
}

// outcome turns a plain resident's entry into the case roll falls on.
func (g *Generator) outcome(e *wire.Entry, now time.Time, roll float64) {
	switch {
	case within(&roll, shareFever):
		e.Temperature = g.temperature(37.4, 38.9)
		e.Decision, e.Alert = wire.Refer, "fever"
		e.Reasons = []wire.Reason{{Code: "fever", ZH: "体温≥37.3℃，复测仍高，请由专人送发热门诊",
			EN: "fever ≥37.3 °C on recheck: escort to the fever clinic"}}
	case within(&roll, shareRecheck):
		e.Temperature = g.temperature(37.3, 37.6)
		e.Decision = wire.Recheck
		e.Reasons = []wire.Reason{{Code: "temp_recheck", ZH: "体温偏高，请休息后复测",
			EN: "temperature high: rest, then measure again"}}
	case within(&roll, shareDeny):
		g.deny(e)
	case within(&roll, shareVisitor):
		e.Credential = wire.Credential{Kind: wire.CredentialVisitor, Result: "registered", Subject: g.pass()}
		e.Visitor = g.visitor(now)
	case within(&roll, shareRegister):
		e.Credential = wire.Credential{Kind: wire.CredentialNone, Result: "none"}
		e.Decision = wire.Register
		e.Reasons = []wire.Reason{{Code: "visitor_unregistered", ZH: "外来人员请先登记",
			EN: "visitor: register first"}}
	case within(&roll, sharePersuade):
		e.Credential = wire.Credential{Kind: wire.CredentialNone, Result: "none"}
		e.Decision = wire.PersuadeReturn
		e.Reasons = []wire.Reason{{Code: "no_credential", ZH: "无出入证或健康码，劝返",
			EN: "no pass or health code: persuaded to return"}}
	}
}

// within reports whether roll falls in the next share of [0, 1), and moves
// roll past it otherwise, so the shares stack without overlapping.
func within(roll *float64, share float64) bool {
	if *roll < share {
		return true
	}
	*roll -= share
	return false
}

func (g *Generator) deny(e *wire.Entry) {
	switch g.rng.IntN(3) {
	case 0:
		e.Credential = wire.Credential{Kind: wire.CredentialHealthCode, Result: "red"}
		e.Alert = "health_code_red"
		e.Reasons = []wire.Reason{{Code: "health_code_red", ZH: "健康码红码，禁止通行并上报",
			EN: "red health code: no entry, reported"}}
	case 1:
		e.Credential.Result = "expired"
		e.Reasons = []wire.Reason{{Code: "pass_expired", ZH: "出入证已过期",
			EN: "pass expired"}}
	default:
		e.Credential = wire.Credential{Kind: wire.CredentialUnknown, Result: "unreadable"}
		e.Reasons = []wire.Reason{{Code: "credential_unknown", ZH: "无法识别的二维码",
			EN: "QR code not recognised"}}
	}
	e.Decision = wire.Deny
}

// temperature is a reading whose corrected value lies in [lo, hi): the
// forehead reads about a degree below the body, and the median of three
// samples is the raw value.
func (g *Generator) temperature(lo, hi float64) *wire.Temperature {
	body := round1(lo + g.rng.Float64()*(hi-lo))
	raw := round1(body - 0.8 - g.rng.Float64()*0.4)
	return &wire.Temperature{RawC: raw, CorrectedC: body,
		SamplesC: []float64{round1(raw - 0.1), raw, round1(raw + 0.1)}}
}

func round1(c float64) float64 { return float64(int(c*10+0.5)) / 10 }

// pass is a resident pass reference: a number, never a name.
func (g *Generator) pass() string {
	return "P-" + digits(g.rng, 5)
}

var (
	visitorNames = []string{"王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊"}
	origins      = []string{"本区", "本市外区", "外省低风险地区"}
	destinations = []string{"3号楼2单元", "7号楼1单元", "社区服务中心", "12号楼"}
	reasons      = []string{"探亲", "送货", "维修", "就医陪护"}
)

// visitor is a registration as it leaves a unit: phone and ID masked.
func (g *Generator) visitor(now time.Time) *wire.Visitor {
	arrived := now.UTC().Add(-time.Duration(g.rng.IntN(72)) * time.Hour).Truncate(time.Hour)
	return &wire.Visitor{Name: pick(g.rng, visitorNames),
		Phone:  wire.MaskPhone("13" + digits(g.rng, 9)),
		ID:     wire.MaskID("110105" + digits(g.rng, 12)),
		Origin: pick(g.rng, origins), Destination: pick(g.rng, destinations),
		Reason: pick(g.rng, reasons), Transport: "步行", ArrivedAt: &arrived}
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}
