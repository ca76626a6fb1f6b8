// Package policy decides what happens to a person at the gate from what the
// sensors and the scanned code said. Decisions are pure functions of the
// policy and the inputs so they can be tested as tables and replayed.
//
// This is the default policy of the first release: fever at or over the
// threshold asks for a re-check, an unknown code asks the guard to register
// the person. Versioned policy documents with hard and soft checks, phases
// and facility types replace it without changing the Decide signature.
package policy

import (
	"fmt"
	"math"

	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// Policy is the rule set a unit screens with. Version is recorded on every
// entry so any decision can be traced to the rules that made it.
type Policy struct {
	Version string
	// FeverAt is the body temperature at or over which a reading counts as
	// fever (PRODUCT.md: 37.3 °C in the common plans).
	FeverAt physic.Temperature
}

// Default is the policy a unit uses when its config names no other.
func Default() Policy {
	return Policy{Version: "default-1", FeverAt: Celsius(37.3)}
}

// Celsius converts a configured °C value; config files are an edge.
func Celsius(c float64) physic.Temperature {
	// Rounding matters: 37.3*1e9 is 37299999999.99… in float64.
	return physic.ZeroCelsius + Delta(c)
}

// Delta converts a configured difference in °C (or K), such as a forehead
// offset, to a temperature difference.
func Delta(c float64) physic.Temperature {
	return physic.Temperature(math.Round(c * float64(physic.Kelvin)))
}

// Validate reports what makes p unusable.
func (p Policy) Validate() error {
	if p.Version == "" {
		return fmt.Errorf("policy: version must be set")
	}
	if p.FeverAt < Celsius(36) || p.FeverAt > Celsius(40) {
		return fmt.Errorf("policy: fever threshold %s is outside 36-40 °C", p.FeverAt)
	}
	return nil
}

// Reading is what the thermometer reported for this person.
type Reading struct {
	Raw  physic.Temperature // as the sensor measured the forehead
	Body physic.Temperature // corrected to body temperature by the thermometer
	// Uncertain marks a reading the thermometer doubts (samples disagree,
	// implausible value, ambient out of range); Why says why, for the log.
	Uncertain bool
	Why       string
	// Manual marks a reading the guard entered by hand.
	Manual bool
}

// Input is everything a decision may depend on.
type Input struct {
	// Reading is nil when no temperature could be taken.
	Reading *Reading
	// ThermometerErr says why Reading is nil.
	ThermometerErr error
	Credential     wire.Credential
	// Lane is the direction of the lane the person is at.
	Lane wire.Lane
}

// Decide applies p to in. Temperature comes first, as in the plans' order
// temperature → code → mask → registration.
// People leaving are logged, not screened: an exit lane's entry closes a
// visitor's ledger line (及时销号) and keeps occupancy right.
func (p Policy) Decide(in Input) (wire.Decision, []wire.Reason) {
	d, reasons := p.decide(in)
	if in.Reading != nil && in.Reading.Manual {
		reasons = append(reasons, ReasonManualTemp)
	}
	return d, reasons
}

func (p Policy) decide(in Input) (wire.Decision, []wire.Reason) {
	if in.Lane == wire.LaneOut {
		return wire.Allow, []wire.Reason{ReasonExit}
	}
	switch {
	case in.Reading == nil:
		return wire.Recheck, []wire.Reason{ReasonNoTemperature}
	case in.Reading.Body >= p.FeverAt:
		return wire.Recheck, []wire.Reason{ReasonFever}
	case in.Reading.Uncertain:
		return wire.Recheck, []wire.Reason{ReasonUncertain}
	}
	switch in.Credential.Kind {
	case wire.CredentialResidentPass:
		return wire.Allow, []wire.Reason{ReasonTempNormal, ReasonPassUnverified}
	case wire.CredentialVisitor:
		return wire.Register, []wire.Reason{ReasonTempNormal, ReasonVisitor}
	case wire.CredentialNone:
		return wire.Register, []wire.Reason{ReasonTempNormal, ReasonNoCode}
	default:
		return wire.Register, []wire.Reason{ReasonTempNormal, ReasonUnknownCode}
	}
}

// Reasons, each with a stable code for machines and text for people.
var (
	ReasonExit           = wire.Reason{Code: "exit", ZH: "出口，已记录", EN: "exit, logged"}
	ReasonTempNormal     = wire.Reason{Code: "temp_normal", ZH: "体温正常", EN: "temperature normal"}
	ReasonFever          = wire.Reason{Code: "fever_recheck", ZH: "体温偏高，请复测", EN: "high temperature, measure again"}
	ReasonNoTemperature  = wire.Reason{Code: "no_temperature", ZH: "未测到体温，请复测或手工录入", EN: "no temperature taken, measure again or enter by hand"}
	ReasonManualTemp     = wire.Reason{Code: "temp_manual", ZH: "体温由值守人员手工录入", EN: "temperature entered by hand by the guard"}
	ReasonUncertain      = wire.Reason{Code: "temp_uncertain", ZH: "测温不稳定，请复测", EN: "reading uncertain, measure again"}
	ReasonPassUnverified = wire.Reason{Code: "pass_unverified", ZH: "出入证格式正确，未验签", EN: "pass format valid, signature not checked"}
	ReasonVisitor        = wire.Reason{Code: "visitor_register", ZH: "访客，请登记", EN: "visitor, please register"}
	ReasonNoCode         = wire.Reason{Code: "no_code", ZH: "未出示码，请登记", EN: "no code shown, please register"}
	ReasonUnknownCode    = wire.Reason{Code: "unknown_code", ZH: "无法识别的码，请登记", EN: "code not recognised, please register"}
)
