package wire

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleHoldEntry() Entry {
	e := sampleEntry()
	e.Decision = Hold
	e.Reasons = []Reason{{Code: ReasonHeld, ZH: "请前往采样点", EN: "go to the sampling point"}}
	return e
}

func sampleReturneeEntry() Entry {
	e := sampleHoldEntry()
	e.Credential = Credential{Kind: CredentialNone, Result: "none"}
	e.Visitor = &Visitor{Name: "张三", Phone: MaskPhone("13800138000"), Origin: "武汉",
		PhoneHash: PersonHash([]byte("k"), "phone", "13800138000")}
	e.Returnee = &Returnee{Origin: "湖北省武汉市", Arrived: time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC),
		Household: "3栋2单元501", Travel: "火车 G1234"}
	return e
}

func TestHoldAndReturneeEntriesRoundTrip(t *testing.T) {
	for _, want := range []Entry{sampleHoldEntry(), sampleReturneeEntry()} {
		got, err := DecodeEntry(mustJSON(t, want))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !sameEntry(got, want) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestReturneeBlockRefusesWhatTheCentreCannotUse(t *testing.T) {
	cases := map[string]func(*Entry){
		"without a registration":  func(e *Entry) { e.Visitor = nil },
		"on a record":             func(e *Entry) { e.Decision, e.Record = "", &Record{Kind: RecordSignIn}; e.Guard = "wang" },
		"no origin":               func(e *Entry) { e.Returnee.Origin = "" },
		"origin with a newline":   func(e *Entry) { e.Returnee.Origin = "武汉\n伪造" },
		"origin of 65 characters": func(e *Entry) { e.Returnee.Origin = strings.Repeat("武", 65) },
		"no arrival":              func(e *Entry) { e.Returnee.Arrived = time.Time{} },
		"arrived in year 9999":    func(e *Entry) { e.Returnee.Arrived = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"household too long":      func(e *Entry) { e.Returnee.Household = strings.Repeat("楼", 65) },
	}
	for name, f := range cases {
		e := sampleReturneeEntry()
		f(&e)
		if _, err := DecodeEntry(mustJSON(t, e)); err == nil || !strings.Contains(err.Error(), "returnee") {
			t.Errorf("%s: %v, want a returnee error", name, err)
		}
	}
}

func sampleResults() ResultPush {
	return ResultPush{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "north-gate", Version: 3,
		IssuedAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC),
		Results: []TestResult{
			{ID: "r1", Pass: "P-0012", Result: ResultNegative, SampledAt: time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)},
			{ID: "r2", IDHash: PersonHash([]byte("k"), "id", "110101199003071234"), Result: ResultPositive,
				SampledAt: time.Date(2026, 12, 7, 7, 5, 0, 0, time.UTC)},
		}}
}

func TestSignedResultsVerifyAndTamperingIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := sampleResults()
	if err := VerifyResults(&r, pub); !errors.Is(err, ErrResultsUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
	SignResults(&r, priv)
	if err := VerifyResults(&r, pub); err != nil {
		t.Fatalf("signed push refused: %v", err)
	}
	tamper := []func(*ResultPush){
		func(r *ResultPush) { r.Results[1].Result = ResultNegative },
		func(r *ResultPush) { r.Results[0].Pass = "P-0013" },
		func(r *ResultPush) { r.Results = r.Results[:1] },
		func(r *ResultPush) { r.Unit = "south-gate" },
		func(r *ResultPush) { r.Version++ },
		func(r *ResultPush) { r.Results[0].SampledAt = r.Results[0].SampledAt.Add(time.Hour) },
	}
	for i, f := range tamper {
		q := r
		q.Results = append([]TestResult(nil), r.Results...)
		f(&q)
		if err := VerifyResults(&q, pub); !errors.Is(err, ErrResultsBadSignature) {
			t.Errorf("tampering %d: %v, want ErrResultsBadSignature", i, err)
		}
	}
	// A roster or policy signature over the same key never passes for a
	// result push: each signs under its own label.
	g := GuardRoster{Schema: 1, Site: r.Site, Unit: r.Unit, Version: r.Version, IssuedAt: r.IssuedAt}
	SignRoster(&g, priv)
	q := r
	q.Signature = g.Signature
	if err := VerifyResults(&q, pub); !errors.Is(err, ErrResultsBadSignature) {
		t.Errorf("a roster's signature passed for results: %v", err)
	}
}

func TestResultPushRefusesWhatAUnitCannotUse(t *testing.T) {
	cases := map[string]func(*ResultPush){
		"version 0":           func(r *ResultPush) { r.Version = 0 },
		"bad unit":            func(r *ResultPush) { r.Unit = "north/#" },
		"names nobody":        func(r *ResultPush) { r.Results[0].Pass = "" },
		"unknown result":      func(r *ResultPush) { r.Results[0].Result = "阴性" },
		"short hash":          func(r *ResultPush) { r.Results[1].IDHash = "abc" },
		"sampled in 9999":     func(r *ResultPush) { r.Results[0].SampledAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"never sampled":       func(r *ResultPush) { r.Results[0].SampledAt = time.Time{} },
		"no id":               func(r *ResultPush) { r.Results[0].ID = "" },
		"too many results":    func(r *ResultPush) { r.Results = make([]TestResult, MaxResults+1) },
		"pass with a newline": func(r *ResultPush) { r.Results[0].Pass = "P\n1" },
	}
	for name, f := range cases {
		r := sampleResults()
		f(&r)
		if _, err := DecodeResultPush(mustJSON(t, r)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r := sampleResults()
	if _, err := DecodeResultPush(mustJSON(t, r)); err != nil {
		t.Fatalf("sample refused: %v", err)
	}
	big := sampleResults()
	big.Results = nil
	for i := range MaxResults {
		big.Results = append(big.Results, TestResult{ID: strings.Repeat("r", 30) + string(rune('a'+i%26)),
			IDHash: PersonHash([]byte("k"), "id", "x"), PhoneHash: PersonHash([]byte("k"), "phone", "y"),
			Pass: strings.Repeat("P", 20), Result: ResultNegative, SampledAt: r.IssuedAt})
	}
	if b := mustJSON(t, big); len(b) > MaxResultsPayload {
		t.Fatalf("a full push of %d results is %d bytes, over MaxResultsPayload %d", MaxResults, len(b), MaxResultsPayload)
	}
}

func TestAUnitReadsOnlyItsOwnResults(t *testing.T) {
	unit := Grant{Site: "s1", Unit: "u1"}
	gw := Grant{Site: "s1", Unit: AnyUnit}
	for _, c := range []struct {
		g     Grant
		topic string
		write bool
		want  bool
	}{
		{unit, ResultsTopic("s1", "u1"), false, true},
		{unit, ResultsTopic("s1", "u1"), true, false},
		{unit, ResultsTopic("s1", "u2"), false, false},
		{unit, ResultsTopic("s2", "u1"), false, false},
		{gw, "kakou/v1/s1/+/results", false, true},
		{gw, ResultsTopic("s1", "u9"), true, false},
	} {
		if got := c.g.Allows(c.topic, c.write); got != c.want {
			t.Errorf("%+v %s write=%v: %v, want %v", c.g, c.topic, c.write, got, c.want)
		}
	}
}

// FuzzDecodeResultPush: whatever arrives on a results topic either is
// refused or is a push every field of which a unit can use.
func FuzzDecodeResultPush(f *testing.F) {
	r := sampleResults()
	f.Add(mustJSON(f, r))
	SignResults(&r, ed25519.NewKeyFromSeed(make([]byte, 32)))
	f.Add(mustJSON(f, r))
	f.Add([]byte(`{"schema":1,"site":"s","unit":"u","version":1,"issued_at":"2026-12-07T00:00:00Z","results":[{"id":"x","pass":"p","result":"negative","sampled_at":"9999-12-31T23:59:59Z"}]}`))
	f.Add([]byte(`{"schema":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeResultPush(b)
		if err != nil {
			return
		}
		if p.Version == 0 || len(p.Results) > MaxResults {
			t.Fatalf("accepted an unusable push: %+v", p)
		}
		for _, x := range p.Results {
			if x.Pass == "" && x.IDHash == "" && x.PhoneHash == "" {
				t.Fatalf("accepted a result naming nobody: %+v", x)
			}
		}
	})
}
