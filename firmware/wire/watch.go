package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The centre's watch roster (居家隔离 / 健康监测 / 返乡人员) is one document for
// the whole fleet, thousands of people long, while a retained MQTT message
// is one per topic and a payload is at most MaxPayload. So it travels as a
// small tree of retained messages under WatchRoot, every one of them
// within MaxPayload:
//
//	kakou/v1/watch/head        WatchHead, signed: version, base snapshot,
//	                           and the sha256 of each index part
//	kakou/v1/watch/i<v>-<n>    WatchPart with Refs: the data parts, in order,
//	                           each with its sha256
//	kakou/v1/watch/s<b>-<n>    WatchPart with Entries: snapshot b
//	kakou/v1/watch/d<v>-<n>    WatchPart with Entries: the change made at v
//
// A unit runs a roster only when the head verifies and every part hashes
// as the tree says, so the parts themselves need no signature. The topics
// have two levels under Root where a site's have three, so no site id can
// ever name them; devices may read them and never publish (Grant).

// WatchRoot is the fleet-wide topic prefix of the roster; WatchFilter
// subscribes to all of it.
const (
	WatchRoot   = Root + "/watch"
	WatchFilter = WatchRoot + "/+"
	// WatchHeadName is the head's last topic level.
	WatchHeadName = "head"
	// QoSWatch: like a policy, the roster must arrive and is retained.
	QoSWatch = 1
)

// Bounds of the tree: a roster of MaxWatchEntries people in parts of at
// most MaxPayload bytes fits MaxWatchRefs refs per index part and
// MaxWatchIndex index parts.
const (
	MaxWatchEntries = 500_000
	MaxWatchRefs    = 160
	MaxWatchIndex   = 120
	maxWatchNote    = 128 // runes
	maxWatchTests   = 8
)

// WatchTopic is the topic of a part or, for WatchHeadName, of the head.
func WatchTopic(name string) string { return WatchRoot + "/" + name }

// WatchName returns the name of a watch topic, or "" when topic is not one.
func WatchName(topic string) string {
	n, ok := strings.CutPrefix(topic, WatchRoot+"/")
	if !ok || n != WatchHeadName && validPartName(n) != nil {
		return ""
	}
	return n
}

// PartName names part n of the kind ('s' snapshot, 'd' delta, 'i' index)
// made at version v.
func PartName(kind byte, v uint64, n int) string {
	return string(kind) + strconv.FormatUint(v, 10) + "-" + strconv.Itoa(n)
}

func validPartName(n string) error {
	if n == "" || !strings.ContainsRune("sdi", rune(n[0])) {
		return fmt.Errorf("part name %q: want s, d or i, a version, '-' and a number", n)
	}
	v, i, ok := strings.Cut(n[1:], "-")
	if _, err := strconv.ParseUint(v, 10, 64); err != nil || !ok || len(n) > 48 {
		return fmt.Errorf("part name %q: want s, d or i, a version, '-' and a number", n)
	}
	if k, err := strconv.Atoi(i); err != nil || k < 0 || strconv.Itoa(k) != i {
		return fmt.Errorf("part name %q: want s, d or i, a version, '-' and a number", n)
	}
	return nil
}

// WatchKind is why a person is on the roster.
type WatchKind string

const (
	WatchHomeQuarantine   WatchKind = "home_quarantine"   // 居家隔离
	WatchHealthMonitoring WatchKind = "health_monitoring" // 健康监测
	WatchReturnee         WatchKind = "returnee"          // 返乡/返回人员
)

// WatchKinds lists the kinds in the order the console and reports show them.
var WatchKinds = []WatchKind{WatchHomeQuarantine, WatchHealthMonitoring, WatchReturnee}

// WatchAlertOnly is an entry outcome that lets the person through and only
// tells the centre (仅预警).
const WatchAlertOnly Decision = "alert"

// WatchEntry is one person on the roster. Who is any of Pass, IDHash,
// PhoneHash (PersonHash under the fleet's tracing key, as a visitor's
// registration carries them) and Household (NormaliseHousehold's form,
// "3-2-501"); the gate matches on any one. The period starts at Start and
// runs Plan's segments: for home quarantine, all but the last segment are
// quarantine and the last is health monitoring ("14+7+7": 21 days at home,
// then 7 of monitoring); a single segment is all quarantine.
type WatchEntry struct {
	ID        string    `json:"id"` // the centre's id for the entry
	Pass      string    `json:"pass,omitempty"`
	IDHash    string    `json:"id_hash,omitempty"`
	PhoneHash string    `json:"phone_hash,omitempty"`
	Household string    `json:"household,omitempty"`
	Kind      WatchKind `json:"kind"`
	Start     time.Time `json:"start"`
	Plan      string    `json:"plan"`            // "14", "14+14", "14+7+7", "7+7"
	Tests     []string  `json:"tests,omitempty"` // "24h", "7d", "14d": tests due after Start
	// Outcome overrides the policy's outcome for this person: deny,
	// refer, or alert (仅预警: allow and tell the centre); "" the policy's.
	Outcome Decision `json:"outcome,omitempty"`
	Note    string   `json:"note,omitempty"`
	// Ended, in a delta, takes the entry off the roster.
	Ended bool `json:"ended,omitempty"`
}

// PlanDays parses a plan: 1 to 4 segments of 1 to 60 days joined by '+'.
func PlanDays(plan string) ([]int, error) {
	segs := strings.Split(plan, "+")
	if len(segs) > 4 {
		return nil, fmt.Errorf("plan %q: at most 4 segments, like 14+7+7", plan)
	}
	days := make([]int, len(segs))
	for i, s := range segs {
		d, err := strconv.Atoi(s)
		if err != nil || d < 1 || d > 60 || strconv.Itoa(d) != s {
			return nil, fmt.Errorf("plan %q: want days joined by '+', like 14, 14+14, 14+7+7 or 7+7", plan)
		}
		days[i] = d
	}
	return days, nil
}

// Phase is what the entry is at t: its kind, except that home quarantine
// turns to health monitoring for its last segment; and whether the period
// has ended.
func (w *WatchEntry) Phase(t time.Time) (kind WatchKind, ended bool) {
	days, err := PlanDays(w.Plan)
	if err != nil {
		return w.Kind, false
	}
	total := 0
	for _, d := range days {
		total += d
	}
	end := w.Start.AddDate(0, 0, total)
	if !t.Before(end) {
		return w.Kind, true
	}
	if w.Kind == WatchHomeQuarantine && len(days) > 1 && !t.Before(end.AddDate(0, 0, -days[len(days)-1])) {
		return WatchHealthMonitoring, false
	}
	return w.Kind, false
}

// End is when the entry's period is over.
func (w *WatchEntry) End() time.Time {
	days, _ := PlanDays(w.Plan)
	total := 0
	for _, d := range days {
		total += d
	}
	return w.Start.AddDate(0, 0, total)
}

// Validate reports the first field that makes w unusable, naming it.
func (w *WatchEntry) Validate() error {
	if err := ValidateID(w.ID); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	if w.Ended {
		return nil // a removal needs only the id
	}
	if w.Pass == "" && w.IDHash == "" && w.PhoneHash == "" && w.Household == "" {
		return errors.New("who: give at least one of pass, id_hash, phone_hash, household")
	}
	if w.Pass != "" && !validRef(w.Pass) {
		return fmt.Errorf("pass %q: 1-64 of A-Z a-z 0-9 - _", w.Pass)
	}
	for _, h := range []string{w.IDHash, w.PhoneHash} {
		if h != "" && !isHexHash(h) {
			return fmt.Errorf("hash %q: want the 64 hex digits of wire.PersonHash, never the number itself", h)
		}
	}
	if w.Household != "" && NormaliseHousehold(w.Household) != w.Household {
		return fmt.Errorf("household %q: write it as %q", w.Household, NormaliseHousehold(w.Household))
	}
	switch w.Kind {
	case WatchHomeQuarantine, WatchHealthMonitoring, WatchReturnee:
	default:
		return fmt.Errorf("kind %q: want home_quarantine, health_monitoring or returnee", w.Kind)
	}
	if w.Start.IsZero() || w.Start.Year() < 2000 || w.Start.Year() > 9000 {
		return fmt.Errorf("start %s: want the day the period began", w.Start.Format(time.RFC3339))
	}
	if _, err := PlanDays(w.Plan); err != nil {
		return err
	}
	if len(w.Tests) > maxWatchTests {
		return fmt.Errorf("tests: at most %d", maxWatchTests)
	}
	for _, s := range w.Tests {
		if _, err := TestDue(s); err != nil {
			return err
		}
	}
	switch w.Outcome {
	case "", Deny, Refer, WatchAlertOnly:
	default:
		return fmt.Errorf("outcome %q: want deny, refer, alert or none", w.Outcome)
	}
	if utf8.RuneCountInString(w.Note) > maxWatchNote || !utf8.ValidString(w.Note) || hasControl(w.Note) {
		return fmt.Errorf("note: at most %d characters of plain text", maxWatchNote)
	}
	return nil
}

// TestDue parses a test's due offset: "24h" (hours) or "7d" (days).
func TestDue(s string) (time.Duration, error) {
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err == nil && n >= 0 && n <= 999 && strconv.Itoa(n) == s[:len(s)-1] {
			switch s[len(s)-1] {
			case 'h':
				return time.Duration(n) * time.Hour, nil
			case 'd':
				return time.Duration(n) * 24 * time.Hour, nil
			}
		}
	}
	return 0, fmt.Errorf("tests: %q: want hours or days after the start, like 24h or 7d", s)
}

func validRef(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
