package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Passwords are stored as argon2id hashes in the PHC string format that
// libsodium and the reference implementation write:
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>
//
// The parameters travel with each hash, so they can be raised later
// without invalidating the users already configured.

// Argon2Params are the cost parameters of a new hash.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2 is RFC 9106's second recommended option (64 MiB, 3 passes):
// about a tenth of a second per login on the collector's kind of server,
// yet each guess costs an attacker 64 MiB of memory.
var DefaultArgon2 = Argon2Params{Memory: 64 << 10, Time: 3, Threads: 2}

// maxArgon2Memory bounds what a configured hash may ask for, so a typo in
// the config cannot make every login allocate gigabytes.
const maxArgon2Memory = 1 << 20 // 1 GiB in KiB

const (
	saltLen = 16
	keyLen  = 32
)

// HashPassword returns the argon2id hash of password with a fresh salt.
func HashPassword(password string, p Argon2Params) (string, error) {
	if password == "" {
		return "", errors.New("api: refusing to hash an empty password")
	}
	salt := make([]byte, saltLen)
	rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// passwordHash is a parsed PHC string.
type passwordHash struct {
	params    Argon2Params
	salt, key []byte
}

// CheckPasswordHash says what is wrong with a configured hash, if anything;
// the collector's config validation calls it so a bad hash is found at
// start, not at the first login.
func CheckPasswordHash(s string) error {
	_, err := parseHash(s)
	return err
}

func parseHash(s string) (passwordHash, error) {
	bad := errors.New("not an argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash); make one with: kakou-cloud passwd")
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return passwordHash{}, bad
	}
	var h passwordHash
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &h.params.Memory, &h.params.Time, &h.params.Threads); err != nil {
		return passwordHash{}, bad
	}
	if h.params.Memory < 8*uint32(h.params.Threads) || h.params.Memory > maxArgon2Memory ||
		h.params.Time < 1 || h.params.Time > 16 || h.params.Threads < 1 {
		return passwordHash{}, fmt.Errorf("argon2id parameters %s are out of range (m up to %d KiB, t 1-16, p at least 1)",
			f[3], maxArgon2Memory)
	}
	var err1, err2 error
	h.salt, err1 = base64.RawStdEncoding.DecodeString(f[4])
	h.key, err2 = base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(h.salt) < 8 || len(h.key) < 16 {
		return passwordHash{}, bad
	}
	return h, nil
}

// matches reports whether password hashes to h, in constant time.
func (h passwordHash) matches(password string) bool {
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}
