package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The centre builds the roster's tree (BuildWatch) and every unit puts it
// back together (AssembleWatch); both live here so the two can never
// disagree on how parts are cut, named or applied.

// WatchDelta is the change the centre made at one version: entries
// added or replaced, or Ended.
type WatchDelta struct {
	Version uint64
	Entries []WatchEntry
}

// WatchTree is a built roster: the head, still to be signed, and every
// part's payload by name (index, snapshot and delta parts).
type WatchTree struct {
	Head  WatchHead
	Parts map[string][]byte
}

// partBudget leaves room under MaxPayload for a part's envelope.
const partBudget = MaxPayload - 256

// BuildWatch cuts the snapshot taken at base and the deltas after it into
// parts of at most MaxPayload bytes and lists them in index parts for a
// head of version. count is the number of people the result lists.
func BuildWatch(version, base uint64, snapshot []WatchEntry, deltas []WatchDelta, count int,
	issuedAt time.Time, issuedBy string) (WatchTree, error) {
	t := WatchTree{Head: WatchHead{Schema: SchemaVersion, Version: version, Base: base, IssuedAt: issuedAt.UTC(),
		IssuedBy: issuedBy, Count: count}, Parts: map[string][]byte{}}
	refs, err := t.cut('s', base, snapshot)
	if err != nil {
		return WatchTree{}, err
	}
	for _, d := range deltas {
		if d.Version <= base || d.Version > version {
			return WatchTree{}, fmt.Errorf("wire: watch delta %d is not between base %d and version %d", d.Version, base, version)
		}
		more, err := t.cut('d', d.Version, d.Entries)
		if err != nil {
			return WatchTree{}, err
		}
		refs = append(refs, more...)
	}
	for n := 0; len(refs) > 0 || n == 0; n++ {
		k := min(len(refs), MaxWatchRefs)
		p := WatchPart{Schema: SchemaVersion, Name: PartName('i', version, n), Refs: refs[:k]}
		refs = refs[k:]
		ref, err := t.add(&p)
		if err != nil {
			return WatchTree{}, err
		}
		t.Head.Index = append(t.Head.Index, ref)
	}
	if len(t.Head.Index) > MaxWatchIndex {
		return WatchTree{}, fmt.Errorf("wire: watch roster needs %d index parts, more than %d: compact it or shorten it",
			len(t.Head.Index), MaxWatchIndex)
	}
	return t, t.Head.Validate()
}

// cut packs entries into data parts of the kind made at v.
func (t *WatchTree) cut(kind byte, v uint64, entries []WatchEntry) ([]WatchRef, error) {
	var refs []WatchRef
	p := WatchPart{Schema: SchemaVersion, Name: PartName(kind, v, 0)}
	size := 0
	flush := func() error {
		ref, err := t.add(&p)
		refs = append(refs, ref)
		p = WatchPart{Schema: SchemaVersion, Name: PartName(kind, v, len(refs))}
		size = 0
		return err
	}
	for i := range entries {
		if err := entries[i].Validate(); err != nil {
			return nil, fmt.Errorf("wire: watch entry %s: %w", entries[i].ID, err)
		}
		b, err := json.Marshal(&entries[i])
		if err != nil {
			return nil, err
		}
		if size+len(b)+1 > partBudget && len(p.Entries) > 0 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		p.Entries = append(p.Entries, entries[i])
		size += len(b) + 1
	}
	if len(p.Entries) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

func (t *WatchTree) add(p *WatchPart) (WatchRef, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return WatchRef{}, err
	}
	if len(b) > MaxPayload {
		return WatchRef{}, fmt.Errorf("wire: watch part %s is %d bytes, over %d", p.Name, len(b), MaxPayload)
	}
	t.Parts[p.Name] = b
	return WatchRef{Name: p.Name, SHA256: PartHash(b)}, nil
}

// ErrWatchIncomplete is AssembleWatch missing a part the head names: the
// retained parts have not all arrived yet.
var ErrWatchIncomplete = errors.New("wire: watch roster incomplete")

// ErrWatchPartHash is a part whose payload is not the one its ref names:
// altered, truncated, or left over from another version.
var ErrWatchPartHash = errors.New("wire: watch part does not hash as its head says")

// AssembleWatch puts the roster a verified head names back together from
// the parts part returns, checking every part's hash on the way. The
// entries come back sorted by id.
func AssembleWatch(h *WatchHead, part func(name string) ([]byte, bool)) ([]WatchEntry, error) {
	get := func(r WatchRef) (WatchPart, error) {
		b, ok := part(r.Name)
		if !ok {
			return WatchPart{}, fmt.Errorf("%w: part %s has not arrived", ErrWatchIncomplete, r.Name)
		}
		if PartHash(b) != r.SHA256 {
			return WatchPart{}, fmt.Errorf("%w: %s", ErrWatchPartHash, r.Name)
		}
		p, err := DecodeWatchPart(b)
		if err == nil && p.Name != r.Name {
			err = fmt.Errorf("wire: watch part %s carries the name %s", r.Name, p.Name)
		}
		return p, err
	}
	byID := make(map[string]WatchEntry, h.Count)
	for _, ir := range h.Index {
		ip, err := get(ir)
		if err != nil {
			return nil, err
		}
		for _, dr := range ip.Refs {
			if err := checkPartVersion(h, dr.Name); err != nil {
				return nil, err
			}
			dp, err := get(dr)
			if err != nil {
				return nil, err
			}
			for _, e := range dp.Entries {
				if e.Ended {
					delete(byID, e.ID)
				} else {
					byID[e.ID] = e
				}
			}
			if len(byID) > MaxWatchEntries {
				return nil, fmt.Errorf("wire: watch roster lists more than %d people", MaxWatchEntries)
			}
		}
	}
	if len(byID) != h.Count {
		return nil, fmt.Errorf("wire: watch roster assembles to %d people, its head says %d", len(byID), h.Count)
	}
	out := make([]WatchEntry, 0, len(byID))
	for _, e := range byID {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b WatchEntry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// checkPartVersion holds a data part to the head's span: the snapshot of
// its base, deltas after it up to its version.
func checkPartVersion(h *WatchHead, name string) error {
	var v uint64
	var n int
	if _, err := fmt.Sscanf(name[1:], "%d-%d", &v, &n); err != nil {
		return fmt.Errorf("wire: watch part name %q", name)
	}
	switch {
	case name[0] == 's' && v == h.Base, name[0] == 'd' && v > h.Base && v <= h.Version:
		return nil
	}
	return fmt.Errorf("wire: watch part %s is outside head %d's span (base %d)", name, h.Version, h.Base)
}

// WatchNames lists every part a head names through its index parts, the
// index parts included; what a centre keeps retained and a unit keeps on
// its card. Index parts that have not arrived are skipped.
func WatchNames(h *WatchHead, part func(name string) ([]byte, bool)) []string {
	var names []string
	for _, ir := range h.Index {
		names = append(names, ir.Name)
		b, ok := part(ir.Name)
		if !ok || PartHash(b) != ir.SHA256 {
			continue
		}
		if p, err := DecodeWatchPart(b); err == nil {
			for _, r := range p.Refs {
				names = append(names, r.Name)
			}
		}
	}
	return names
}
