package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// KindUpdate is the topic kind of a program update the centre pushes.
const KindUpdate = "update"

// QoSUpdate: an update must arrive and is retained, so a unit that was
// offline during a rollout learns of it on its next connect.
const QoSUpdate = 1

// UpdateTopic is where the centre publishes, retained, the update one
// device is to install. The push is per device, not fleet-wide with a
// target list: the centre resolves a scope (a site, a region, a canary
// list first) into devices, so a canary stage is just the canaries'
// topics; each device's ACL already names its own topics exactly; a push
// signed for one unit cannot be replayed to another (the signature covers
// site and unit); and no device learns the rest of the fleet's names.
func UpdateTopic(site, unit string) string { return topic(site, unit, KindUpdate) }

// Programs an update may replace, and the architectures they are built for
// (Raspberry Pi OS 32-bit is ARMv6 hard-float).
var (
	UpdatePrograms = []string{"kakou-unit", "kakou-gateway"}
	UpdateArches   = []string{"armv6", "arm64", "amd64"}
)

// MaxUpdateSize bounds the binary an update may carry; a Kakou program is
// a few tens of MiB, and the device's disk budget is checked separately.
const MaxUpdateSize = 256 << 20

// UpdatePush tells one device to install a version of a program. The
// binary itself is fetched over HTTPS from URL; Size and SHA256 pin it,
// and Signature (SignUpdate) pins them, so neither the broker nor the
// file server can substitute another binary.
type UpdatePush struct {
	Schema   int       `json:"schema"`
	Site     string    `json:"site"`
	Unit     string    `json:"unit"`
	Program  string    `json:"program"` // "kakou-unit" or "kakou-gateway"
	Version  string    `json:"version"` // semver of the program: 1.4.2, 1.5.0-rc.1
	Arch     string    `json:"arch"`    // "armv6", "arm64" or "amd64"
	URL      string    `json:"url"`     // https on the collector
	SHA256   string    `json:"sha256"`  // lower-case hex of the binary
	Size     int64     `json:"size"`    // bytes of the binary
	IssuedAt time.Time `json:"issued_at"`
	// Canary marks a push to the first devices of a rollout; the device
	// installs it the same way, and the centre waits on its report.
	Canary bool `json:"canary,omitempty"`
	// Signature is the centre's Ed25519 signature (SignUpdate).
	Signature string `json:"signature,omitempty"`
}

// DecodeUpdatePush parses and validates an update push.
func DecodeUpdatePush(b []byte) (UpdatePush, error) {
	var p UpdatePush
	if err := decode(b, &p); err != nil {
		return UpdatePush{}, fmt.Errorf("wire: update: %w", err)
	}
	if err := p.Validate(); err != nil {
		return UpdatePush{}, err
	}
	return p, nil
}

// Validate reports the first field that makes p unusable.
func (p *UpdatePush) Validate() error {
	if p.Schema != SchemaVersion {
		return fmt.Errorf("wire: update schema: %d is not %d", p.Schema, SchemaVersion)
	}
	if err := ValidateID(p.Site); err != nil {
		return fmt.Errorf("wire: update site: %w", err)
	}
	if err := ValidateID(p.Unit); err != nil {
		return fmt.Errorf("wire: update unit: %w", err)
	}
	if !oneOf(p.Program, UpdatePrograms) {
		return fmt.Errorf("wire: update program %q: want one of %s", p.Program, strings.Join(UpdatePrograms, ", "))
	}
	if _, err := ParseSemver(p.Version); err != nil {
		return fmt.Errorf("wire: update version: %w", err)
	}
	if !oneOf(p.Arch, UpdateArches) {
		return fmt.Errorf("wire: update arch %q: want one of %s", p.Arch, strings.Join(UpdateArches, ", "))
	}
	if err := validateUpdateURL(p.URL); err != nil {
		return fmt.Errorf("wire: update url: %w", err)
	}
	if !isLowerHex(p.SHA256, sha256.Size*2) {
		return fmt.Errorf("wire: update sha256 %q: want 64 lower-case hex digits", clip(p.SHA256))
	}
	if p.Size <= 0 || p.Size > MaxUpdateSize {
		return fmt.Errorf("wire: update size %d: want 1 to %d bytes", p.Size, MaxUpdateSize)
	}
	// A Pi boots in 1970 until NTP syncs, so the device cannot compare
	// issued_at with its clock; the bounds only refuse a stamp no centre
	// could have made.
	if y := p.IssuedAt.UTC().Year(); y < 2020 || y > 2199 {
		return fmt.Errorf("wire: update issued_at %s: not a date the centre could have signed", p.IssuedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func validateUpdateURL(s string) error {
	if len(s) > 2048 {
		return fmt.Errorf("%d bytes, at most 2048", len(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q: want https://<collector>/…; binaries travel only over TLS", clip(s))
	}
	if u.User != nil {
		return fmt.Errorf("%q: carries a user name or password; the collector authenticates the device by its certificate", clip(s))
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// updateSigned is the byte string an update's signature covers: every
// field but the signature, length-prefixed, under its own label so no
// policy or roster signature can pass for an update's.
func updateSigned(p *UpdatePush) []byte {
	var b []byte
	for _, f := range []string{"kakou-update-v1", strconv.Itoa(p.Schema), p.Site, p.Unit, p.Program,
		p.Version, p.Arch, p.URL, p.SHA256, strconv.FormatInt(p.Size, 10),
		p.IssuedAt.UTC().Format(time.RFC3339Nano), strconv.FormatBool(p.Canary)} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return b
}

// SignUpdate sets p.Signature with the centre's private key.
func SignUpdate(p *UpdatePush, key ed25519.PrivateKey) {
	p.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, updateSigned(p)))
}

// ErrUpdateUnsigned and ErrUpdateBadSignature are what VerifyUpdate refuses.
var (
	ErrUpdateUnsigned     = errors.New("wire: update is not signed")
	ErrUpdateBadSignature = errors.New("wire: update signature does not verify")
)

// VerifyUpdate checks p's signature against any of the centre's keys.
func VerifyUpdate(p *UpdatePush, keys ...ed25519.PublicKey) error {
	return verifySigned(p.Signature, updateSigned(p), ErrUpdateUnsigned, ErrUpdateBadSignature, keys)
}

func (p *UpdatePush) schema() int { return p.Schema }
