package policy

import (
	"slices"
	"strconv"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// HouseholdCheck is one pass per household (一户一卡, docs/product.md
// "Closed-management community gates"): a household pass allows
// Allowance uses per Period, counted at the lanes facing Lane; when they
// are spent the person gets Outcome, told when the next use is allowed.
// The period is a rolling window from the uses (wire.HouseholdWindow says
// why not a calendar period).
type HouseholdCheck struct {
	Mode      Mode     `toml:"mode" json:"mode"`
	Allowance int      `toml:"allowance" json:"allowance,omitempty"`
	Period    Duration `toml:"period" json:"period,omitempty"`
	// Lane is the lane whose entries are uses: "out" by default, because
	// what closed management limits is going out — one designated member
	// fetches the household's shopping every 2 days — and everyone who
	// went out comes back in, so counting both would spend the allowance
	// twice and refuse people at their own front door.
	Lane wire.Lane `toml:"lane" json:"lane,omitempty"`
	// Roles are the pass roles the quota applies to; residents by default
	// (staff and supply vehicles are not rationed).
	Roles   []credential.Role `toml:"roles" json:"roles,omitempty"`
	Outcome wire.Decision     `toml:"outcome" json:"outcome,omitempty"`
}

// HouseholdUses is what the pipeline found of a household's uses: those
// after its last reset, from the unit's ledger and the site gateway's
// count (wire.Households). Now is the time the window ends: the unit's
// clock, or with an unsynced clock the latest time the ledger knows, so a
// Pi booted in 1970 neither refunds a use nor lets one expire early.
type HouseholdUses struct {
	Uses []wire.HouseholdUse
	Now  time.Time
}

func (h *HouseholdCheck) defaults() {
	orStr(&h.Mode, Off)
	orStr(&h.Lane, wire.LaneOut)
	orStr(&h.Outcome, wire.Deny)
	if h.Roles == nil {
		h.Roles = []credential.Role{credential.RoleResident}
	}
}

var passRoles = []credential.Role{credential.RoleResident, credential.RoleStaff,
	credential.RoleSupplyVehicle, credential.RoleCourier, credential.RoleWorker}

func (h HouseholdCheck) check(c *checker) {
	const k = "checks.household."
	oneOf(c, k+"mode", h.Mode, modes...)
	if h.Mode == Off && h.Allowance == 0 && h.Period == "" {
		return
	}
	if h.Allowance < 1 || h.Allowance > wire.MaxHouseholdDelta {
		c.bad(k+"allowance", "%d: uses per period, 1-%d (one designated member every 2 days is allowance = 1, period = \"2d\")", h.Allowance, wire.MaxHouseholdDelta)
	}
	checkDuration(c, k+"period", h.Period, time.Hour, wire.MaxHouseholdPeriod*time.Second)
	oneOf(c, k+"lane", h.Lane, wire.LaneOut, wire.LaneIn)
	if len(h.Roles) == 0 {
		c.bad(k+"roles", "is empty; name the pass roles the quota applies to, e.g. [\"resident\"]")
	}
	for _, r := range h.Roles {
		oneOf(c, k+"roles", r, passRoles...)
	}
	oneOf(c, k+"outcome", h.Outcome, wire.Deny, wire.PersuadeReturn, wire.Register)
}

// PeriodDuration is Period parsed; Validate has refused one that does not.
func (h HouseholdCheck) PeriodDuration() time.Duration { return h.Period.orZero() }

// Counts reports whether an entry of c at lane is a use under the rule.
func (h HouseholdCheck) Counts(lane wire.Lane, c credential.Presented) bool {
	return h.Mode != Off && lane == h.Lane && c.Household != "" &&
		c.Wire.Kind == wire.CredentialResidentPass && c.Status == credential.StatusValid &&
		slices.Contains(h.Roles, c.Role)
}

// household applies the quota on the counting lane. It runs after every
// other check has had its say: only an allowed entry is a use, so a person
// refused for a fever keeps their household's allowance.
func (e *eval) household() {
	h := e.p.Checks.Household
	c := e.in.Credential
	if !h.Counts(e.in.Lane, c) || e.in.Household == nil {
		return
	}
	period := h.PeriodDuration()
	hw := &wire.Household{ID: c.Household, Allowance: h.Allowance, PeriodSeconds: int64(period / time.Second)}
	e.d.Household = hw
	now := e.in.Household.Now
	used, next := wire.HouseholdWindow(e.in.Household.Uses, now, period, h.Allowance)
	if used >= h.Allowance {
		hw.NextAt = utcPtr(next)
		if e.fail(h.Mode, h.Outcome, householdSpent(h.Lane, next.In(e.in.Now.Location()))); e.done {
			return
		}
	}
	// Counted on the expectation that the entry is allowed; the pipeline
	// clears it when a later check (or the guard) decides otherwise.
	hw.Counted = true
	after := append(slices.Clip(e.in.Household.Uses), wire.HouseholdUse{At: now, N: 1})
	left, nextAfter := wire.HouseholdWindow(after, now, period, h.Allowance)
	hw.Remaining = max(0, h.Allowance-left)
	if hw.Remaining == 0 {
		hw.NextAt = utcPtr(nextAfter)
	}
	e.log(householdLeft(hw.Remaining))
}

func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// Reasons of the household quota. The refusal names the next allowed time
// in the unit's local time, month-day hour:minute, as the guard says it.
const (
	ReasonHouseholdSpentCode = "household_spent"
	ReasonHouseholdLeftCode  = "household_left"
)

func householdSpent(lane wire.Lane, next time.Time) wire.Reason {
	when := next.Format("01-02 15:04")
	verb, en := "外出", "go out"
	if lane == wire.LaneIn {
		verb, en = "进入", "enter"
	}
	return wire.Reason{Code: ReasonHouseholdSpentCode,
		ZH: "本户通行次数已用完，下次可于 " + when + " 后" + verb,
		EN: "this household's passes for the period are used up; may " + en + " again after " + when}
}

func householdLeft(n int) wire.Reason {
	return wire.Reason{Code: ReasonHouseholdLeftCode,
		ZH: "一户一卡：本期剩余 " + strconv.Itoa(n) + " 次",
		EN: "one pass per household: " + strconv.Itoa(n) + " left this period"}
}

// settleHousehold makes the household block agree with the final outcome:
// an entry that did not let the person through is no use, and leaves the
// household's remaining uses as they were.
func (e *eval) settleHousehold() {
	hw := e.d.Household
	if hw == nil || !hw.Counted || e.d.Outcome == wire.Allow {
		return
	}
	h := e.p.Checks.Household
	used, next := wire.HouseholdWindow(e.in.Household.Uses, e.in.Household.Now, h.PeriodDuration(), h.Allowance)
	hw.Counted, hw.Remaining, hw.NextAt = false, max(0, h.Allowance-used), utcPtr(next)
	e.d.Reasons = slices.DeleteFunc(e.d.Reasons, func(r wire.Reason) bool { return r.Code == ReasonHouseholdLeftCode })
}
