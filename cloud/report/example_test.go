package report_test

import (
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/report"
)

func ExamplePeriodFor() {
	shanghai := time.FixedZone("CST", 8*3600) // time.LoadLocation("Asia/Shanghai") in the collector
	p, err := report.PeriodFor("2026-11-23", report.DefaultCutHour, report.DefaultCutMinute, shanghai)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)
	// Output: 2026-11-22 16:00 — 2026-11-23 16:00
}

func ExampleBuild() {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 23, 15, 30, 0, 0, shanghai) // before today's cut
	r := report.Build(report.LatestCut(now, 16, 0, shanghai), []report.SiteInput{
		{Site: "sunshine-garden", Name: "阳光花园", Facility: "community",
			Counts: map[string]int{"total": 120, "in": 70, "out": 45, "fever": 1}},
		{Site: "west-village", Name: "西村卡口", Facility: "village"}, // no traffic: still listed
	})
	fmt.Println(r.Date)
	for _, row := range append(r.Sites, r.Total) {
		fmt.Println(row.Site, row.Total, row.Fever, row.ZeroReport)
	}
	// Output:
	// 2026-11-22
	// sunshine-garden 120 1 false
	// west-village 0 0 true
	// total 120 1 false
}
