package policy

import (
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// The ID card rule ([checks.id_card]): a person without a phone puts their
// resident ID card on the lane's reader (docs/product.md "What else the
// plans ask of a checkpoint": people without phones are registered by
// ID). The card says who they are, not whether they are well, so:
//
//   - an expired card (已过期) follows on_expired (register by default:
//     the guard looks at it and fills the form by hand if need be);
//   - the card holder has no pass, so the visitor rule applies as to
//     anyone without one (a community still registers its visitors; the
//     card only fills the form);
//   - the health code asked by ID number is judged as a scanned health
//     code is (checks.health_code: accept, outcome, on_timeout,
//     on_verify_failed; yellow and red are reported);
//   - with no service to ask, without_health says what a card alone
//     gets: register (the default: the guard's form opens pre-filled),
//     allow or deny.
//
// With the rule off, a card counts for nothing more than a person with no
// code (the visitor rule, then checks.health_code.on_missing).

// IDCardCheck is [checks.id_card].
type IDCardCheck struct {
	Mode          Mode          `toml:"mode" json:"mode"`
	WithoutHealth wire.Decision `toml:"without_health" json:"without_health"`
	OnExpired     wire.Decision `toml:"on_expired" json:"on_expired"`
}

// Reasons of the ID card rule.
var (
	ReasonIDCard         = wire.Reason{Code: "id_card", ZH: "已刷身份证", EN: "ID card read"}
	ReasonIDCardExpired  = wire.Reason{Code: "id_card_expired", ZH: "身份证已过期，请核实", EN: "ID card expired, check it"}
	ReasonIDCardNoHealth = wire.Reason{Code: "id_card_no_health", ZH: "无法按身份证查询健康码，请人工核验", EN: "health code cannot be looked up by ID number; check by hand"}
	ReasonIDCardHealth   = wire.Reason{Code: "id_card_health_lookup", ZH: "健康码按身份证号查询", EN: "health code looked up by ID number"}
)

func (c *IDCardCheck) defaults() {
	orStr(&c.Mode, Off)
	orStr(&c.WithoutHealth, wire.Register)
	orStr(&c.OnExpired, wire.Register)
}

func (c IDCardCheck) check(ch *checker) {
	oneOf(ch, "checks.id_card.mode", c.Mode, modes...)
	oneOf(ch, "checks.id_card.without_health", c.WithoutHealth, wire.Register, wire.Allow, wire.Deny)
	oneOf(ch, "checks.id_card.on_expired", c.OnExpired, wire.Register, wire.Deny, wire.PersuadeReturn)
}

// idCard judges a person by their ID card, in place of the identity and
// health code checks a scanned code gets.
func (e *eval) idCard() {
	ic := e.p.Checks.IDCard
	if ic.Mode == Off || ic.Mode == "" {
		e.unidentified(ReasonIDCard)
		return
	}
	c := &e.in.Credential
	if c.Status != credential.StatusValid {
		if e.fail(ic.Mode, ic.OnExpired, ReasonIDCardExpired); e.done {
			return
		}
	}
	if e.visitor(ReasonIDCard); e.done {
		return
	}
	hc := e.p.Checks.HealthCode
	if hc.Mode == Off {
		return
	}
	if c.Card == nil || c.Card.Health == "" {
		switch ic.WithoutHealth {
		case wire.Allow:
			e.log(ReasonIDCardNoHealth)
		default:
			e.fail(ic.Mode, ic.WithoutHealth, ReasonIDCardNoHealth)
		}
		return
	}
	e.log(ReasonIDCardHealth)
	e.judgeHealth(c.Card.Health)
}
