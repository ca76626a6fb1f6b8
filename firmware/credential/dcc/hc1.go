package dcc

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/fxamacker/cbor/v2"
)

// Prefix starts every HC1 code: the context identifier of the health
// certificate specification, version 1. Other contexts ("HC2:", "HL0:") or
// none are refused rather than guessed at.
const Prefix = "HC1:"

// MaxInflated caps what one code may inflate to. A real certificate's
// COSE message is under 1 KiB; the cap stops a zlib bomb of a few hundred
// bytes from costing a Pi Zero megabytes.
const MaxInflated = 64 << 10

// Step names a stage of decoding and verifying, so errors say where a code
// failed and Verify can tell a malformed code from a forged one.
type Step string

const (
	StepPrefix    Step = "prefix"
	StepBase45    Step = "base45"
	StepInflate   Step = "zlib"
	StepCOSE      Step = "cose"
	StepCWT       Step = "cwt"
	StepPayload   Step = "payload"
	StepKey       Step = "key"
	StepSignature Step = "signature"
	StepKeyUsage  Step = "key usage"
	StepValidity  Step = "validity"
)

// Error is a code that failed at Step.
type Error struct {
	Step Step
	Err  error
}

func (e *Error) Error() string { return "dcc: " + string(e.Step) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(s Step, format string, a ...any) error {
	return &Error{Step: s, Err: fmt.Errorf(format, a...)}
}

// StepOf is the step err failed at, or "" for an error not from this package.
func StepOf(err error) Step {
	var e *Error
	if errors.As(err, &e) {
		return e.Step
	}
	return ""
}

// Unprefix returns the Base45 text after the HC1: prefix.
func Unprefix(code []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(code, []byte(Prefix))
	if !ok {
		return nil, fail(StepPrefix, "code does not start with %q", Prefix)
	}
	return rest, nil
}

// Inflate undoes the zlib compression of a code, refusing more than
// MaxInflated bytes of output and anything after the zlib stream.
func Inflate(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fail(StepInflate, "not a zlib stream: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxInflated+1))
	if err != nil {
		return nil, fail(StepInflate, "inflate: %v", err)
	}
	if len(out) > MaxInflated {
		return nil, fail(StepInflate, "inflates past %d bytes; refused as a zip bomb", MaxInflated)
	}
	return out, nil
}

// decMode bounds CBOR decoding of outside bytes: a certificate is a few
// maps deep and a few dozen items wide, so deep nesting or huge arrays are
// an attack, not a certificate. Duplicate map keys are refused so one
// message cannot say two things.
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 256,
		MaxMapPairs:      256,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthAllowed,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// CBOR tags a COSE_Sign1 message may carry: COSE_Sign1 (RFC 9052) and,
// outside it, CWT (RFC 8392).
const (
	tagCOSESign1 = 18
	tagCWT       = 61
)

// Sign1 is a COSE_Sign1 message taken apart; the protected header is kept
// as its bytes, since the signature covers those bytes and not a
// re-encoding of them.
type Sign1 struct {
	Protected   []byte
	Unprotected map[any]any
	Payload     []byte
	Signature   []byte
	Alg         int64  // protected header if present there, else unprotected
	KID         []byte // protected header if present there, else unprotected
}

// ParseSign1 reads a COSE_Sign1 message, tagged (18, optionally inside
// the CWT tag 61) or untagged.
func ParseSign1(b []byte) (*Sign1, error) {
	for range 2 {
		var tag cbor.RawTag
		if len(b) == 0 || b[0]>>5 != 6 {
			break
		}
		if err := decMode.Unmarshal(b, &tag); err != nil {
			return nil, fail(StepCOSE, "tag: %v", err)
		}
		if tag.Number != tagCOSESign1 && tag.Number != tagCWT {
			return nil, fail(StepCOSE, "tag %d is not COSE_Sign1 (18) or CWT (61)", tag.Number)
		}
		b = tag.Content
	}
	var msg struct {
		_           struct{} `cbor:",toarray"`
		Protected   []byte
		Unprotected map[any]any
		Payload     []byte
		Signature   []byte
	}
	if err := decMode.Unmarshal(b, &msg); err != nil {
		return nil, fail(StepCOSE, "not a COSE_Sign1 array: %v", err)
	}
	s := &Sign1{Protected: msg.Protected, Unprotected: msg.Unprotected, Payload: msg.Payload, Signature: msg.Signature}
	prot := map[any]any{}
	if len(msg.Protected) > 0 {
		if err := decMode.Unmarshal(msg.Protected, &prot); err != nil {
			return nil, fail(StepCOSE, "protected header: %v", err)
		}
	}
	// alg belongs in the protected header; the suite also accepts it
	// unprotected. Taking it from there gives a forger nothing: the key's
	// own type decides the algorithm it may verify (verifySig).
	alg, ok := intHeader(prot, 1)
	if !ok {
		alg, ok = intHeader(s.Unprotected, 1)
	}
	if !ok {
		return nil, fail(StepCOSE, "no algorithm (1) in either header")
	}
	s.Alg = alg
	// The specification puts kid in the protected header and lets a
	// verifier fall back to the unprotected one only when it is absent
	// there; a wrong protected kid is never rescued by the other.
	if kid, ok := prot[uint64(4)]; ok {
		s.KID, _ = kid.([]byte)
	} else if kid, ok := s.Unprotected[uint64(4)]; ok {
		s.KID, _ = kid.([]byte)
	}
	if len(s.KID) == 0 {
		return nil, fail(StepKey, "no kid in either header")
	}
	return s, nil
}

func intHeader(h map[any]any, label uint64) (int64, bool) {
	switch v := h[label].(type) {
	case int64:
		return v, true
	case uint64:
		if v <= 1<<62 {
			return int64(v), true
		}
	}
	return 0, false
}

// sigStructure is what COSE_Sign1 signs (RFC 9052 section 4.4), with no
// external data.
func (s *Sign1) sigStructure() ([]byte, error) {
	return cbor.Marshal([]any{"Signature1", s.Protected, []byte{}, s.Payload})
}
