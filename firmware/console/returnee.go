package console

import (
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// A returnee (返乡/返回人员, docs/product.md "People treated differently")
// registers on the visitor form with the 返回人员 box ticked: the same
// fields, kept the same way (phone and ID masked and hashed, SECURITY.md
// "PII minimisation"), plus when they arrived. Their origin is required,
// their destination is their household, and transport and train/flight
// number are their travel. The entry carries wire.Returnee beside the
// visitor; the policy holds them for sampling ([checks.returnee]) and
// the centre joins them to its roster by their origin.

// maxArrivalAge is how long ago a returnee may say they arrived: a plan's
// longest schedule is four weeks; someone back longer is no returnee.
const maxArrivalAge = 28 * 24 * time.Hour

// arrivalLayouts are what the form's date-time box sends (the unit's
// local time), and RFC 3339 from other clients.
var arrivalLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", time.RFC3339}

// checkReturnee checks the returnee's part of the form, when ticked.
func (f *registration) checkReturnee(e *formError, now time.Time) {
	f.Arrived = strings.TrimSpace(f.Arrived)
	if !f.Returnee {
		f.Arrived = ""
		return
	}
	if f.Origin == "" {
		e.add("origin", problem("返回人员必须填写从何处来（省市区）", "a returnee must say where they come from"))
	}
	at, ok := parseArrival(f.Arrived, now.Location())
	switch {
	case f.Arrived == "":
		e.add("arrived", problem("请填写到达时间", "give the time they arrived"))
	case !ok:
		e.add("arrived", problem("到达时间格式应为 2022-04-01 08:30", "write the arrival time like 2022-04-01 08:30"))
	case at.After(now.Add(time.Hour)):
		e.add("arrived", problem("到达时间不能晚于现在", "the arrival time is in the future"))
	case now.Sub(at) > maxArrivalAge:
		e.add("arrived", problem("到达已超过28天，不按返回人员登记", "arrived over 28 days ago: not a returnee"))
	}
}

func parseArrival(s string, loc *time.Location) (time.Time, bool) {
	for _, l := range arrivalLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil && t.Year() > 2000 && t.Year() < 9999 {
			return t, true
		}
	}
	return time.Time{}, false
}

// returnee is the entry's returnee block for a checked form, or nil.
func (f registration) returnee(loc *time.Location) *wire.Returnee {
	if !f.Returnee {
		return nil
	}
	at, _ := parseArrival(f.Arrived, loc)
	travel := strings.TrimSpace(f.Transport + " " + f.Trip)
	return &wire.Returnee{Origin: f.Origin, Arrived: at, Household: f.Destination, Travel: travel}
}
