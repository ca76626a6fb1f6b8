package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var (
	centre   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	stranger = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
)

func centrePub() ed25519.PublicKey { return centre.Public().(ed25519.PublicKey) }

const venueT0 = 1_800_000_000

func goodRegistration(mod func(*VenueRegistration)) VenueRegistration {
	r := VenueRegistration{ID: "R_1800000000_01", Number: "123456", Site: "sg-clinic",
		Issued: venueT0, NotBefore: venueT0, Expires: venueT0 + 86400,
		Visitor: VenueVisitor{Name: "王五", Phone: "13800138000", IDNumber: "110105194912310011",
			Origin: "广州", Dest: "门诊", Reason: "复诊", Transport: "地铁", Trip: "G1234", Arrival: venueT0},
		Slot: &VenueSlot{Start: venueT0 + 3600, End: venueT0 + 5400}, Party: 2, BookedBy: "nurse-1"}
	if mod != nil {
		mod(&r)
	}
	return r
}

func mustSignVenue(t testing.TB, r VenueRegistration, key ed25519.PrivateKey) string {
	t.Helper()
	code, err := SignVenueCode(r, key)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestVenueCodeRoundTrip(t *testing.T) {
	r := goodRegistration(nil)
	code := mustSignVenue(t, r, centre)
	if !IsVenueCode(code) || len(code) > MaxVenueCode {
		t.Fatalf("code %q", code)
	}
	got, err := OpenVenueCode(code, stranger.Public().(ed25519.PublicKey), centrePub())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("opened %+v, signed %+v", got, r)
	}
}

func TestVenueCodeRefusesForgeries(t *testing.T) {
	code := mustSignVenue(t, goodRegistration(nil), centre)
	claims := strings.Split(strings.TrimPrefix(code, VenueCodePrefix), ".")[0]
	// the same claims and label-less signature: a signature the centre
	// made for something else (a policy) over these bytes
	otherLabel := VenueCodePrefix + claims + "." + venueB64.EncodeToString(ed25519.Sign(centre, []byte(VenueCodePrefix+claims)))
	js, _ := venueB64.DecodeString(claims)
	tampered := VenueCodePrefix + venueB64.EncodeToString(bytes.Replace(js, []byte("sg-clinic"), []byte("sg-market"), 1)) +
		code[strings.LastIndex(code, "."):]
	for _, c := range []struct {
		name string
		code string
		keys []ed25519.PublicKey
		want error
	}{
		{"another key", mustSignVenue(t, goodRegistration(nil), stranger), []ed25519.PublicKey{centrePub()}, ErrVenueBadSignature},
		{"no keys", code, nil, ErrVenueBadSignature},
		{"short key", code, []ed25519.PublicKey{centrePub()[:5]}, ErrVenueBadSignature},
		{"signed without the venue label", otherLabel, []ed25519.PublicKey{centrePub()}, ErrVenueBadSignature},
		{"tampered claims", tampered, []ed25519.PublicKey{centrePub()}, ErrVenueBadSignature},
		{"wrong prefix", "KK1.P." + code[len(VenueCodePrefix):], []ed25519.PublicKey{centrePub()}, ErrVenueMalformed},
		{"three parts", code + ".x", []ed25519.PublicKey{centrePub()}, ErrVenueMalformed},
		{"padded base64", code + "=", []ed25519.PublicKey{centrePub()}, ErrVenueMalformed},
		{"too long", VenueCodePrefix + strings.Repeat("A", MaxVenueCode), []ed25519.PublicKey{centrePub()}, ErrVenueMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := OpenVenueCode(c.code, c.keys...); !errors.Is(err, c.want) {
				t.Fatalf("OpenVenueCode = %v, want %v", err, c.want)
			}
		})
	}
}

// signRaw signs any JSON as the centre would, to reach the checks after
// the signature.
func signRaw(js string) string {
	signed := VenueCodePrefix + base64.RawURLEncoding.EncodeToString([]byte(js))
	return signed + "." + venueB64.EncodeToString(ed25519.Sign(centre, []byte(venueLabel+signed)))
}

func TestVenueCodeRefusesUnknownMembersAndInvalidClaims(t *testing.T) {
	for name, js := range map[string]string{
		"unknown member":         `{"id":"R1","no":"123456","site":"sg-clinic","iat":1,"nbf":1,"exp":2,"v":{"name":"王五"},"admin":true}`,
		"unknown visitor member": `{"id":"R1","no":"123456","site":"sg-clinic","iat":1,"nbf":1,"exp":2,"v":{"name":"王五","x":1}}`,
		"invalid claims":         `{"id":"R1","no":"12345","site":"sg-clinic","iat":1,"nbf":1,"exp":2,"v":{"name":"王五"}}`,
		"not JSON":               `id=R1`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := OpenVenueCode(signRaw(js), centrePub()); !errors.Is(err, ErrVenueMalformed) {
				t.Fatalf("OpenVenueCode = %v, want malformed", err)
			}
		})
	}
}

func TestVenueRegistrationValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*VenueRegistration)
		want string // a fragment of the error; "" valid
	}{
		{"valid", nil, ""},
		{"no booking", func(r *VenueRegistration) { r.Slot, r.Party, r.BookedBy = nil, 0, "" }, ""},
		{"bad id", func(r *VenueRegistration) { r.ID = "R 1" }, "venue code id"},
		{"long id", func(r *VenueRegistration) { r.ID = strings.Repeat("a", 65) }, "venue code id"},
		{"short number", func(r *VenueRegistration) { r.Number = "12345" }, "venue code no"},
		{"letters in number", func(r *VenueRegistration) { r.Number = "12345a" }, "venue code no"},
		{"bad site", func(r *VenueRegistration) { r.Site = "" }, "venue code site"},
		{"no issue time", func(r *VenueRegistration) { r.Issued = 0 }, "iat/nbf/exp"},
		{"window backwards", func(r *VenueRegistration) { r.Expires = r.NotBefore }, "iat/nbf/exp"},
		{"window over 8 days", func(r *VenueRegistration) { r.Expires = r.NotBefore + 8*86400 + 1 }, "venue code exp"},
		{"party too big", func(r *VenueRegistration) { r.Party = MaxParty + 1 }, "venue code party"},
		{"negative party", func(r *VenueRegistration) { r.Party = -1 }, "venue code party"},
		{"bad booked by", func(r *VenueRegistration) { r.BookedBy = "护士" }, "venue code by"},
		{"slot backwards", func(r *VenueRegistration) { r.Slot.End = r.Slot.Start }, "venue code slot"},
		{"slot over a day", func(r *VenueRegistration) { r.Slot.End = r.Slot.Start + 86401 }, "venue code slot"},
		{"party without booking", func(r *VenueRegistration) { r.Slot, r.BookedBy = nil, "" }, "only a booking"},
		{"no name", func(r *VenueRegistration) { r.Visitor.Name = "" }, "visitor name"},
		{"long name", func(r *VenueRegistration) { r.Visitor.Name = strings.Repeat("王", 33) }, "visitor name"},
		{"hidden character in name", func(r *VenueRegistration) { r.Visitor.Name = "王\u200b五" }, "visitor name"},
		{"invalid UTF-8", func(r *VenueRegistration) { r.Visitor.Reason = "\xff" }, "visitor reason"},
		{"bad phone", func(r *VenueRegistration) { r.Visitor.Phone = "138-0013" }, "visitor phone"},
		{"bad id number", func(r *VenueRegistration) { r.Visitor.IDNumber = "11010519491231001x" }, "visitor id"},
		{"long origin", func(r *VenueRegistration) { r.Visitor.Origin = strings.Repeat("广", 65) }, "visitor origin"},
		{"control in trip", func(r *VenueRegistration) { r.Visitor.Trip = "G1\n" }, "visitor trip"},
		{"negative arrival", func(r *VenueRegistration) { r.Visitor.Arrival = -1 }, "visitor arr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := goodRegistration(c.mod)
			err := r.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Validate = %v, want valid", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("Validate = %v, want one about %q", err, c.want)
			}
			if _, serr := SignVenueCode(r, centre); (serr == nil) != (c.want == "") {
				t.Fatalf("SignVenueCode = %v, want it to agree with Validate", serr)
			}
		})
	}
}

func TestValidIDNumber(t *testing.T) {
	for s, want := range map[string]bool{"110105491231001": true, "110105194912310011": true,
		"11010519491231001X": true, "11010519491231001x": false, "1101051949123100": false, "11010519491231X011": false} {
		if ValidIDNumber(s) != want {
			t.Errorf("ValidIDNumber(%q) = %v", s, !want)
		}
	}
}

// FuzzOpenVenueCode: no input panics, and whatever opens re-signs to the
// same claims.
func FuzzOpenVenueCode(f *testing.F) {
	f.Add(mustSignVenue(f, goodRegistration(nil), centre))
	f.Add(mustSignVenue(f, goodRegistration(func(r *VenueRegistration) { r.Slot, r.Party, r.BookedBy = nil, 0, "" }), centre))
	f.Add(signRaw(`{"id":"R1","no":"123456","site":"sg-clinic","iat":1,"nbf":1,"exp":2,"v":{"name":"王五"}}`))
	f.Add(VenueCodePrefix)
	f.Add("KK1.R.e30.AAAA")
	f.Fuzz(func(t *testing.T, code string) {
		r, err := OpenVenueCode(code, centrePub())
		if err != nil {
			return
		}
		again, err := OpenVenueCode(mustSignVenue(t, r, centre), centrePub())
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("opened %+v; re-signed it opens as %+v, %v", r, again, err)
		}
	})
}
