package unit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kakou/kakou/drivers/gate"
	"github.com/kakou/kakou/firmware/wire"
)

// [gate.beeps] gives a decision's buzzer its own rhythm (drivers/gate
// Beeps: "." short, "-" long, " " a pause), e.g. refer = "----".

// beepSignals are the keys of [gate.beeps]: the decisions and "fault".
var beepSignals = func() map[string]gate.Signal {
	m := map[string]gate.Signal{"fault": gate.Fault}
	for _, d := range []wire.Decision{wire.Allow, wire.Recheck, wire.Register, wire.Wait, wire.Deny, wire.Refer, wire.PersuadeReturn, wire.Hold} {
		m[string(d)] = signalFor(d)
	}
	return m
}()

// problems checks the gate keys without touching a pin; the rhythms and
// the lengths are checked as gate.New would.
func (g GateConfig) problems() []string {
	o, err := g.opts()
	if err != nil {
		return []string{err.Error()}
	}
	var p []string
	for _, name := range slices.Sorted(maps.Keys(g.Beeps)) {
		if _, ok := beepSignals[name]; !ok {
			p = append(p, fmt.Sprintf("gate.beeps.%s: not a decision: use allow, recheck, register, wait, deny, refer, persuade_return, hold or fault", name))
		} else if err := gate.Beeps(g.Beeps[name]).Validate(); err != nil {
			p = append(p, fmt.Sprintf("gate.beeps.%s: %v", name, err))
		}
	}
	if len(p) > 0 {
		return p
	}
	if err := o.Validate(); err != nil {
		for _, line := range strings.Split(strings.TrimPrefix(err.Error(), "gate: "), "\n") {
			p = append(p, "gate: "+signalKeys.Replace(line))
		}
	}
	return p
}

// signalKeys writes the gate's signal names in a message as the config
// keys an installer knows: "Beeps[Refer]" as "beeps.refer".
var signalKeys = func() *strings.Replacer {
	var r []string
	for name, s := range beepSignals {
		r = append(r, fmt.Sprintf("Beeps[%s]", s), "beeps."+name, " as "+s.String(), " as "+name)
	}
	return strings.NewReplacer(r...)
}()
