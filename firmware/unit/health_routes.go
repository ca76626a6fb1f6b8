package unit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// HealthConfig routes each scanned health code to the verifier that can
// answer it ([credentials.health], firmware/README.md "Health codes").
// Routes are tried in order, the first match wins; today's keys
// (health_issuers, health_url) keep working as two built-in verifiers,
// "offline" and "online", routed after the configured routes.
type HealthConfig struct {
	Routes    []HealthRouteConfig    `toml:"routes"`
	Verifiers []HealthVerifierConfig `toml:"verifiers"`
}

// HealthRouteConfig is one [[credentials.health.routes]]: one pattern
// (prefix, url_host with an optional url_path, or regex) → a verifier.
type HealthRouteConfig struct {
	Prefix   string `toml:"prefix"`
	URLHost  string `toml:"url_host"`
	URLPath  string `toml:"url_path"`
	Regex    string `toml:"regex"`
	Verifier string `toml:"verifier"`
}

// HealthVerifierConfig is one [[credentials.health.verifiers]]. Kind
// "offline" checks signed KK1.H. codes with health_issuers; "online" asks
// a provincial service (the keys below, credential.ProvincialOpts); "dcc"
// verifies EU Digital COVID Certificates (HC1:).
type HealthVerifierConfig struct {
	Name string `toml:"name"`
	Kind string `toml:"kind"`

	URL             string            `toml:"url"`
	Method          string            `toml:"method"`
	TokenField      string            `toml:"token_field"`
	TokenFrom       string            `toml:"token_from"`
	IDField         string            `toml:"id_field"`
	Headers         map[string]string `toml:"headers"` // secrets: never logged
	StatusField     string            `toml:"status_field"`
	StatusMap       map[string]string `toml:"status_map"`
	NATField        string            `toml:"nat_field"`
	TravelField     string            `toml:"travel_field"`
	Timeout         Duration          `toml:"timeout"`
	CacheTTL        Duration          `toml:"cache_ttl"`
	CacheSize       int               `toml:"cache_size"`
	BreakerFailures int               `toml:"breaker_failures"`
	BreakerCooldown Duration          `toml:"breaker_cooldown"`
}

// The built-in verifiers today's keys describe.
const (
	builtinOffline = "offline" // health_issuers: signed KK1.H. codes
	builtinOnline  = "online"  // health_url: KK1.HQ. query tokens
)

var healthKinds = []string{"offline", "online", "dcc"}

// provincial is v's online adapter options.
func (v HealthVerifierConfig) provincial() credential.ProvincialOpts {
	m := map[string]credential.Status{}
	for k, s := range v.StatusMap {
		m[k] = credential.Status(s)
	}
	return credential.ProvincialOpts{Name: v.Name, URL: v.URL, Method: v.Method,
		TokenField: v.TokenField, TokenFrom: v.TokenFrom, IDField: v.IDField, Headers: v.Headers,
		Answer: credential.AnswerMap{StatusField: v.StatusField, StatusMap: m,
			NATField: v.NATField, TravelField: v.TravelField},
		Timeout: v.Timeout.Duration, CacheTTL: v.CacheTTL.Duration, CacheSize: v.CacheSize,
		BreakerFailures: v.BreakerFailures, BreakerCooldown: v.BreakerCooldown.Duration}
}

// onlineOnly reports the online keys set on a verifier of another kind.
func (v HealthVerifierConfig) onlineOnly() []string {
	var set []string
	for key, on := range map[string]bool{"url": v.URL != "", "method": v.Method != "", "token_field": v.TokenField != "",
		"token_from": v.TokenFrom != "", "id_field": v.IDField != "", "headers": len(v.Headers) > 0,
		"status_field": v.StatusField != "", "status_map": len(v.StatusMap) > 0, "nat_field": v.NATField != "",
		"travel_field": v.TravelField != "", "timeout": v.Timeout.Duration != 0, "cache_ttl": v.CacheTTL.Duration != 0,
		"cache_size": v.CacheSize != 0, "breaker_failures": v.BreakerFailures != 0, "breaker_cooldown": v.BreakerCooldown.Duration != 0} {
		if on {
			set = append(set, key)
		}
	}
	slices.Sort(set)
	return set
}

// problems checks the routes and verifiers without touching the network.
func (h HealthConfig) problems(healthURL bool) []string {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }
	names := map[string]bool{builtinOffline: true, builtinOnline: healthURL}
	for i, v := range h.Verifiers {
		key := fmt.Sprintf("credentials.health.verifiers[%d]", i)
		switch {
		case v.Name == builtinOffline || v.Name == builtinOnline:
			bad(key+".name", "%q is built in (health_issuers, health_url): pick another name, e.g. \"gd-jkm\"", v.Name)
		case !credential.ValidVerifierName(v.Name):
			bad(key+".name", "%q: want 1-32 of a-z 0-9 _ -, e.g. \"gd-jkm\"; entries record it", v.Name)
		case names[v.Name]:
			bad(key+".name", "%q is named twice: give each verifier its own name", v.Name)
		}
		names[v.Name] = true
		if !slices.Contains(healthKinds, v.Kind) {
			bad(key+".kind", "%q: want one of %s", v.Kind, strings.Join(healthKinds, ", "))
			continue
		}
		if v.Kind != "online" {
			if set := v.onlineOnly(); len(set) > 0 {
				bad(key+"."+set[0], "only for kind = \"online\"; remove it or change the kind")
			}
			continue
		}
		for _, pr := range v.provincial().Problems() {
			p = append(p, key+"."+pr)
		}
	}
	for i, r := range h.Routes {
		key := fmt.Sprintf("credentials.health.routes[%d]", i)
		if _, err := credential.NewRoute(r.Prefix, r.URLHost, r.URLPath, r.Regex, r.Verifier); err != nil {
			bad(key, "%v", err)
			continue
		}
		if !names[r.Verifier] {
			known := slices.Sorted(maps.Keys(names))
			bad(key+".verifier", "%q is not a verifier here: name one of [[credentials.health.verifiers]] (%s)", r.Verifier, strings.Join(known, ", "))
		}
	}
	return p
}

// buildHealth is the router the config describes: the configured routes,
// then KK1.HQ. → online (with health_url) and KK1.H. → offline.
func buildHealth(cc CredentialsConfig, offline *credential.OfflineHealth, owner *credential.Verifier) (credential.HealthRouter, error) {
	r := credential.HealthRouter{Verifiers: map[string]credential.HealthVerifier{builtinOffline: offline}}
	if cc.HealthURL != "" {
		r.Verifiers[builtinOnline] = &credential.OnlineHealth{URL: cc.HealthURL, Timeout: cc.HealthTimeout.Duration}
	}
	for i, v := range cc.Health.Verifiers {
		hv, err := healthVerifier(cc, v, offline, owner)
		if err != nil {
			return r, fmt.Errorf("credentials.health.verifiers[%d] (%s): %w", i, v.Name, err)
		}
		r.Verifiers[v.Name] = hv
		if p, ok := hv.(*credential.Provincial); ok && p.CanLookupID() && r.ByID == nil {
			r.ByID, r.ByIDName = p, v.Name
		}
	}
	for i, rc := range cc.Health.Routes {
		rt, err := credential.NewRoute(rc.Prefix, rc.URLHost, rc.URLPath, rc.Regex, rc.Verifier)
		if err != nil {
			return r, fmt.Errorf("credentials.health.routes[%d]: %w", i, err)
		}
		r.Routes = append(r.Routes, rt)
	}
	if cc.HealthURL != "" {
		rt, _ := credential.NewRoute(credential.HealthQueryPrefix, "", "", "", builtinOnline)
		r.Routes = append(r.Routes, rt)
	}
	rt, _ := credential.NewRoute(credential.HealthCodePrefix, "", "", "", builtinOffline)
	r.Routes = append(r.Routes, rt)
	return r, nil
}

// owner is the verifier the router serves; a dcc entry forwards to its HC1
// verifier.
func healthVerifier(cc CredentialsConfig, v HealthVerifierConfig, offline *credential.OfflineHealth, owner *credential.Verifier) (credential.HealthVerifier, error) {
	switch v.Kind {
	case "offline":
		return offline, nil
	case "online":
		return credential.NewProvincial(v.provincial())
	case "dcc":
		return dccRoute{owner}, nil
	}
	return nil, fmt.Errorf("kind %q: want one of %s", v.Kind, strings.Join(healthKinds, ", "))
}

// healthServiceDevice reports the online health-code services as a device
// the guard's console and the control room show: not OK while a service's
// breaker is open, so the guard knows codes are judged by the policy's
// offline rule (健康码服务不可用，按离线规则处理). nil without one.
func healthServiceDevice(v *credential.Verifier) func() wire.Device {
	r, ok := v.Health.(credential.HealthRouter)
	if !ok {
		return nil
	}
	var services []*credential.Provincial
	for _, name := range slices.Sorted(maps.Keys(r.Verifiers)) {
		if p, ok := r.Verifiers[name].(*credential.Provincial); ok {
			services = append(services, p)
		}
	}
	if len(services) == 0 {
		return nil
	}
	return func() wire.Device {
		for _, p := range services {
			if ok, detail := p.Available(); !ok {
				return wire.Device{Name: "health_service", OK: false, Detail: detail}
			}
		}
		return wire.Device{Name: "health_service", OK: true}
	}
}

// addHealthService puts the health-code services among the devices whose
// health the unit watches.
func (d *devices) addHealthService(v *credential.Verifier) {
	if f := healthServiceDevice(v); f != nil {
		d.health = append(d.health, f)
	}
}
