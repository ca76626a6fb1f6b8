package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// Role scoping, enforced here and not in the dashboard: a guard sees their
// own unit, a site manager their own site, central monitoring every site
// with personal data masked, and a tracer may unmask, each time audited
// (SECURITY.md "Logins with roles"). A request for something outside the caller's scope
// is refused with 403 rather than quietly answered with less, so a wrong
// filter is noticed.

// errForbidden is answered with 403.
type errForbidden string

func (e errForbidden) Error() string { return string(e) }

// sees reports whether c may see what happened at site and unit.
func (c Caller) sees(site, unit string) bool {
	if c.Role == RoleGuard {
		return site == c.Site && unit == c.Unit
	}
	return c.seesSite(site)
}

// seesSite reports whether site is in c's scope: a site manager's or a
// guard's own site (a guard sees their site's occupancy: the door needs
// it), or for central roles every site, or every site in their region.
func (c Caller) seesSite(site string) bool {
	switch c.Role {
	case RoleMonitor, RoleTracer:
		return c.Region == "" || c.regions.Within(c.Region, site)
	case RoleSiteManager, RoleGuard:
		return site == c.Site
	}
	return false
}

// narrow fills a query's site and unit filters with c's scope, and refuses
// a filter that reaches outside it. A caller limited to a region who names
// no site is left with site "": the handler asks per site in the region
// (scope.go), since one site filter cannot say "these sites".
func (c Caller) narrow(site, unit *string) error {
	switch c.Role {
	case RoleMonitor, RoleTracer:
		if *unit != "" && *site == "" {
			return errors.New("unit " + *unit + ": name its site too (site=…&unit=…); two sites may each have a unit of that id")
		}
		if *site != "" && !c.seesSite(*site) {
			return errForbidden("you may see the sites of region " + c.Region + " only; site " + *site + " is not in it")
		}
		return nil
	case RoleSiteManager, RoleGuard:
	default:
		return errForbidden("role " + c.Role + " may see nothing")
	}
	if *site != "" && *site != c.Site {
		return errForbidden("you may see site " + c.Site + " only, not " + *site)
	}
	*site = c.Site
	if c.Role == RoleGuard {
		if *unit != "" && *unit != c.Unit {
			return errForbidden("you may see unit " + c.Unit + " only, not " + *unit)
		}
		*unit = c.Unit
	}
	return nil
}

// require refuses c unless it has one of roles.
func (c Caller) require(what string, roles ...string) error {
	if slices.Contains(roles, c.Role) {
		return nil
	}
	return errForbidden(what + " is for " + strings.Join(roles, ", ") + "; you are " + c.Role)
}

// refuse answers a scoping or parameter error: 403 for the first, 400 for
// anything else.
func refuse(w http.ResponseWriter, err error) {
	if _, ok := errors.AsType[errForbidden](err); ok {
		writeError(w, http.StatusForbidden, err.Error())
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}

// takeUnmask removes ?unmask= from values and says whether c asked for,
// and may have, the personal data in full: tracers only.
func takeUnmask(values url.Values, c Caller) (bool, error) {
	v, asked := values["unmask"]
	delete(values, "unmask")
	if !asked {
		return false, nil
	}
	if len(v) != 1 || (v[0] != "1" && v[0] != "true") {
		return false, errors.New("unmask: use unmask=1")
	}
	return true, c.require("unmask", RoleTracer)
}

// maskEntry hides who an entry was about: the credential's subject and a
// visitor's name, and drops what links records to a person (the keyed
// hashes) or holds their numbers (the sealed box). The unit masked the
// visitor's phone and ID number already.
func maskEntry(e wire.Entry) wire.Entry {
	e.Credential.Subject = wire.MaskID(e.Credential.Subject)
	if e.Visitor != nil {
		v := *e.Visitor
		v.Name = maskName(v.Name)
		v.IDHash, v.PhoneHash, v.Sealed = "", "", ""
		e.Visitor = &v
	}
	if c := e.CloseOut; c != nil && c.Key != "" {
		// A close-out matched by phone or ID carries that number's hash.
		closed := *c
		closed.Key = ""
		e.CloseOut = &closed
	}
	return e
}

// maskName keeps a name's first character: 张** for 张三丰.
func maskName(name string) string {
	r := []rune(name)
	if len(r) <= 1 {
		return strings.Repeat("*", len(r))
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
