package unit

import (
	"fmt"

	"github.com/kakou/kakou/firmware/credential"
)

// PrivacyConfig is the [privacy] table: the fleet's keys for visitors'
// phone and ID numbers (SECURITY.md "PII minimisation"). Both are raw key files, the same on
// every unit and at the centre, made once with `head -c 32 /dev/urandom`
// and installed 0600.
type PrivacyConfig struct {
	// TracingKeyFile keys the hashes a tracer finds a person's visits by.
	// Without it visitors are stored masked only and cannot be traced by
	// number (the unit warns at start).
	TracingKeyFile string `toml:"tracing_key_file"`
	// SealKeyFile is the AES-256 key (32 bytes) full numbers are sealed
	// with when the policy demands them ([checks.registration]
	// full_numbers); without it they are dropped, never kept in the clear.
	SealKeyFile string `toml:"seal_key_file"`
}

// problems checks the table without reading the files (docs/architecture.md
// "No I/O while validating"); the files are read when the unit starts.
func (p *PrivacyConfig) problems() []string {
	if p.TracingKeyFile != "" && p.TracingKeyFile == p.SealKeyFile {
		return []string{"privacy.seal_key_file: is the tracing key file; use two keys, so a leaked hash key never opens sealed numbers"}
	}
	return nil
}

// loadPrivacy reads the keys. A missing tracing key is allowed, for the
// demo, but warned about: the centre cannot trace this unit's visitors by
// number.
func (u *Unit) loadPrivacy() (*credential.Privacy, error) {
	p, err := credential.LoadPrivacy(u.cfg.Privacy.TracingKeyFile, u.cfg.Privacy.SealKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w (fix the file or the [privacy] key)", err)
	}
	if !p.Hashes() {
		u.log.Warn("privacy.tracing_key_file is not set: visitors are stored masked only, " +
			"and the centre cannot find their visits by ID number or phone; install the fleet's tracing key")
	}
	if !p.Seals() && u.fullNumbers() {
		u.log.Warn("the running policy demands visitors' full numbers but privacy.seal_key_file is not set: " +
			"they will be dropped, not stored; install the fleet's seal key")
	}
	return p, nil
}

// fullNumbers reports whether the running policy demands visitors' full
// numbers; it is asked at each registration, so a pushed policy applies
// at once.
func (u *Unit) fullNumbers() bool {
	return u.policy.Current().Checks.Registration.FullNumbers
}
