package credential

import (
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Status is what checking a credential found. Health codes use the status
// model of docs/product.md "What a checkpoint checks" (green, yellow, red, expired, not found, verify
// failed, timeout); passes use valid, expired, revoked, verify failed.
type Status string

const (
	StatusGreen        Status = "green"
	StatusYellow       Status = "yellow"
	StatusRed          Status = "red"
	StatusValid        Status = "valid"
	StatusExpired      Status = "expired"
	StatusRevoked      Status = "revoked"
	StatusNotFound     Status = "not_found"
	StatusVerifyFailed Status = "verify_failed" // bad signature, unknown issuer
	StatusTimeout      Status = "timeout"       // the online verifier did not answer in time
	StatusUnreadable   Status = "unreadable"
	StatusUnrecognised Status = "unrecognised"
	StatusMalformed    Status = "malformed"

	// Added with signed passes: a pass from another site is not a forgery,
	// and one that starts next week is not expired; the guard needs to tell.
	StatusWrongSite   Status = "wrong_site"
	StatusNotYetValid Status = "not_yet_valid"

	// Legacy KAKOU1: codes, checked by format only (see Decode).
	StatusUnverified    Status = Status(ResultUnverified)
	StatusPreregistered Status = Status(ResultPreregistered)
)

// Role is who a pass says its holder is (docs/product.md "People treated differently").
type Role string

const (
	RoleResident      Role = "resident"
	RoleStaff         Role = "staff"
	RoleSupplyVehicle Role = "supply_vehicle"
	RoleCourier       Role = "courier"
	RoleWorker        Role = "worker" // construction/decoration
	RolePupil         Role = "pupil"  // a school's pupils, checked at roll call
)

// Presented is everything checking one scanned code found: the summary that
// travels on the wire and the facts a policy judges. Zero values mean
// "not known", never "fine".
type Presented struct {
	Wire   wire.Credential // Kind, Result (= string(Status)), Subject
	Status Status

	// Issuer is who signed the code (a site, a bureau, a health authority);
	// empty unless the signature verified.
	Issuer string
	// Verifier names the health verifier that answered (a route's
	// verifier in the unit's config); it travels as Wire.Verifier.
	Verifier string
	// Detail says in a few English words why Status is not a plain yes
	// ("unknown issuer", "no verifier"), for the log and the console.
	Detail string

	// Pass facts, for resident and vehicle passes (出入证/通行证).
	Role      Role
	Household string    // one pass per household (一户一卡)
	Expires   time.Time // zero: no expiry
	Plate     string    // the vehicle plate the pass is bound to; "" none

	// Health code facts (健康码).
	IssuedAt      time.Time // when the code was issued
	NucleicAcidAt time.Time // sampling time of the last negative test; zero: none
	TravelCardOK  *bool     // nil: not carried by the code

	// Visitor pre-registration (fills the console's form).
	Visitor *Visitor
	// Venue is a registration code's reference and booking (venue.go);
	// its person is in Visitor.
	Venue *Venue
	// Card is an ID card read at the lane, masked (idcard.go).
	Card *Card

	// Watch is set when the holder is on the centre's roster (roster.go).
	Watch *Watch
}

// Visitor is what a pre-registration code carries. ID and Phone are shown
// masked on screen and stored minimised.
type Visitor struct {
	Name, Phone, ID, Origin, Destination, Reason, Transport, TrainOrFlight string
	ArrivedAt                                                              time.Time
}

// WatchKind says why someone is on the centre's roster (wire.WatchKind).
type WatchKind = wire.WatchKind

const (
	WatchQuarantine = wire.WatchHomeQuarantine   // home quarantine (居家隔离)
	WatchMonitoring = wire.WatchHealthMonitoring // health monitoring (健康监测)
	WatchReturnee   = wire.WatchReturnee         // returnee (返乡人员): registers on arrival
)

// Watch is a roster hit for the person at the gate: the roster entry, what
// it is now (a quarantine in its last segment is monitoring), what found
// it (wire.WatchBy…), when the period ends, and the entry's own outcome
// ("" the policy's).
type Watch struct {
	Entry   string
	Kind    WatchKind
	By      string
	Until   time.Time
	Outcome wire.Decision
	Note    string
}
