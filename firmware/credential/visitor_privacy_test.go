package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

const (
	fullID    = "11010519491231002X"
	fullPhone = "13812345678"
)

var (
	testTracingKey = bytes.Repeat([]byte("t"), 32)
	testSealKey    = bytes.Repeat([]byte("s"), SealKeySize)
)

func TestMinimiseKeepsOnlyMaskedFormsAndHashes(t *testing.T) {
	p, err := NewPrivacy(testTracingKey, testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Minimise(wire.Visitor{Name: "李四"}, fullPhone, strings.ToLower(fullID), false)
	if err != nil {
		t.Fatal(err)
	}
	if v.Phone != "138****5678" || v.ID != "110***********002X" {
		t.Errorf("masked phone %q id %q", v.Phone, v.ID)
	}
	if v.IDHash != wire.PersonHash(testTracingKey, "id", fullID) ||
		v.PhoneHash != wire.PersonHash(testTracingKey, "phone", fullPhone) {
		t.Errorf("hashes %q %q are not wire.PersonHash of the full numbers", v.IDHash, v.PhoneHash)
	}
	if v.Sealed != "" {
		t.Errorf("sealed %q without the policy asking", v.Sealed)
	}
	assertNoFullNumbers(t, v)
}

func TestMinimiseSealsOnlyWhenThePolicyDemands(t *testing.T) {
	p, err := NewPrivacy(testTracingKey, testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Minimise(wire.Visitor{Name: "李四"}, fullPhone, fullID, true)
	if err != nil || v.Sealed == "" {
		t.Fatalf("sealed %q, err %v", v.Sealed, err)
	}
	assertNoFullNumbers(t, v) // sealed: encrypted, not readable in the JSON
	got, err := p.OpenSealed(v.Sealed)
	if err != nil || got != (SealedNumbers{ID: fullID, Phone: fullPhone}) {
		t.Fatalf("opened %+v, %v", got, err)
	}
	other, _ := NewPrivacy(nil, bytes.Repeat([]byte("x"), SealKeySize))
	if _, err := other.OpenSealed(v.Sealed); err == nil {
		t.Error("a box opened with another key")
	}
	e := wire.Entry{Visitor: &v}
	if b, _ := json.Marshal(e); len(v.Sealed) > 1024 || !strings.Contains(string(b), v.Sealed) {
		t.Errorf("sealed box of %d characters does not fit the wire contract", len(v.Sealed))
	}
}

func TestMinimiseWithoutKeysMasksAndDropsTheRest(t *testing.T) {
	tests := []struct {
		name     string
		p        *Privacy
		sealFull bool
		wantErr  error
	}{
		{"no privacy at all", nil, false, nil},
		{"no keys", &Privacy{}, false, nil},
		{"policy demands full numbers, no seal key", &Privacy{}, true, ErrNoSealKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.p.Minimise(wire.Visitor{Name: "李四"}, fullPhone, fullID, tt.sealFull)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if v.IDHash != "" || v.PhoneHash != "" || v.Sealed != "" || v.Phone != "138****5678" {
				t.Errorf("got %+v", v)
			}
			assertNoFullNumbers(t, v)
		})
	}
}

func TestLoadPrivacyRefusesBadKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good, short := write("tracing.key", testTracingKey), write("short.key", []byte("abc"))
	seal, seal31 := write("seal.key", testSealKey), write("seal31.key", testSealKey[:31])
	tests := []struct {
		name, tracing, seal, wantErr string
	}{
		{"both keys", good, seal, ""},
		{"no keys", "", "", ""},
		{"missing file", filepath.Join(dir, "nope"), "", "tracing_key_file"},
		{"short tracing key", short, "", "at least 16"},
		{"seal key not 32 bytes", "", seal31, "exactly 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPrivacy(tt.tracing, tt.seal)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if err == nil && p.Hashes() != (tt.tracing != "") {
				t.Errorf("Hashes() = %v", p.Hashes())
			}
		})
	}
}

// assertNoFullNumbers fails if the visitor's JSON carries either number.
func assertNoFullNumbers(t *testing.T, v wire.Visitor) {
	t.Helper()
	b, _ := json.Marshal(v)
	for _, n := range []string{fullID, strings.ToLower(fullID), fullPhone} {
		if bytes.Contains(b, []byte(n)) {
			t.Errorf("visitor JSON holds the full number %s: %s", n, b)
		}
	}
}

func TestMinimiseHashesAResidentIDAsBeforeAndOtherDocumentsUnderTheirKind(t *testing.T) {
	p, err := NewPrivacy(testTracingKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	hash := func(kind, id string) string {
		t.Helper()
		v, err := p.Minimise(wire.Visitor{Name: "李四", IDKind: kind}, "", id, false)
		if err != nil {
			t.Fatal(err)
		}
		return v.IDHash
	}
	before := wire.PersonHash(testTracingKey, "id", fullID)
	if hash("", fullID) != before || hash(wire.IDResident, fullID) != before {
		t.Error("a resident ID card no longer hashes as it did: tracing by ID number would miss new visits")
	}
	if a, b := hash(wire.IDPassport, "E12345678"), hash(wire.IDHKMOPermit, "E12345678"); a == b || a == "" {
		t.Errorf("a passport and a permit with the same characters share the hash %q", a)
	}
}
