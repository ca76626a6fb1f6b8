package wire

import (
	"strings"
	"testing"
)

// sampleIDCardEntry is a person screened by their ID card: kind id_card,
// a hash reference as subject, the number nowhere.
func sampleIDCardEntry() Entry {
	e := sampleEntry()
	e.Credential = Credential{Kind: CredentialIDCard, Result: "expired", Subject: "c3f2a9b01c4d5e6f"}
	e.Decision = Register
	return e
}

func TestAnIDCardEntryIsValidAndAMisspeltKindIsRefused(t *testing.T) {
	e := sampleIDCardEntry()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	e.Credential.Kind = "idcard"
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "credential.kind") {
		t.Fatalf("got %v", err)
	}
}
