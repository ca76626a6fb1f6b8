package credential

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Route sends the codes that match one pattern to the verifier named
// Verifier. Exactly one pattern is set: Prefix (the code starts with it),
// URLHost with an optional URLPath (the code is an http(s) URL on that
// host whose path is URLPath or below it), or Regex (a Go regexp, so
// matching is linear in the code's length, which Check bounds to MaxCode).
// Build one with [NewRoute], which refuses what would match by accident.
type Route struct {
	Prefix   string
	URLHost  string // lower case; may carry a port ("127.0.0.1:8099")
	URLPath  string // "" or an absolute path, compared by whole segments
	Regex    *regexp.Regexp
	Verifier string
}

// NewRoute checks and compiles one route. Errors name the config key at
// fault (prefix, url_host, url_path, regex, verifier) and say what to write.
func NewRoute(prefix, urlHost, urlPath, regex, verifier string) (Route, error) {
	r := Route{Prefix: prefix, URLHost: strings.ToLower(urlHost), URLPath: urlPath, Verifier: verifier}
	n := 0
	for _, s := range []string{prefix, urlHost, regex} {
		if s != "" {
			n++
		}
	}
	switch {
	case urlPath != "" && urlHost == "":
		return r, errors.New("url_path: needs url_host beside it")
	case n == 0:
		return r, errors.New("no pattern: set one of prefix, url_host or regex")
	case n > 1:
		return r, errors.New("more than one pattern: set only one of prefix, url_host or regex, and write a second route for the other")
	case urlPath != "" && (!strings.HasPrefix(urlPath, "/") || path.Clean(urlPath) != urlPath):
		return r, fmt.Errorf("url_path %q: want a clean absolute path such as \"/hc\"", urlPath)
	case urlHost != "" && !validHost(r.URLHost):
		return r, fmt.Errorf("url_host %q: want a host name such as \"jkm.example.gov.cn\", without scheme, path or user", urlHost)
	case !ValidVerifierName(verifier):
		return r, fmt.Errorf("verifier %q: want the name of a [[credentials.health.verifiers]] entry (1-32 of a-z 0-9 _ -)", verifier)
	}
	if regex != "" {
		re, err := regexp.Compile(regex)
		if err != nil {
			return r, fmt.Errorf("regex: %v (Go regexp syntax, e.g. \"^[0-9A-F]{32}$\")", err)
		}
		if re.MatchString("") {
			return r, fmt.Errorf("regex %q matches an empty code, so it would take every code: anchor it and ask for at least one character", regex)
		}
		r.Regex = re
	}
	return r, nil
}

// validHost accepts what url.Parse would put in URL.Host for a plain
// host: no user, no path, no spaces.
func validHost(h string) bool {
	if h == "" || len(h) > 253 || strings.ContainsAny(h, "/@?#\\ \t") {
		return false
	}
	u, err := url.Parse("https://" + h)
	return err == nil && u.Host == h && u.User == nil
}

// maxVerifierName bounds a verifier's name, which travels on the wire.
const maxVerifierName = 32

// ValidVerifierName reports whether s may name a health verifier: 1-32 of
// a-z 0-9 _ -, the same rule as wire.Credential's verifier.
func ValidVerifierName(s string) bool {
	if s == "" || len(s) > maxVerifierName {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == ""
}

// Match reports whether code is this route's. A URL route parses the code
// as a URL and compares the host exactly, so "jkm.example.gov.cn.evil.com"
// and "https://jkm.example.gov.cn@evil.com" do not pass for the provincial
// host, and a URL carrying a user ("https://x@jkm.example.gov.cn/") is
// refused outright: no real health code has one, a phishing link may.
func (r Route) Match(code string) bool {
	switch {
	case r.Prefix != "":
		return strings.HasPrefix(code, r.Prefix)
	case r.Regex != nil:
		return r.Regex.MatchString(code)
	case r.URLHost != "":
		return matchURL(code, r.URLHost, r.URLPath)
	}
	return false
}

func matchURL(code, host, dir string) bool {
	u, err := url.Parse(code)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Opaque != "" {
		return false
	}
	if strings.ToLower(u.Host) != host {
		return false
	}
	if dir == "" || dir == "/" {
		return true
	}
	p := path.Clean("/" + u.Path)
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// HealthRouter sends each health code to the verifier that can answer it.
// Signed codes (KK1.H.) carry their verdict and are checked offline, so the
// lane works with the network down; a query token (KK1.HQ.) or a provincial
// code (a URL or a bare token) carries only a reference, and its verdict
// lives with the authority, so it goes online — with a hard timeout.
//
// With Routes set, the first route that matches names the verifier in
// Verifiers; without, KK1.HQ. goes to Online and KK1.H. to Offline, as
// before routes existed. A nil or missing verifier answers verify_failed
// "no verifier".
type HealthRouter struct {
	Offline HealthVerifier // KK1.H., without Routes
	Online  HealthVerifier // KK1.HQ., without Routes

	Routes    []Route
	Verifiers map[string]HealthVerifier
	// ByID answers LookupID (a person without a phone shows an ID card);
	// the unit sets the first online verifier that can ask by ID number.
	ByID IDLookup
	// ByIDName is ByID's verifier name, recorded with its answers.
	ByIDName string
}

// Matches reports whether a route (or, without routes, the KK1 health
// prefixes) claims code. Verifier.Check asks before calling a code unknown.
func (r HealthRouter) Matches(code []byte) bool {
	_, ok := r.route(string(code))
	return ok
}

// route is the name of the verifier for code ("" for the legacy fields).
func (r HealthRouter) route(code string) (string, bool) {
	if len(code) > MaxCode {
		return "", false // bounds a regexp's work, whoever calls
	}
	if len(r.Routes) == 0 {
		return "", strings.HasPrefix(code, HealthCodePrefix) || strings.HasPrefix(code, HealthQueryPrefix)
	}
	for _, rt := range r.Routes {
		if rt.Match(code) {
			return rt.Verifier, true
		}
	}
	return "", false
}

// Verify implements HealthVerifier.
func (r HealthRouter) Verify(ctx context.Context, code []byte) (Presented, error) {
	name, ok := r.route(string(code))
	var hv HealthVerifier
	switch {
	case len(r.Routes) > 0:
		hv = r.Verifiers[name]
	case strings.HasPrefix(string(code), HealthQueryPrefix):
		hv = r.Online
	default:
		hv = r.Offline
	}
	if !ok || hv == nil {
		return healthResult(StatusVerifyFailed, "no verifier"), nil
	}
	p, err := hv.Verify(ctx, code)
	if name != "" {
		p.Verifier = name
	}
	return p, err
}

// CanLookupID says whether a service here answers by ID number; without
// one, a card is judged by the policy's rule for a card alone.
func (r HealthRouter) CanLookupID() bool { return r.ByID != nil }

// LookupID implements IDLookup through ByID.
func (r HealthRouter) LookupID(ctx context.Context, idNumber string) (Presented, error) {
	if r.ByID == nil {
		return healthResult(StatusVerifyFailed, "no health-code service answers by ID number"), nil
	}
	p, err := r.ByID.LookupID(ctx, idNumber)
	if r.ByIDName != "" {
		p.Verifier = r.ByIDName
	}
	p.settle()
	return p, err
}

var _ IDLookup = HealthRouter{}
