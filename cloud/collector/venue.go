package collector

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// venueOpts turns on the venue code's page when [venue] public_url is set:
// the store, the policy signing key (units verify registration codes with
// the keys they verify policies with) and the secret of phone hashes and
// proof-of-work challenges.
func (c *Collector) venueOpts() (*api.VenueOptions, error) {
	v := c.cfg.Venue
	if v.PublicURL == "" {
		return nil, nil
	}
	opts := v.venueOptions()
	opts.Store = c.store
	if path := c.cfg.Policy.SigningKeyFile; path != "" {
		key, err := fleet.LoadSigningKey(path)
		if err != nil {
			return nil, fmt.Errorf("collector: policy.signing_key_file: %w", err)
		}
		opts.Key = key
	} else {
		c.log.Warn("venue codes: no [policy] signing_key_file, so registrations are refused (units could not verify their codes)")
	}
	secret, err := venueSecret(v.HashSecretFile, opts.Key)
	if err != nil {
		return nil, err
	}
	if secret == nil {
		c.log.Warn("venue codes: neither [venue] hash_secret_file nor a signing key: a random secret for this run; " +
			"phone limits restart with the collector and collectors sharing a database do not share them")
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	opts.HashSecret = secret
	opts.Sites = &venueSites{cfg: c.cfg, st: c.store, paths: c.cfg.Regions().Path, cache: map[string]venueCached{}}
	return opts, nil
}

// venueSecret reads hash_secret_file, or derives one from the signing key,
// so every collector of one centre hashes a phone alike.
func venueSecret(path string, key []byte) ([]byte, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("collector: venue.hash_secret_file: %w", err)
		}
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("collector: venue.hash_secret_file %s: want at least 32 characters (head -c 32 /dev/urandom | base64)", path)
	}
	if len(key) == 0 {
		return nil, nil
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kakou-venue-secret-v1"))
	return m.Sum(nil), nil
}

// venueStore is what the sites' settings are read from.
type venueStore interface {
	Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error)
	Sites(ctx context.Context) ([]store.Site, error)
	Assignments(ctx context.Context) ([]store.Assignment, error)
}

// venueSites answers api.VenueSites from the config's [[venue.sites]] and
// the policy the site's units are assigned, for 30 s at a time: a page
// load and a registration read it, and the policy changes rarely.
type venueSites struct {
	cfg   Config
	st    venueStore
	paths func(site string) []string
	mu    sync.Mutex
	cache map[string]venueCached
}

type venueCached struct {
	vs  api.VenueSite
	at  time.Time
	err error
}

const venueCacheFor = 30 * time.Second

func (v *venueSites) VenueSite(ctx context.Context, site string) (api.VenueSite, error) {
	v.mu.Lock()
	c, ok := v.cache[site]
	v.mu.Unlock()
	if ok && time.Since(c.at) < venueCacheFor {
		return c.vs, c.err
	}
	vs, err := v.read(ctx, site)
	if err != nil && err != api.ErrVenueSiteUnknown {
		return vs, err // a store error is not cached
	}
	v.mu.Lock()
	v.cache[site] = venueCached{vs: vs, at: time.Now(), err: err}
	v.mu.Unlock()
	return vs, err
}

func (v *venueSites) read(ctx context.Context, site string) (api.VenueSite, error) {
	var sc *VenueSiteConfig
	for i := range v.cfg.Venue.Sites {
		if v.cfg.Venue.Sites[i].ID == site {
			sc = &v.cfg.Venue.Sites[i]
		}
	}
	if sc == nil {
		return api.VenueSite{}, api.ErrVenueSiteUnknown
	}
	vs := api.VenueSite{Name: site, Consent: sc.Consent}
	if vs.Consent == "" {
		vs.Consent = v.cfg.Venue.Consent
	}
	if vs.Consent == "" {
		vs.Consent = DefaultVenueConsent
	}
	for _, s := range v.cfg.Sites {
		if s.ID == site && s.Name != "" {
			vs.Name = s.Name
		}
	}
	doc, err := v.policyOf(ctx, site)
	if err != nil {
		return api.VenueSite{}, err
	}
	if vs.Appointments, err = appointmentsOf(doc); err != nil {
		return api.VenueSite{}, fmt.Errorf("collector: the policy of site %s: %w", site, err)
	}
	if vs.Fields, vs.Required, err = fieldsOf(doc); err != nil {
		return api.VenueSite{}, fmt.Errorf("collector: the policy of site %s: %w", site, err)
	}
	return vs, nil
}

// policyOf is the document the site's units are assigned (the first unit's
// by id, when they differ); "" when none is.
func (v *venueSites) policyOf(ctx context.Context, site string) (string, error) {
	units, err := v.st.Units(ctx, time.Now())
	if err != nil {
		return "", err
	}
	sites, err := v.st.Sites(ctx)
	if err != nil {
		return "", err
	}
	as, err := v.st.Assignments(ctx)
	if err != nil {
		return "", err
	}
	var mine []store.Unit
	for _, u := range units {
		if u.Site == site {
			mine = append(mine, u)
		}
	}
	wanted := fleet.Wanted(mine, sites, as, v.paths)
	first := ""
	doc := ""
	for id, a := range wanted {
		if first == "" || id.Unit < first {
			first, doc = id.Unit, a.Document
		}
	}
	return doc, nil
}

// appointmentsOf reads a policy document's [checks.appointment] table; nil
// when it has none or it is off.
func appointmentsOf(doc string) (*wire.Appointments, error) {
	var p struct {
		Checks struct {
			Appointment *wire.Appointments `toml:"appointment"`
		} `toml:"checks"`
	}
	if doc == "" {
		return nil, nil
	}
	if _, err := toml.Decode(doc, &p); err != nil {
		return nil, err
	}
	a := p.Checks.Appointment
	if a == nil || !a.On() {
		return nil, nil
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// fieldsOf reads what a policy document's [checks.registration] asks a
// visitor for besides the name, the fields the unit keeps: the page asks
// nothing more. Names the unit would refuse are refused here too, so a
// page never promises what a gate then drops.
func fieldsOf(doc string) (fields, required []string, err error) {
	var p struct {
		Checks struct {
			Registration struct {
				Fields   []string `toml:"fields"`
				Required []string `toml:"required"`
			} `toml:"registration"`
		} `toml:"checks"`
	}
	if doc == "" {
		return nil, nil, nil
	}
	if _, err := toml.Decode(doc, &p); err != nil {
		return nil, nil, err
	}
	r := p.Checks.Registration
	for _, f := range r.Fields {
		if f == "name" || !slices.Contains(wire.VisitorFields, f) {
			return nil, nil, fmt.Errorf("checks.registration.fields: %q is not a field a visitor can be asked for", f)
		}
	}
	for _, f := range r.Required {
		if f != "name" && !slices.Contains(r.Fields, f) {
			return nil, nil, fmt.Errorf("checks.registration.required: %q is not in fields", f)
		}
	}
	return r.Fields, r.Required, nil
}

// purgeVenue deletes the registrations past store.VenueKeep, with the
// hourly retention purge. It is handed the store the purge started with:
// the collector's own field is gone once Shutdown closes it, while a
// round may still be under way.
func (c *Collector) purgeVenue(ctx context.Context, p purger) {
	cut := time.Now().Add(-store.VenueKeep)
	n, err := p.PurgeBookings(ctx, cut)
	switch {
	case err != nil && ctx.Err() == nil:
		c.log.Error("registration purge failed; retrying next hour", "err", err)
	case n > 0:
		c.log.Info("registration purge", "deleted", n, "before", cut)
	}
}
