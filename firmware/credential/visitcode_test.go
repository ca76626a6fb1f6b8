package credential

import (
	"context"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func TestAVisitQRIsRecognisedAndKeepsItsTextAsTheSubject(t *testing.T) {
	code := "KKV1:sunny:gate-1:1234:301234:1772441200:0123456789abcdef"
	for name, c := range map[string]wire.Credential{
		"Decode": Decode([]byte(code)),
		"Check":  (&Verifier{}).Check(context.Background(), []byte(code)).Wire,
	} {
		if c.Kind != wire.CredentialVisitor || c.Result != ResultVisitCode || c.Subject != code {
			t.Errorf("%s: %+v, want a visitor's visit_code with the code as subject", name, c)
		}
	}
	bad := (&Verifier{}).Check(context.Background(), []byte("KKV1:sunny:gate-1:0:x:y:z"))
	if bad.Wire.Result != ResultMalformed || bad.Wire.Subject != "" {
		t.Errorf("malformed visit code checked as %+v", bad.Wire)
	}
}

func TestExitHashesAreTheRegistrationsHashes(t *testing.T) {
	p, _ := NewPrivacy([]byte("0123456789abcdef0123456789abcdef"), nil)
	v, _ := p.Minimise(wire.Visitor{Name: "张三"}, "13812345678", "11010519491231002x", false)
	if p.PhoneHash("13812345678") != v.PhoneHash || p.IDHash("11010519491231002x") != v.IDHash {
		t.Fatal("an exit's hash of the same numbers differs from the registration's")
	}
	var none *Privacy
	if none.PhoneHash("13812345678") != "" || none.VisitKey() != nil {
		t.Error("no tracing key, yet a hash or a visit key")
	}
}
