package screening

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// staffCheck is the roll-call check in's entry carries, if any.
func (p *Pipeline) staffCheck(in policy.Input) *wire.StaffCheck {
	if p.opts.StaffCheck == nil {
		return nil
	}
	return p.opts.StaffCheck(in)
}

// LogStaffCheck writes a roll-call tick: a guard or class teacher checked
// a staff roster member away from the lane and typed the reading of a
// handheld thermometer. Nobody passed the gate, so it is a record
// (wire.RecordStaffCheck), but a reading at or over the policy's fever
// threshold carries the fever alert as a second fever reading at a lane
// does (docs/product.md: fever reported to the centre within minutes):
// the teacher measured with a thermometer the policy cannot re-check, and
// the pupil is not held at a lane to be measured again.
func (p *Pipeline) LogStaffCheck(ctx context.Context, sc wire.StaffCheck, t physic.Temperature, guard, guardName string) (wire.Entry, error) {
	if err := bodyTemperature(&t); err != nil {
		return wire.Entry{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pol := p.opts.Policy()
	now, synced := p.opts.Now()
	c := celsius(t)
	e := wire.Entry{
		Schema: wire.SchemaVersion, ID: p.opts.NewID(),
		Site: p.opts.Site, Unit: p.opts.Unit, BootID: p.opts.BootID, Lane: p.opts.Lane,
		Time: now, ClockSynced: synced, Credential: wire.Credential{Kind: wire.CredentialNone},
		PolicyVersion: pol.Version, Guard: guard,
		Record:      &wire.Record{Kind: wire.RecordStaffCheck, GuardName: guardName},
		Temperature: &wire.Temperature{RawC: c, CorrectedC: c, Source: wire.SourceManual},
		StaffCheck:  &sc,
	}
	if pol.Fever(t) {
		e.Alert = policy.AlertFever
	}
	if err := p.ledger.Append(ctx, &e); err != nil {
		return wire.Entry{}, fmt.Errorf("screening: log staff check of %s: %w", sc.ID, err)
	}
	return e, nil
}
