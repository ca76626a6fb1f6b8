package storetest

import (
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// healthVerifierBehaviours: the centre keeps which health-code service
// answered for an entry (credential.verifier), and a re-send of that entry
// is the same entry, not a conflict.
var healthVerifierBehaviours = []struct {
	name string
	run  func(t *testing.T, c conf)
}{
	{"the health verifier's name is stored and a re-send is no conflict", behaveHealthVerifierStored},
}

func behaveHealthVerifierStored(t *testing.T, c conf) {
	e := Entry("site-a", "u1", 1)
	e.Credential = wire.Credential{Kind: wire.CredentialHealthCode, Result: "green", Subject: "1a2b3c4d", Verifier: "gd-jkm"}
	c.put(Received, e)
	if res := c.put(Received.Add(time.Minute), e); res.Inserted != 0 || len(res.Conflicts) != 0 {
		t.Fatalf("re-sent entry with a verifier: %+v, want nothing inserted and no conflict", res)
	}
	got := c.entries(store.Query{Site: "site-a"})
	if len(got) != 1 || got[0].Credential != e.Credential {
		t.Fatalf("credential read back as %+v, want %+v", got, e.Credential)
	}
}
