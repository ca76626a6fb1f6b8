package dcc

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// suiteDir is the public conformance suite, copied with its licence and
// source into the repository so the test runs on a fresh clone.
const suiteDir = "../../../testdata/dgc-testdata"

// suiteCase is one file of the suite (its README.md describes the fields).
type suiteCase struct {
	name       string
	JSON       json.RawMessage
	CBOR       string
	COSE       string
	COMPRESSED string
	BASE45     string
	PREFIX     string
	TWODCODE   string `json:"2DCODE"`
	TESTCTX    struct {
		CERTIFICATE     string
		VALIDATIONCLOCK string
		SCHEMA          string
		DESCRIPTION     string
	}
	EXPECTEDRESULTS map[string]bool
}

func loadSuite(t testing.TB) []*suiteCase {
	t.Helper()
	var files []string
	err := filepath.WalkDir(suiteDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("conformance suite not found under %s (%v): it ships in testdata/dgc-testdata", suiteDir, err)
	}
	sort.Strings(files)
	var cases []*suiteCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &suiteCase{name: strings.TrimPrefix(filepath.ToSlash(f), suiteDir+"/")}
		if err := json.Unmarshal(b, c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// knownWrong are cases whose expectation is wrong upstream, with the reason.
var knownWrong = map[string]string{
	"ES/2DCode/raw/401.json EXPECTEDVERIFY":            p384,
	"ES/2DCode/raw/402.json EXPECTEDVERIFY":            p384,
	"ES/2DCode/raw/403.json EXPECTEDVERIFY":            p384,
	"FR/2DCode/raw/test_pcr_ok.json EXPECTEDDECODE":    frTimeZone,
	"FR/2DCode/raw/test_pcr_ok.json EXPECTEDVALIDJSON": frTimeZone,
}

const frTimeZone = "the case's JSON gives sc and dr two hours earlier than its signed CBOR (a local time written as UTC)"

const p384 = "signed with an ECDSA P-384 key; the specification allows only ES256 (P-256) and PS256"

// notRun are flags this suite run cannot judge, with the reason.
var notRun = map[string]string{
	"EXPECTEDENCODE":   "encoding is the issuer's step, not the verifier's",
	"EXPECTEDRESULTS":  "not a step of the suite's table (a misspelt flag upstream)",
	"EXPTECTEDEXPIRED": "not a step of the suite's table (a misspelt flag upstream)",
}

// steps run each flag's step and report whether it succeeded.
var steps = map[string]func(c *suiteCase) error{
	"EXPECTEDUNPREFIX":         stepUnprefix,
	"EXPECTEDB45DECODE":        stepBase45,
	"EXPECTEDCOMPRESSION":      stepCompression,
	"EXPECTEDDECODE":           stepDecode,
	"EXPECTEDVERIFY":           stepVerify,
	"EXPECTEDVALIDJSON":        stepValidJSON,
	"EXPECTEDSCHEMAVALIDATION": stepSchema,
	"EXPECTEDVALIDOBJECT":      stepSchema,
	"EXPECTEDEXPIRATIONCHECK":  stepExpiration,
	"EXPECTEDKEYUSAGE":         stepKeyUsage,
	"EXPECTEDPICTUREDECODE":    stepPicture,
}

type tally struct{ run, passed, skipped int }

func TestConformanceSuiteCasesMeetTheirExpectedResults(t *testing.T) {
	counts := map[string]*tally{}
	total := &tally{}
	cases := loadSuite(t)
	t.Logf("%d cases from %s", len(cases), suiteDir)
	for _, c := range cases {
		for _, flag := range sortedFlags(c.EXPECTEDRESULTS) {
			want := c.EXPECTEDRESULTS[flag]
			n := counts[flag]
			if n == nil {
				n = &tally{}
				counts[flag] = n
			}
			step, ok := steps[flag]
			reason, wrong := knownWrong[c.name+" "+flag]
			if !ok || wrong {
				if !ok {
					reason = notRun[flag]
				}
				if reason == "" {
					t.Errorf("%s: flag %s has no step and no reason to skip it", c.name, flag)
				}
				n.skipped++
				total.skipped++
				continue
			}
			err := step(c)
			if errors.Is(err, errNoPicture) {
				n.skipped++
				total.skipped++
				continue
			}
			n.run++
			total.run++
			if (err == nil) != want {
				t.Errorf("%s %s: want success=%v, got err=%v (%s)", c.name, flag, want, err, c.TESTCTX.DESCRIPTION)
				continue
			}
			n.passed++
			total.passed++
		}
	}
	for _, flag := range sortedFlags(counts) {
		n := counts[flag]
		t.Logf("%-25s run %3d passed %3d skipped %3d", flag, n.run, n.passed, n.skipped)
	}
	t.Logf("%-25s run %3d passed %3d skipped %3d", "total", total.run, total.passed, total.skipped)
}

func sortedFlags[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func unhex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

func stepUnprefix(c *suiteCase) error {
	b45, err := Unprefix([]byte(c.PREFIX))
	if err != nil {
		return err
	}
	if c.BASE45 != "" && string(b45) != c.BASE45 {
		return fmt.Errorf("text after the prefix differs from BASE45")
	}
	return nil
}

func stepBase45(c *suiteCase) error {
	in := c.BASE45
	if in == "" {
		in = strings.TrimPrefix(c.PREFIX, Prefix)
	}
	z, err := DecodeBase45([]byte(in))
	if err != nil {
		return err
	}
	if c.COMPRESSED != "" && !bytes.Equal(z, unhex(c.COMPRESSED)) {
		return fmt.Errorf("decodes to other bytes than COMPRESSED")
	}
	return nil
}

func stepCompression(c *suiteCase) error {
	cose, err := Inflate(unhex(c.COMPRESSED))
	if err != nil {
		return err
	}
	if c.COSE != "" && !bytes.Equal(cose, unhex(c.COSE)) {
		return fmt.Errorf("inflates to other bytes than COSE")
	}
	return nil
}

// stepDecode decodes CBOR (the DCC payload) and compares it with JSON.
func stepDecode(c *suiteCase) error {
	raw := unhex(c.CBOR)
	if c.CBOR == "" {
		d, err := Decode([]byte(c.PREFIX))
		if err != nil {
			return err
		}
		raw = d.Claims.PayloadRaw
	}
	// The suite's CBOR is the DCC payload in some cases and the whole CWT
	// around it in others.
	if claims, err := ParseClaims(raw); err == nil {
		raw = claims.PayloadRaw
	}
	if _, err := parseCert(raw); err != nil {
		return err
	}
	return sameAsJSON(raw, c.JSON)
}

func stepVerify(c *suiteCase) error {
	trust, err := caseTrust(c)
	if err != nil {
		return err
	}
	s, err := ParseSign1(caseCOSE(c))
	if err != nil {
		return err
	}
	_, err = trust.Verify(s)
	return err
}

func stepValidJSON(c *suiteCase) error {
	d, err := Decode([]byte(c.PREFIX))
	if err != nil {
		return err
	}
	return sameAsJSON(d.Claims.PayloadRaw, c.JSON)
}

func stepSchema(c *suiteCase) error {
	cert, err := caseCert(c)
	if err != nil {
		return err
	}
	return cert.Validate()
}

func stepExpiration(c *suiteCase) error {
	s, err := ParseSign1(caseCOSE(c))
	if err != nil {
		return err
	}
	claims, err := ParseClaims(s.Payload)
	if err != nil {
		return err
	}
	at, err := parseDateTime(c.TESTCTX.VALIDATIONCLOCK)
	if err != nil {
		// Some cases give the clock without a zone; UTC is meant.
		at, err = time.Parse("2006-01-02T15:04:05.999999", c.TESTCTX.VALIDATIONCLOCK)
	}
	if err != nil {
		return fmt.Errorf("VALIDATIONCLOCK: %w", err)
	}
	if !ExpirationCheck(claims, at) {
		return fmt.Errorf("not within iat %v .. exp %v at %v", claims.IssuedAt, claims.Expires, at)
	}
	return nil
}

func stepKeyUsage(c *suiteCase) error {
	trust, err := caseTrust(c)
	if err != nil {
		return err
	}
	s, err := ParseSign1(caseCOSE(c))
	if err != nil {
		return err
	}
	signer, err := trust.Verify(s)
	if err != nil {
		return err
	}
	claims, err := ParseClaims(s.Payload)
	if err != nil {
		return err
	}
	if !signer.Allows(claims.Cert.Type()) {
		return fmt.Errorf("signer may not sign a %q certificate", claims.Cert.Type())
	}
	return nil
}

// caseCOSE is the case's COSE message, from COSE or else from PREFIX.
func caseCOSE(c *suiteCase) []byte {
	if c.COSE != "" {
		return unhex(c.COSE)
	}
	b45, _ := Unprefix([]byte(c.PREFIX))
	z, _ := DecodeBase45(b45)
	cose, _ := Inflate(z)
	return cose
}

func caseTrust(c *suiteCase) (*Trust, error) {
	der, err := base64.StdEncoding.DecodeString(c.TESTCTX.CERTIFICATE)
	if err != nil {
		return nil, err
	}
	return NewTrust([][]byte{der})
}

// caseCert is the payload the schema step judges: JSON when the case
// carries it, else the CBOR.
func caseCert(c *suiteCase) (*Cert, error) {
	if len(c.JSON) > 0 {
		var cert Cert
		if err := json.Unmarshal(c.JSON, &cert); err != nil {
			return nil, err
		}
		return &cert, nil
	}
	raw := unhex(c.CBOR)
	if claims, err := ParseClaims(raw); err == nil {
		return claims.Cert, nil
	}
	return parseCert(raw)
}

// sameAsJSON compares a CBOR payload with the case's JSON, through the
// JSON data model (numbers as numbers, dates as their text).
func sameAsJSON(raw []byte, want json.RawMessage) error {
	if len(want) == 0 {
		return nil
	}
	dm, _ := cbor.DecOptions{DefaultMapType: reflect.TypeFor[map[string]any](), TimeTagToAny: cbor.TimeTagToRFC3339}.DecMode()
	var got any
	if err := dm.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("CBOR: %w", err)
	}
	gj, err := json.Marshal(got)
	if err != nil {
		return fmt.Errorf("CBOR as JSON: %w", err)
	}
	var a, b any
	_ = json.Unmarshal(gj, &a)
	if err := json.Unmarshal(want, &b); err != nil {
		return err
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("CBOR %s differs from JSON %s", gj, want)
	}
	return nil
}

// onlyDER is the DER of the certificate of a one-certificate trust list.
func (t *Trust) onlyDER() []byte {
	for _, ss := range t.byKID {
		return ss[0].Cert.Raw
	}
	return nil
}
