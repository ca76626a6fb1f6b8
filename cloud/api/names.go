package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// What the dashboard shows people instead of codes: the sites and units
// by the names people call them (阳光花园小区 · 北门), and every time in the
// checkpoints' zone, whatever zone the browser is in (a laptop set to UTC
// in the control room must not put a fever at 02:15 that happened at
// 10:15).

// siteNames are the config's [[sites]] names by id; if the store cannot
// say, the ids stand alone rather than failing the answer.
func (s *server) siteNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		s.log.Warn("site names: showing ids", "err", err)
	}
	for _, st := range sites {
		if st.Name != "" && st.Name != st.ID { // a site first heard of from a unit is named by its id
			names[st.ID] = st.Name
		}
	}
	return names
}

// zoneName is loc as a browser's Intl.DateTimeFormat takes it: the IANA
// name (Asia/Shanghai) of a zone loaded by name, else the fixed offset
// loc has at now as Etc/GMT-8 (whose sign is the other way round, as
// POSIX has it), or UTC for a zone off a whole hour, which no checkpoint
// is in.
func zoneName(loc *time.Location, now time.Time) string {
	// LoadLocation takes "" and "Local" too, which a browser does not.
	if name := loc.String(); name != "" && name != "Local" {
		if _, err := time.LoadLocation(name); err == nil {
			return name
		}
	}
	_, off := now.In(loc).Zone()
	switch {
	case off == 0 || off%3600 != 0:
		return "UTC"
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off/3600)
	}
	return fmt.Sprintf("Etc/GMT+%d", -off/3600)
}

// codeWords is web/codes.js's table, which files the API makes use too, so
// a code has one word wherever people read it.
var codeWords = sync.OnceValue(func() map[string]map[string]map[string]string {
	var table map[string]map[string]map[string]string
	_, rest, _ := strings.Cut(codesJS, "const CODES = ")
	body, _, _ := strings.Cut(rest, "};\n")
	if err := json.Unmarshal([]byte(body+"}"), &table); err != nil {
		panic("api: web/codes.js: the table is not JSON: " + err.Error()) // compiled in: the first test run catches it
	}
	return table
})

// word is code's word in lang's group, or the code itself if it has none.
func word(lang, group, code string) string {
	if w := codeWords()[lang][group][code]; w != "" {
		return w
	}
	return code
}
