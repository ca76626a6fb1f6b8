package fleet

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Release is one built program the centre can roll out: the file under
// the updates folder (UpdateFiles) and what a push says of it.
type Release struct {
	Program, Version, Arch string
	SHA256                 string
	Size                   int64
}

// ReadRelease reads the binary at <dir>/<program>/<version>/<arch>/<program>
// (the layout UpdateFiles serves) and returns its size and sha256.
func ReadRelease(dir, program, version, arch string) (Release, error) {
	r := Release{Program: program, Version: version, Arch: arch}
	path, err := releasePath(dir, program, version, arch)
	if err != nil {
		return Release{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Release{}, fmt.Errorf("fleet: release: %w (put the binary there first)", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, wire.MaxUpdateSize+1))
	if err != nil {
		return Release{}, fmt.Errorf("fleet: release %s: %w", path, err)
	}
	if n > wire.MaxUpdateSize {
		return Release{}, fmt.Errorf("fleet: release %s: more than %d bytes", path, wire.MaxUpdateSize)
	}
	r.SHA256, r.Size = hex.EncodeToString(h.Sum(nil)), n
	return r, nil
}

// Stage is one step of a rollout: the canaries first, then the rest once
// the canaries report the version kept (Rollout.Next).
type Stage int

const (
	CanaryStage Stage = iota
	FleetStage
)

// Rollout turns a release and a scope's devices into signed pushes, one
// per device, canaries marked and published first.
type Rollout struct {
	Release Release
	BaseURL string         // the collector's HTTPS address, e.g. https://kakou.example.gov.cn:8443
	Devices []store.UnitID // the scope (a site, a region) resolved to devices
	Canary  []store.UnitID // published first; must be in Devices
	Key     ed25519.PrivateKey
	Now     func() time.Time
}

// Pushes are the stage's signed pushes.
func (r *Rollout) Pushes(stage Stage) ([]wire.UpdatePush, error) {
	if r.Key == nil {
		return nil, errors.New("fleet: rollout: no signing key; set [policy] signing_key_file: a device installs only signed updates")
	}
	for _, c := range r.Canary {
		if !slices.Contains(r.Devices, c) {
			return nil, fmt.Errorf("fleet: rollout: canary %s/%s is not in the scope", c.Site, c.Unit)
		}
	}
	u, err := url.JoinPath(r.BaseURL, "updates", r.Release.Program, r.Release.Version, r.Release.Arch)
	if err != nil {
		return nil, fmt.Errorf("fleet: rollout: base url: %w", err)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	var out []wire.UpdatePush
	for _, d := range r.Devices {
		canary := slices.Contains(r.Canary, d)
		if canary != (stage == CanaryStage) {
			continue
		}
		p := wire.UpdatePush{Schema: wire.SchemaVersion, Site: d.Site, Unit: d.Unit, Program: r.Release.Program,
			Version: r.Release.Version, Arch: r.Release.Arch, URL: u, SHA256: r.Release.SHA256,
			Size: r.Release.Size, IssuedAt: now().UTC(), Canary: canary}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("fleet: rollout to %s/%s: %w", d.Site, d.Unit, err)
		}
		wire.SignUpdate(&p, r.Key)
		out = append(out, p)
	}
	return out, nil
}

// Publish sends the stage's pushes retained, each on its device's topic.
func (r *Rollout) Publish(ctx context.Context, pub Publisher, stage Stage) (int, error) {
	ps, err := r.Pushes(stage)
	if err != nil {
		return 0, err
	}
	for i, p := range ps {
		b, _ := json.Marshal(p)
		if err := pub.PublishRetained(ctx, wire.UpdateTopic(p.Site, p.Unit), b); err != nil {
			return i, fmt.Errorf("fleet: rollout: publish to %s/%s: %w", p.Site, p.Unit, err)
		}
	}
	return len(ps), nil
}
