package policy

import (
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// The roster check ([checks.watch]) applies the centre's roster of people
// in home quarantine (居家隔离), in health monitoring (健康监测) and
// returnees (返乡人员), matched at the gate by pass, ID-number hash, phone
// hash or household (credential.Roster). Every match tells the centre at
// once; what happens at the gate is the roster entry's own outcome, or the
// policy's for the kind. A person in home quarantine on an entry lane
// follows on_quarantine_entry whatever the entry says: they may be going
// home. A visitor whose destination is a quarantined household is refused
// (a quarantined household takes no visitors).

// Reasons and alerts of the roster check, beside the first ones in
// reasons.go.
var (
	ReasonMonitoring          = wire.Reason{Code: "watch_monitoring", ZH: "健康监测人员，已报告", EN: "under health monitoring; reported"}
	ReasonMonitoringRefused   = wire.Reason{Code: "watch_monitoring_refused", ZH: "健康监测人员，暂不得进入，已报告", EN: "under health monitoring, not admitted; reported"}
	ReasonReturneeReported    = wire.Reason{Code: "watch_returnee_reported", ZH: "返乡人员，已报告", EN: "returnee; reported"}
	ReasonReturneeRefused     = wire.Reason{Code: "watch_returnee_refused", ZH: "返乡人员，暂不得进入，已报告", EN: "returnee, not admitted; reported"}
	ReasonHouseholdQuarantine = wire.Reason{Code: "watch_household_visitor", ZH: "该户正在居家隔离，谢绝来访，已报告", EN: "the household visited is in home quarantine: no visitors; reported"}
)

const (
	AlertWatchMonitoring = "watch_monitoring"
	AlertWatchReturnee   = "watch_returnee"
	AlertWatchVisitor    = "watch_household_visitor"
)

// WatchAlerts are the alerts a roster match raises, for consumers that
// list them.
var WatchAlerts = []string{AlertWatchQuarantine, AlertWatchMonitoring, AlertWatchReturnee, AlertWatchVisitor}

// watch applies the roster on the way in.
func (e *eval) watch() {
	wc := e.p.Checks.Watch
	w := e.in.Credential.Watch
	if wc.Mode == Off || w == nil || !e.inForce(w.Until) {
		return
	}
	if w.By == wire.WatchByDestination {
		e.alert(AlertWatchVisitor)
		e.fail(wc.Mode, wc.OnVisitorToQuarantine, ReasonHouseholdQuarantine)
		return
	}
	switch w.Kind {
	case credential.WatchQuarantine:
		e.alert(AlertWatchQuarantine)
		if wc.OnQuarantineEntry == wire.Allow {
			e.log(ReasonQuarantineEntry)
			return
		}
		e.fail(wc.Mode, wc.OnQuarantineEntry, ReasonQuarantineOut)
	case credential.WatchMonitoring:
		e.alert(AlertWatchMonitoring)
		e.watchOutcome(entryOutcome(w, wc.OnMonitoring), ReasonMonitoring, ReasonMonitoringRefused)
	case credential.WatchReturnee:
		e.alert(AlertWatchReturnee)
		if out := entryOutcome(w, wc.OnReturnee); out == wire.Register {
			e.fail(wc.Mode, wire.Register, ReasonReturnee)
		} else {
			e.watchOutcome(out, ReasonReturneeReported, ReasonReturneeRefused)
		}
	}
}

// watchOutcome lets the person through with ok logged, or fails the check
// with refused.
func (e *eval) watchOutcome(out wire.Decision, ok, refused wire.Reason) {
	if out == wire.Allow {
		e.log(ok)
		return
	}
	e.fail(e.p.Checks.Watch.Mode, out, refused)
}

// entryOutcome is the roster entry's own outcome, else the policy's; the
// entry's or the policy's "alert" (仅预警) is allow, the alert being raised
// anyway.
func entryOutcome(w *credential.Watch, policy wire.Decision) wire.Decision {
	out := w.Outcome
	if out == "" {
		out = policy
	}
	if out == wire.WatchAlertOnly {
		return wire.Allow
	}
	return out
}

// watchExit applies the roster on the way out: a person in home
// quarantine may not go out; one in monitoring is reported and let go.
// It reports whether it decided the exit.
func (e *eval) watchExit() bool {
	m := e.p.Checks.Watch.Mode
	w := e.in.Credential.Watch
	if m == Off || w == nil || w.By == wire.WatchByDestination || !e.inForce(w.Until) {
		return false
	}
	switch w.Kind {
	case credential.WatchQuarantine:
		e.alert(AlertWatchQuarantine)
		if m == Soft {
			e.log(ReasonExit)
		}
		out := entryOutcome(w, wire.Deny)
		if out == wire.Allow {
			e.log(ReasonExit)
			return true
		}
		e.fail(m, out, ReasonQuarantineExit)
		return true
	case credential.WatchMonitoring:
		e.alert(AlertWatchMonitoring)
		e.log(ReasonMonitoring)
	}
	return false
}
