package credential

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// PassClaims is what a signed pass (出入证/通行证) says. Times are Unix
// seconds so that the signed bytes do not depend on time zones.
type PassClaims struct {
	Issuer    string `json:"iss"`
	ID        string `json:"id"`              // pass id, the entry's Subject
	Role      Role   `json:"role"`            // who the holder is
	Household string `json:"hh,omitempty"`    // 一户一卡
	Site      string `json:"site,omitempty"`  // empty: valid at every site
	NotBefore int64  `json:"nbf,omitempty"`   // 0: from issue
	Expires   int64  `json:"exp"`             // required: passes are time-boxed
	Plate     string `json:"plate,omitempty"` // the vehicle the pass admits (wire.ValidatePlate)
}

var roles = map[Role]bool{RoleResident: true, RoleStaff: true,
	RoleSupplyVehicle: true, RoleCourier: true, RoleWorker: true, RolePupil: true}

// Validate reports the first claim an issuer must not sign.
func (c PassClaims) Validate() error {
	switch {
	case !validRef(c.Issuer):
		return fmt.Errorf("iss %q: want 1-%d of A-Z a-z 0-9 -", c.Issuer, maxRef)
	case !validRef(c.ID):
		return fmt.Errorf("id %q: want 1-%d of A-Z a-z 0-9 -", c.ID, maxRef)
	case !roles[c.Role]:
		return fmt.Errorf("role %q: want resident, staff, supply_vehicle, courier, worker or pupil", c.Role)
	case c.Household != "" && !validRef(c.Household):
		return fmt.Errorf("hh %q: want 1-%d of A-Z a-z 0-9 -", c.Household, maxRef)
	case c.Expires <= 0:
		return errors.New("exp: a pass must expire")
	case c.NotBefore < 0 || c.NotBefore > c.Expires:
		return fmt.Errorf("nbf %d: must be between 0 and exp %d", c.NotBefore, c.Expires)
	case c.Plate != "" && wire.ValidatePlate(c.Plate) != nil:
		return fmt.Errorf("plate: %w", wire.ValidatePlate(c.Plate))
	}
	if c.Site != "" {
		if err := wire.ValidateID(c.Site); err != nil {
			return fmt.Errorf("site: %w", err)
		}
	}
	return nil
}

// IssuePass signs c. The result fits in a QR code ([RenderPNG]).
func IssuePass(priv ed25519.PrivateKey, c PassClaims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("credential: pass claims: %w", err)
	}
	code, err := seal(SignedPassPrefix, priv, c)
	if err != nil {
		return "", fmt.Errorf("credential: pass: %w", err)
	}
	return code, nil
}

// checkPass verifies a KK1.P. code. Facts are filled only once the
// signature holds: until then the claims are anyone's words.
func (v *Verifier) checkPass(code string) Presented {
	fail := func(s Status, detail string) Presented {
		return Presented{Wire: wire.Credential{Kind: wire.CredentialResidentPass}, Status: s, Detail: detail}
	}
	sc, err := openSigned(code, SignedPassPrefix)
	if err != nil {
		return fail(StatusMalformed, err.Error())
	}
	var c PassClaims
	if err := decodeStrict(sc.claims, &c); err != nil {
		return fail(StatusMalformed, "claims: "+err.Error())
	}
	pub, ok := v.Issuers[c.Issuer]
	if !ok {
		return fail(StatusVerifyFailed, "unknown issuer")
	}
	if !sc.verify(pub) {
		return fail(StatusVerifyFailed, "bad signature")
	}
	if err := c.Validate(); err != nil {
		return fail(StatusMalformed, err.Error())
	}
	now, synced := v.clock()
	p := passFacts(c)
	p.Status, p.Detail = v.passStatus(c, now, synced)
	p.Watch = v.roster().Match(RosterQuery{Pass: c.ID, Household: c.Household}, now, synced)
	return p
}

func passFacts(c PassClaims) Presented {
	return Presented{
		Wire:      wire.Credential{Kind: wire.CredentialResidentPass, Subject: c.ID},
		Issuer:    c.Issuer,
		Role:      c.Role,
		Household: c.Household,
		Expires:   time.Unix(c.Expires, 0).UTC(),
		Plate:     c.Plate,
	}
}

// passStatus judges a genuine pass: revocation first (it overrides
// everything), then the site, then the validity window if the clock can be
// believed.
func (v *Verifier) passStatus(c PassClaims, now time.Time, synced bool) (Status, string) {
	if v.Revoked[c.ID] {
		return StatusRevoked, ""
	}
	if c.Site != "" && c.Site != v.Site {
		return StatusWrongSite, "pass for site " + c.Site
	}
	if !synced {
		return StatusValid, "clock not synced: validity dates not checked"
	}
	return inWindow(now, c.NotBefore, c.Expires), ""
}
