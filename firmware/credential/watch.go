package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// WatchList is the centre's roster of passes that must raise an alert at
// any gate: holders in home quarantine (居家隔离) and returnees from risk
// areas (docs/product.md "What else the plans ask of a checkpoint"). It is read-only once parsed. A nil *WatchList is an
// empty list.
type WatchList struct {
	version string
	byPass  map[string]Watch
}

type watchDoc struct {
	Version string            `json:"version"`
	Entries []json.RawMessage `json:"entries"`
}

type watchEntry struct {
	Pass  string    `json:"pass"`
	Kind  WatchKind `json:"kind"`
	Until string    `json:"until,omitempty"`
	Note  string    `json:"note,omitempty"`
}

// Bounds on what the list may carry to a guard's screen.
const (
	maxWatchVersion = 64
	maxWatchNote    = 128 // runes
	maxWatchErrors  = 10  // problems listed before "and N more"
)

// ParseWatchList reads the centre's JSON document and reports every bad
// entry by index and field, so the centre can fix them all at once.
func ParseWatchList(b []byte) (*WatchList, error) {
	var doc watchDoc
	if err := decodeStrict(b, &doc); err != nil {
		return nil, fmt.Errorf("credential: watch list: %w", err)
	}
	var errs []error
	if doc.Version == "" || len(doc.Version) > maxWatchVersion || checkText(doc.Version, maxWatchVersion) != nil {
		errs = append(errs, fmt.Errorf("version: want 1-%d printable characters", maxWatchVersion))
	}
	w := &WatchList{version: doc.Version, byPass: make(map[string]Watch, len(doc.Entries))}
	firstAt := map[string]int{}
	for i, raw := range doc.Entries {
		pass, watch, err := parseWatchEntry(raw)
		if err == nil {
			if j, dup := firstAt[pass]; dup {
				err = fmt.Errorf("pass: %q already listed at entries[%d]", pass, j)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("entries[%d]: %w", i, err))
			continue
		}
		firstAt[pass] = i
		w.byPass[pass] = watch
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("credential: watch list: %w", joinCapped(errs))
	}
	return w, nil
}

// parseWatchEntry returns errors that start with the field name; the
// caller adds the index.
func parseWatchEntry(raw json.RawMessage) (string, Watch, error) {
	var e watchEntry
	if err := decodeStrict(raw, &e); err != nil {
		return "", Watch{}, err
	}
	if !validRef(e.Pass) {
		return "", Watch{}, fmt.Errorf("pass: %q: want 1-%d of A-Z a-z 0-9 -", e.Pass, maxRef)
	}
	if e.Kind != WatchQuarantine && e.Kind != WatchReturnee {
		return "", Watch{}, fmt.Errorf("kind: %q: want quarantine or returnee", e.Kind)
	}
	w := Watch{Kind: e.Kind}
	switch {
	case e.Until != "":
		t, err := time.Parse(time.RFC3339, e.Until)
		if err != nil {
			return "", Watch{}, fmt.Errorf("until: %q is not RFC 3339 (2026-03-08T00:00:00+08:00)", e.Until)
		}
		w.Until = t
	case e.Kind == WatchQuarantine:
		// Home quarantine is always time-boxed (14, 14+14, 7+7 days).
		return "", Watch{}, errors.New("until: required for quarantine")
	}
	if err := checkText(e.Note, maxWatchNote); err != nil {
		return "", Watch{}, fmt.Errorf("note: %w", err)
	}
	w.Note = e.Note
	return e.Pass, w, nil
}

func joinCapped(errs []error) error {
	if len(errs) > maxWatchErrors {
		more := len(errs) - maxWatchErrors
		errs = append(errs[:maxWatchErrors:maxWatchErrors], fmt.Errorf("and %d more", more))
	}
	return errors.Join(errs...)
}

// Version is the list's version as the centre named it.
func (w *WatchList) Version() string {
	if w == nil {
		return ""
	}
	return w.version
}

// Len is the number of entries, ended ones included.
func (w *WatchList) Len() int {
	if w == nil {
		return 0
	}
	return len(w.byPass)
}

// Lookup returns the entry for a pass id, or nil. An entry whose Until has
// passed (quarantine always has one; a returnee may) is ignored, but only
// when the clock is synced: an unsynced unit keeps every entry — better an
// alert too many than a quarantined holder waved through.
func (w *WatchList) Lookup(pass string, now time.Time, synced bool) *Watch {
	if w == nil {
		return nil
	}
	e, ok := w.byPass[pass]
	if !ok {
		return nil
	}
	if synced && !e.Until.IsZero() && !now.Before(e.Until) {
		return nil
	}
	return &e
}
