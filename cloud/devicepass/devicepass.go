// Package devicepass makes and checks the devices' MQTT passwords in
// mosquitto's "$7$" PBKDF2-SHA512 form: the enrollment API hashes a new
// device's password, the embedded broker checks it at CONNECT, and
// kakou-cloud mosquitto-acl writes the same hashes for an external
// mosquitto.
package devicepass

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Device passwords are stored in mosquitto's own "$7$" form,
//
//	$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>
//
// (mosquitto 2.x, src/password_mosq.c), so one stored hash serves both the
// embedded broker and the password file written for an external
// mosquitto, and no plaintext password is ever kept to write it from.
const (
	hashIterations = 1000 // mosquitto_passwd uses 101; devices' passwords are random anyway
	saltBytes      = 12   // as mosquitto_passwd
	keyBytes       = 64   // SHA-512's size, as mosquitto
	passwordBytes  = 32   // 256 random bits: no dictionary can reach them
)

// New makes a random device password, URL-safe so it survives
// TOML, JSON and a shell.
func New() string {
	b := make([]byte, passwordBytes)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns pw in mosquitto's $7$ form with a new random salt.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltBytes)
	rand.Read(salt)
	key, err := pbkdf2.Key(sha512.New, pw, salt, hashIterations, keyBytes)
	if err != nil {
		return "", fmt.Errorf("devicepass: hash: %w", err)
	}
	return fmt.Sprintf("$7$%d$%s$%s", hashIterations,
		base64.StdEncoding.EncodeToString(salt), base64.StdEncoding.EncodeToString(key)), nil
}

// Check says whether pw matches hash, a $7$ string. A hash that
// is not one never matches.
func Check(hash, pw string) bool {
	iter, salt, want, err := parseHash(hash)
	if err != nil {
		return false
	}
	got, err := pbkdf2.Key(sha512.New, pw, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// maxIterations keeps a forged hash in the store from costing the broker
// minutes per CONNECT.
const maxIterations = 1_000_000

func parseHash(h string) (iter int, salt, key []byte, err error) {
	parts := strings.Split(h, "$")
	if len(parts) != 5 || parts[0] != "" || parts[1] != "7" {
		return 0, nil, nil, errors.New("devicepass: not a $7$ password hash")
	}
	iter, err = strconv.Atoi(parts[2])
	if err != nil || iter < 1 || iter > maxIterations {
		return 0, nil, nil, fmt.Errorf("devicepass: $7$ hash iterations %q", parts[2])
	}
	if salt, err = base64.StdEncoding.DecodeString(parts[3]); err != nil {
		return 0, nil, nil, fmt.Errorf("devicepass: $7$ hash salt: %w", err)
	}
	if key, err = base64.StdEncoding.DecodeString(parts[4]); err != nil || len(key) == 0 {
		return 0, nil, nil, fmt.Errorf("devicepass: $7$ hash key: %v", err)
	}
	return iter, salt, key, nil
}
