package collector

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

func TestVenueConfigProblems(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"ok", `[venue]
public_url = "https://kakou.example.cn"
trusted_proxies = ["10.0.0.0/8"]
[[venue.sites]]
id = "clinic-1"`, nil},
		{"bad values", `[venue]
public_url = "kakou.example.cn"
pow_bits = 40
per_phone_per_day = -1
trusted_proxies = ["10.0.0.0"]
[[venue.sites]]
id = "Clinic 1"
fields = ["phone"]
[[venue.sites]]
id = "c2"
[[venue.sites]]
id = "c2"`, []string{"venue.public_url", "venue.pow_bits", "venue.per_phone_per_day", "venue.trusted_proxies[0]",
			"venue.sites[0].id", `venue.sites.fields: unknown key`, `venue.sites[2].id: "c2" is listed twice`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, "data_dir = \"d\"\n"+c.body))
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

const clinicPolicy = `version = "clinic-appt-1"
[checks.registration]
fields = ["phone"]
required = ["phone"]
[checks.appointment]
mode = "hard"
applies_to = "visitors"
slot_minutes = 30
capacity = 12
hours = ["08:00-12:00", "14:00-17:00"]
days_ahead = 3
`

func TestAppointmentsOf(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		cap       int // 0: none
		err       bool
	}{
		{"a schedule", clinicPolicy, 12, false},
		{"none", `version = "x"`, 0, false},
		{"off", "[checks.appointment]\nmode = \"off\"", 0, false},
		{"no document", "", 0, false},
		{"invalid", "[checks.appointment]\nmode = \"hard\"\ncapacity = 0", 0, true},
		{"not TOML", "[checks", 0, true},
	} {
		a, err := appointmentsOf(c.doc)
		switch {
		case (err != nil) != c.err:
			t.Errorf("%s: %v", c.name, err)
		case c.cap == 0 && a != nil, c.cap != 0 && (a == nil || a.Capacity != c.cap):
			t.Errorf("%s: %+v", c.name, a)
		}
	}
}

func TestVenueSecret(t *testing.T) {
	short := writeConfig(t, "short")
	long := writeConfig(t, strings.Repeat("k", 40)+"\n")
	if _, err := venueSecret(short, nil); err == nil {
		t.Error("a short secret file accepted")
	}
	if s, err := venueSecret(long, nil); err != nil || string(s) != strings.Repeat("k", 40) {
		t.Errorf("secret file: %q %v", s, err)
	}
	a, _ := venueSecret("", []byte("key-1"))
	b, _ := venueSecret("", []byte("key-2"))
	if len(a) != 32 || string(a) == string(b) {
		t.Errorf("derived secrets %x %x", a, b)
	}
	if s, err := venueSecret("", nil); s != nil || err != nil {
		t.Errorf("no file, no key: %q %v", s, err)
	}
}

func TestVenueSitesReadThePolicyOfTheSite(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Now()
	if err := st.PutStatus(ctx, wire.Status{Schema: wire.SchemaVersion, Site: "clinic-1", Unit: "gate", State: wire.Online}, at); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAssignment(ctx, store.Assignment{Scope: "site", Target: "clinic-1", Profile: "clinic-appt",
		Version: "clinic-appt-1", Document: clinicPolicy, AssignedBy: "admin", AssignedAt: at}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Sites: []SiteConfig{{ID: "clinic-1", Name: "社区卫生服务中心"}},
		Venue: VenueConfig{Sites: []VenueSiteConfig{{ID: "clinic-1"}, {ID: "shop"}}}}
	v := &venueSites{cfg: cfg, st: st, paths: func(string) []string { return nil }, cache: map[string]venueCached{}}
	vs, err := v.VenueSite(ctx, "clinic-1")
	if err != nil || vs.Name != "社区卫生服务中心" || vs.Appointments == nil || vs.Appointments.Capacity != 12 ||
		vs.Consent != DefaultVenueConsent || !slices.Equal(vs.Fields, []string{"phone"}) || !slices.Equal(vs.Required, []string{"phone"}) {
		t.Fatalf("%+v %v", vs, err)
	}
	if vs, err := v.VenueSite(ctx, "shop"); err != nil || vs.Appointments != nil || vs.Name != "shop" {
		t.Fatalf("a site without units or policy: %+v %v", vs, err)
	}
	if _, err := v.VenueSite(ctx, "elsewhere"); !errors.Is(err, api.ErrVenueSiteUnknown) {
		t.Fatalf("a site not in [[venue.sites]]: %v", err)
	}
}

// TestCollectorServesTheVenuePage starts a collector with [venue] and a
// signing key: the page and its data answer without a login, and a
// registration signs a code the key's public half opens.
func TestCollectorServesTheVenuePage(t *testing.T) {
	cfg := testConfig(t)
	signing, _, err := fleet.WriteKeyPair(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy.SigningKeyFile = signing
	cfg.Venue = VenueConfig{PublicURL: "https://kakou.example.cn", PowBits: 1,
		Sites: []VenueSiteConfig{{ID: "site-a"}}}
	c := start(t, cfg)
	resp, err := http.Get(c.HTTPURL() + "/v/site-a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	resp, err = http.Get(c.HTTPURL() + "/api/v1/venue/site-a")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Pow struct {
			Challenge string `json:"challenge"`
			Bits      int    `json:"bits"`
		} `json:"pow"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || info.Pow.Bits != 1 {
		t.Fatalf("info: %+v %v", info, err)
	}
	nonce := 0
	for ; ; nonce++ {
		sum := sha256.Sum256([]byte(info.Pow.Challenge + ":" + strconv.Itoa(nonce)))
		if sum[0]&0x80 == 0 {
			break
		}
	}
	body := `{"challenge":"` + info.Pow.Challenge + `","nonce":"` + strconv.Itoa(nonce) +
		`","consent":true,"visitor":{"name":"王芳"}}`
	resp, err = http.Post(c.HTTPURL()+"/api/v1/venue/site-a/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Code string }
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	key, err := fleet.LoadSigningKey(signing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.OpenVenueCode(out.Code, key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("the code does not open with the policy key: %v", err)
	}
}

func TestFieldsOfReadsTheRegistrationTable(t *testing.T) {
	for _, c := range []struct {
		name, doc        string
		fields, required []string
		err              bool
	}{
		{"asked", clinicPolicy, []string{"phone"}, []string{"phone"}, false},
		{"none asked", `version = "x"`, nil, nil, false},
		{"no document", "", nil, nil, false},
		{"a field no code carries", "[checks.registration]\nfields = [\"shoe_size\"]", nil, nil, true},
		{"required but not asked", "[checks.registration]\nfields = [\"phone\"]\nrequired = [\"id\"]", nil, nil, true},
		{"not TOML", "[checks", nil, nil, true},
	} {
		f, r, err := fieldsOf(c.doc)
		if (err != nil) != c.err || !slices.Equal(f, c.fields) || !slices.Equal(r, c.required) {
			t.Errorf("%s: %v %v %v", c.name, f, r, err)
		}
	}
}
