package wire

import (
	"strings"
	"testing"
)

func TestMaskKeepsOnlyTheEnds(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"110101199003071234", "110***********1234"},
		{"11010119900307123X", "110***********123X"},
		{"1234567", "*******"},
		{"12345678", "12****78"},   // a Taiwan residents' permit
		{"H12345678", "H1****678"}, // a HK/Macau residents' permit
		{"+85291234567", "+85*****4567"},
		{"", ""},
	}
	for _, c := range cases {
		if got := MaskID(c.in); got != c.want {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEntryRefusesUnmaskedPIIAndAnonymousOverrides(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Entry)
		want   string
	}{
		{"full phone", func(e *Entry) { e.Visitor = &Visitor{Name: "张三", Phone: "13812345678"} }, "masked"},
		{"full ID", func(e *Entry) { e.Visitor = &Visitor{Name: "张三", ID: "110101199003071234"} }, "masked"},
		{"no name", func(e *Entry) { e.Visitor = &Visitor{Phone: MaskPhone("13812345678")} }, "visitor.name"},
		{"override without reason", func(e *Entry) { e.Override = &Override{By: "guard-1"} }, "override"},
	}
	for _, c := range cases {
		e := sampleEntry()
		c.mutate(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	e := sampleEntry()
	e.Visitor = &Visitor{Name: "张三", Phone: MaskPhone("13812345678"), ID: MaskID("110101199003071234")}
	e.Override = &Override{By: "guard-1", Reason: "elderly resident without a phone, known to the guard"}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestMaskHidesAtLeastFourOfAShortNumberSoTheEntryIsValid(t *testing.T) {
	for _, n := range []string{"12345678", "H12345678", "E12345678", "+6012345678"} {
		e := sampleEntry()
		e.Visitor = &Visitor{Name: "张三", Phone: MaskPhone(n), ID: MaskID(n)}
		if err := e.Validate(); err != nil {
			t.Errorf("%s masked as %s: %v", n, MaskID(n), err)
		}
	}
}

func TestIDHashKindKeepsIdentityNumbersTogetherAndOtherDocumentsApart(t *testing.T) {
	for _, k := range []string{"", IDResident, IDHMTResidence, IDForeignPR} {
		if IDHashKind(k) != "id" {
			t.Errorf("%q hashes under %q, want id (as every ID number was)", k, IDHashKind(k))
		}
	}
	seen := map[string]string{}
	for _, k := range []string{IDResident, IDHKMOPermit, IDTWPermit, IDPassport} {
		if other, ok := seen[IDHashKind(k)]; ok {
			t.Errorf("%s and %s hash under one kind", k, other)
		}
		seen[IDHashKind(k)] = k
	}
}
