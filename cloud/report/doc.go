// Package report builds the collector's daily report (日报): per site, what
// passed its checkpoints in the period ending at the cut hour, and whether
// the site can file a zero report (零报告) — nothing abnormal happened.
//
// Central monitoring must send the daily report by a fixed hour (docs/product.md
// "Reporting deadlines": the daily report at 16:00), to many offices that
// complain of filling the same numbers in again and again (多头报送、反复填报).
// So one report serves every recipient: JSON for the dashboard and the API,
// CSV and XLSX for the people who forward it.
//
// The package is pure: it takes the period's rollup counts per site
// ([SiteInput], the rollup metric names GET /api/v1/rollups serves) and never reads a
// store, so the store can change under it and the report can be tested
// with plain values.
//
//	p, err := report.PeriodFor("2026-11-23", report.DefaultCutHour, report.DefaultCutMinute, loc)
//	r := report.Build(p, sites)
//	err = report.WriteXLSX(w, r, "zh")
package report
