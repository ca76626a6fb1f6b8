package report

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available (no tzdata): %v", name, err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPeriodForEndsAtCutAndStartsAtPreviousDaysCut(t *testing.T) {
	// 2026 in New York: DST starts Sunday 8 March, ends Sunday 1 November.
	tests := []struct {
		name         string
		zone, date   string
		hour, minute int
		since, until string // RFC 3339, UTC
		length       time.Duration
	}{
		{"Shanghai 16:00", "Asia/Shanghai", "2026-11-23", 16, 0, "2026-11-22T08:00:00Z", "2026-11-23T08:00:00Z", 24 * time.Hour},
		{"Shanghai midnight cut", "Asia/Shanghai", "2026-11-23", 0, 0, "2026-11-21T16:00:00Z", "2026-11-22T16:00:00Z", 24 * time.Hour},
		{"Shanghai 12:30 cut", "Asia/Shanghai", "2026-11-23", 12, 30, "2026-11-22T04:30:00Z", "2026-11-23T04:30:00Z", 24 * time.Hour},
		{"across new year", "Asia/Shanghai", "2027-01-01", 16, 0, "2026-12-31T08:00:00Z", "2027-01-01T08:00:00Z", 24 * time.Hour},
		{"after leap day", "Asia/Shanghai", "2028-03-01", 16, 0, "2028-02-29T08:00:00Z", "2028-03-01T08:00:00Z", 24 * time.Hour},
		{"New York before DST", "America/New_York", "2026-03-07", 16, 0, "2026-03-06T21:00:00Z", "2026-03-07T21:00:00Z", 24 * time.Hour},
		{"New York DST starts: 23 h", "America/New_York", "2026-03-08", 16, 0, "2026-03-07T21:00:00Z", "2026-03-08T20:00:00Z", 23 * time.Hour},
		{"New York day after DST starts", "America/New_York", "2026-03-09", 16, 0, "2026-03-08T20:00:00Z", "2026-03-09T20:00:00Z", 24 * time.Hour},
		{"New York DST ends: 25 h", "America/New_York", "2026-11-01", 16, 0, "2026-10-31T20:00:00Z", "2026-11-01T21:00:00Z", 25 * time.Hour},
		{"New York 00:00 cut on DST start", "America/New_York", "2026-03-09", 0, 0, "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			p, err := PeriodFor(tt.date, tt.hour, tt.minute, loc)
			if err != nil {
				t.Fatal(err)
			}
			since, until := mustTime(t, tt.since), mustTime(t, tt.until)
			if !p.Since.Equal(since) || !p.Until.Equal(until) || !p.Cut.Equal(until) {
				t.Errorf("period = %v .. %v (cut %v), want %v .. %v", p.Since.UTC(), p.Until.UTC(), p.Cut.UTC(), since, until)
			}
			if got := p.Until.Sub(p.Since); got != tt.length {
				t.Errorf("length = %v, want %v", got, tt.length)
			}
			if p.Date != tt.date {
				t.Errorf("Date = %q, want %q", p.Date, tt.date)
			}
			if p.Cut.Location() != loc {
				t.Errorf("cut is in %v, want %v so JSON shows the local offset", p.Cut.Location(), loc)
			}
		})
	}
}

func TestPeriodForRejectsBadInput(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	tests := []struct {
		name         string
		date         string
		hour, minute int
		loc          *time.Location
		want         string
	}{
		{"empty date", "", 16, 0, shanghai, "want YYYY-MM-DD"},
		{"day 30 of February", "2026-02-30", 16, 0, shanghai, "want YYYY-MM-DD"},
		{"day first", "23-11-2026", 16, 0, shanghai, "want YYYY-MM-DD"},
		{"time attached", "2026-11-23T16:00:00Z", 16, 0, shanghai, "want YYYY-MM-DD"},
		{"hour 24", "2026-11-23", 24, 0, shanghai, "cut 24:00 is not a time of day"},
		{"negative hour", "2026-11-23", -1, 0, shanghai, "want hour 0-23"},
		{"minute 60", "2026-11-23", 16, 60, shanghai, "minute 0-59"},
		{"no zone", "2026-11-23", 16, 0, nil, "no time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PeriodFor(tt.date, tt.hour, tt.minute, tt.loc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one that says %q", err, tt.want)
			}
		})
	}
}

// Consecutive periods must share their boundary, or an entry at the cut
// would be counted twice or never. Cuts inside the spring-forward gap
// (02:30) and the fall-back repeat (01:30) are the hard cases.
func TestPeriodsTileAcrossDSTChanges(t *testing.T) {
	cuts := [][2]int{{16, 0}, {0, 0}, {2, 30}, {1, 30}, {23, 59}}
	for _, zone := range []string{"America/New_York", "Asia/Shanghai"} {
		loc := mustLoad(t, zone)
		for _, start := range []string{"2026-03-01", "2026-10-25"} {
			day := mustTime(t, start+"T00:00:00Z")
			for _, cut := range cuts {
				prev, err := PeriodFor(day.Format(dateLayout), cut[0], cut[1], loc)
				if err != nil {
					t.Fatal(err)
				}
				for i := 1; i <= 14; i++ {
					date := day.AddDate(0, 0, i).Format(dateLayout)
					p, err := PeriodFor(date, cut[0], cut[1], loc)
					if err != nil {
						t.Fatal(err)
					}
					if !p.Since.Equal(prev.Until) {
						t.Errorf("%s %02d:%02d: period %s starts %v, previous ends %v", zone, cut[0], cut[1], date, p.Since, prev.Until)
					}
					if length := p.Until.Sub(p.Since); length < 23*time.Hour || length > 25*time.Hour {
						t.Errorf("%s %02d:%02d: period %s is %v long", zone, cut[0], cut[1], date, length)
					}
					if got := p.Cut.In(loc).Format(dateLayout); got != date {
						t.Errorf("%s %02d:%02d: period %s ends on %s", zone, cut[0], cut[1], date, got)
					}
					prev = p
				}
			}
		}
	}
}

func TestLatestCutIsTheLastPeriodEndedByNow(t *testing.T) {
	tests := []struct {
		name, zone, now string
		date            string
	}{
		{"a second before the cut", "Asia/Shanghai", "2026-11-23T15:59:59+08:00", "2026-11-22"},
		{"at the cut", "Asia/Shanghai", "2026-11-23T16:00:00+08:00", "2026-11-23"},
		{"after the cut", "Asia/Shanghai", "2026-11-23T23:00:00+08:00", "2026-11-23"},
		{"just after local midnight", "Asia/Shanghai", "2026-11-24T00:01:00+08:00", "2026-11-23"},
		{"now given in UTC", "Asia/Shanghai", "2026-11-23T08:30:00Z", "2026-11-23"},
		{"New York, DST start, before cut", "America/New_York", "2026-03-08T15:00:00-04:00", "2026-03-07"},
		{"New York, DST start, after cut", "America/New_York", "2026-03-08T16:00:00-04:00", "2026-03-08"},
		{"New York, DST end, after cut", "America/New_York", "2026-11-01T16:00:00-05:00", "2026-11-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			p := LatestCut(mustTime(t, tt.now), DefaultCutHour, DefaultCutMinute, loc)
			if p.Date != tt.date {
				t.Errorf("Date = %s (cut %v), want %s", p.Date, p.Cut, tt.date)
			}
		})
	}
}

// Walk the clock through both DST changes: the latest period has ended by
// now, and the one after it has not.
func TestLatestCutNeverReturnsAPeriodStillRunning(t *testing.T) {
	loc := mustLoad(t, "America/New_York")
	for _, cut := range [][2]int{{16, 0}, {2, 30}, {1, 30}} {
		for _, start := range []string{"2026-03-07T00:00:00Z", "2026-10-31T00:00:00Z"} {
			t0 := mustTime(t, start)
			for now := t0; now.Before(t0.Add(72 * time.Hour)); now = now.Add(7 * time.Minute) {
				p := LatestCut(now, cut[0], cut[1], loc)
				next, err := PeriodFor(mustTime(t, p.Date+"T00:00:00Z").AddDate(0, 0, 1).Format(dateLayout), cut[0], cut[1], loc)
				if err != nil {
					t.Fatal(err)
				}
				if !p.Closed(now) || next.Closed(now) {
					t.Fatalf("cut %02d:%02d at %v: latest period ends %v, next ends %v", cut[0], cut[1], now, p.Cut, next.Cut)
				}
			}
		}
	}
}

func TestLatestCutWithoutZoneUsesNowsZone(t *testing.T) {
	loc := mustLoad(t, "Asia/Shanghai")
	now := mustTime(t, "2026-11-23T17:00:00+08:00").In(loc)
	if p := LatestCut(now, 16, 0, nil); p.Date != "2026-11-23" || p.Cut.Location() != loc {
		t.Fatalf("period %s ending %v, want 2026-11-23 in %v", p.Date, p.Cut, loc)
	}
}

func TestPeriodStringShowsLocalClock(t *testing.T) {
	p, err := PeriodFor("2026-11-23", 16, 0, mustLoad(t, "Asia/Shanghai"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "2026-11-22 16:00 — 2026-11-23 16:00"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}
