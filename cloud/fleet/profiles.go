package fleet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/kakou/kakou/firmware/wire"
)

// Profiles in the policies folder are read again when the folder changes
// (WatchDir), so a profile dropped in by the control room's staff can be
// chosen without restarting the collector. A file that does not load is
// reported (Problems, and GET /api/v1/policies) and left out; the others
// stay in use.
//
// The folder is polled — a stat of each *.toml on each reconcile round and
// each policy view — rather than watched with inotify: the folder may sit
// on an SD card, a network share or a container's bind mount, where change
// events go missing, and a few stats are nothing beside the round's query.

// LoadProfiles reads every *.toml in dir. It returns the profiles that
// load and an error naming each file that does not; no profile at all is
// an error too.
func LoadProfiles(dir string) (map[string]Profile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("fleet: no policy profiles (*.toml) in %s", dir)
	}
	slices.Sort(paths)
	out := map[string]Profile{}
	var errs []error
	for _, p := range paths {
		prof, err := loadProfile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[prof.Name] = prof
	}
	return out, errors.Join(errs...)
}

func loadProfile(path string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("fleet: %w", err)
	}
	if len(b) > wire.MaxPolicyDocument {
		return Profile{}, fmt.Errorf("fleet: %s: %d bytes, more than the %d a push carries", path, len(b), wire.MaxPolicyDocument)
	}
	prof, err := parseProfile(b)
	if err != nil {
		return Profile{}, fmt.Errorf("fleet: %s: %w", path, err)
	}
	prof.Name = strings.TrimSuffix(filepath.Base(path), ".toml")
	return prof, nil
}

// parseProfile reads the keys the centre shows and compares: the unit
// checks the rest of the document before it runs it.
func parseProfile(b []byte) (Profile, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(b), &doc); err != nil {
		return Profile{}, err
	}
	str := func(k string) string { s, _ := doc[k].(string); return s }
	p := Profile{Version: str("version"), Facility: str("facility"), Phase: str("phase"), document: string(b)}
	if p.Version == "" {
		return Profile{}, errors.New("no version; every entry records the version that decided it")
	}
	if p.Facility == "" || wire.ValidateID(p.Facility) != nil {
		return Profile{}, fmt.Errorf("facility %q: name the facility type it is written for (community, supermarket, …)", p.Facility)
	}
	for k, dst := range map[string]**time.Time{"effective_from": &p.EffectiveFrom, "effective_to": &p.EffectiveTo} {
		if v, ok := doc[k]; ok {
			t, ok := v.(time.Time)
			if !ok {
				return Profile{}, fmt.Errorf("%s: %v is not a time with its offset, such as 2022-01-28T00:00:00+08:00", k, v)
			}
			*dst = &t
		}
	}
	title, _, _ := strings.Cut(string(b), "\n")
	p.Title = strings.TrimSpace(strings.TrimPrefix(title, "#"))
	p.Summary = map[string]string{}
	flatten("", doc, p.Summary)
	for _, k := range []string{"version", "facility", "phase", "effective_from", "effective_to"} {
		delete(p.Summary, k)
	}
	return p, nil
}

// flatten writes each leaf of doc as "checks.mask.mode" = "hard": the
// summary the policy screen compares to show what a choice changes.
func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			flatten(strings.TrimPrefix(prefix+"."+k, "."), x, out)
		}
	case []map[string]any: // [[duties]]
		ids := make([]string, len(v))
		for i, d := range v {
			ids[i] = fmt.Sprint(d["id"])
		}
		out[prefix] = strings.Join(ids, ", ")
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		out[prefix] = strings.Join(parts, ", ")
	default:
		out[prefix] = fmt.Sprint(v)
	}
}

// stamp is what tells a file changed without reading it.
type stamp struct {
	size int64
	mod  time.Time
}

// WatchDir has f read dir again whenever its *.toml files change, the
// first time at the next look, which records the files that did not load.
func (f *Fleet) WatchDir(dir string) {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	f.dir, f.stamps = dir, nil
}

func stampDir(dir string) (map[string]stamp, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]stamp, len(paths))
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			out[p] = stamp{fi.Size(), fi.ModTime()}
		}
	}
	return out, nil
}

// refresh reads the folder again if a file came, went or changed. A
// folder that cannot be read, or holds no good profile, leaves the
// profiles as they were: the units keep what was pushed either way.
func (f *Fleet) refresh() {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	if f.dir == "" {
		return
	}
	now, err := stampDir(f.dir)
	if err != nil || mapsEqual(now, f.stamps) {
		return
	}
	f.stamps = now
	profiles, err := LoadProfiles(f.dir)
	f.problems = nil
	if err != nil {
		f.log.Warn("policy profiles: some did not load; the others are in use", "err", err)
		f.problems = strings.Split(err.Error(), "\n")
	}
	if len(profiles) > 0 {
		f.profiles = profiles
		f.log.Info("policy profiles read again", "dir", f.dir, "profiles", len(profiles))
	}
}

func mapsEqual(a, b map[string]stamp) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w.size != v.size || !w.mod.Equal(v.mod) {
			return false
		}
	}
	return true
}

// Problems lists the files of the policies folder that did not load at
// the last reading, each with why; none when all did.
func (f *Fleet) Problems() []string {
	f.refresh()
	f.pmu.Lock()
	defer f.pmu.Unlock()
	return slices.Clone(f.problems)
}

// profile is the profile called name, if the folder has it.
func (f *Fleet) profile(name string) (Profile, bool) {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	p, ok := f.profiles[name]
	return p, ok
}
