package credential_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/provincialsim"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

var simNow = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// sim is the simulated provincial service on a loopback port.
func sim(t *testing.T) (*provincialsim.Service, string) {
	t.Helper()
	s := provincialsim.Demo(simNow)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// fakeClock is the cache's clock, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *fakeClock               { return &fakeClock{t: simNow} }
func code(token string) []byte           { return []byte(provincialsim.DemoCodeURL + token) }
func adapter(t *testing.T, o credential.ProvincialOpts) *credential.Provincial {
	t.Helper()
	p, err := credential.NewProvincial(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProvincialReadsTheServicesNestedAnswer(t *testing.T) {
	_, url := sim(t)
	p := adapter(t, provincialsim.Config("gd-jkm", url))
	got, err := p.Verify(context.Background(), code(provincialsim.DemoGreen))
	if err != nil || got.Status != credential.StatusGreen {
		t.Fatalf("green token: %+v, %v", got, err)
	}
	if want := simNow.Add(-20 * time.Hour); !got.NucleicAcidAt.Equal(want) {
		t.Errorf("sampling time %v, want %v from data.hsjc.sampleTime", got.NucleicAcidAt, want)
	}
	if got.TravelCardOK == nil || !*got.TravelCardOK {
		t.Errorf("travel card %v, want true from data.xck = 1", got.TravelCardOK)
	}
	if got.Verifier != "gd-jkm" || got.Wire.Subject == "" || strings.Contains(got.Wire.Subject, provincialsim.DemoGreen) {
		t.Errorf("verifier %q subject %q: want the name and a hash reference", got.Verifier, got.Wire.Subject)
	}
}

func TestProvincialMapsEveryStatusTheServiceGives(t *testing.T) {
	_, url := sim(t)
	p := adapter(t, provincialsim.Config("gd-jkm", url))
	for tok, want := range map[string]credential.Status{
		provincialsim.DemoGreen: credential.StatusGreen, provincialsim.DemoYellow: credential.StatusYellow,
		provincialsim.DemoRed: credential.StatusRed, provincialsim.DemoExpired: credential.StatusExpired,
		provincialsim.DemoNotFound: credential.StatusNotFound,
	} {
		if got, _ := p.Verify(context.Background(), code(tok)); got.Status != want {
			t.Errorf("token %s: %s (%s), want %s", tok, got.Status, got.Detail, want)
		}
	}
}

func TestProvincialAsksByIDNumber(t *testing.T) {
	s, url := sim(t)
	p := adapter(t, provincialsim.Config("gd-jkm", url))
	if got, _ := p.LookupID(context.Background(), provincialsim.DemoIDGreen); got.Status != credential.StatusGreen || got.Wire.Subject != "" {
		t.Errorf("green ID: %+v; want green with no subject derived from the number", got)
	}
	if got, _ := p.LookupID(context.Background(), strings.ToLower(provincialsim.DemoIDRed)); got.Status != credential.StatusRed {
		t.Errorf("red ID: %s", got.Status)
	}
	before := s.Calls()
	for _, id := range []string{"", "1234", "11010119900307123Y", "110101199003071234\n", strings.Repeat("1", 1000)} {
		if got, _ := p.LookupID(context.Background(), id); got.Status != credential.StatusMalformed {
			t.Errorf("ID %q: %s, want malformed", id, got.Status)
		}
	}
	if s.Calls() != before {
		t.Errorf("malformed ID numbers were sent to the service")
	}
}

func TestProvincialCachesDefiniteAnswersWithinTheirTTL(t *testing.T) {
	s, url := sim(t)
	clk := newClock()
	o := provincialsim.Config("gd-jkm", url)
	o.Now = clk.Now
	p := adapter(t, o)
	p.Verify(context.Background(), code(provincialsim.DemoRed))
	calls := s.Calls()
	clk.Add(59 * time.Second)
	if got, _ := p.Verify(context.Background(), code(provincialsim.DemoRed)); got.Status != credential.StatusRed || s.Calls() != calls {
		t.Fatalf("second scan within the TTL: %s after %d requests, want red from the cache with no request", got.Status, s.Calls()-calls)
	}
	clk.Add(2 * time.Second)
	p.Verify(context.Background(), code(provincialsim.DemoRed))
	if s.Calls() != calls+1 {
		t.Fatalf("a scan after the TTL made %d requests, want 1", s.Calls()-calls)
	}
}

func TestProvincialNeverCachesATimeout(t *testing.T) {
	s, url := sim(t)
	o := provincialsim.Config("gd-jkm", url)
	o.Timeout = 50 * time.Millisecond
	p := adapter(t, o)
	s.SetMode(provincialsim.Hang)
	if got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusTimeout {
		t.Fatalf("hanging service: %s, want timeout", got.Status)
	}
	s.SetMode(provincialsim.Normal)
	calls := s.Calls()
	if got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusGreen || s.Calls() != calls+1 {
		t.Fatalf("after a timeout: %s with %d requests, want green asked afresh", got.Status, s.Calls()-calls)
	}
}

func TestProvincialCacheIsKeyedByTheTokenNotTheScannedURL(t *testing.T) {
	s, url := sim(t)
	p := adapter(t, provincialsim.Config("gd-jkm", url))
	p.Verify(context.Background(), code(provincialsim.DemoRed))
	calls := s.Calls()
	// The same token dressed up: extra parameters, a fragment, another
	// path. The service's answer for the token holds; nothing in the
	// dressing can pick a different cached answer.
	for _, c := range []string{
		provincialsim.DemoCodeURL + provincialsim.DemoRed + "&color=0&status=green",
		provincialsim.DemoCodeURL + provincialsim.DemoRed + "#" + provincialsim.DemoGreen,
		"https://jkm.example.gov.cn/hc/other?t=" + provincialsim.DemoRed,
	} {
		if got, _ := p.Verify(context.Background(), []byte(c)); got.Status != credential.StatusRed {
			t.Errorf("%s: %s, want red (the token's answer)", c, got.Status)
		}
	}
	if s.Calls() != calls {
		t.Errorf("the dressed-up token made %d requests, want the cached answer", s.Calls()-calls)
	}
	if got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusGreen || s.Calls() != calls+1 {
		t.Errorf("another token: %s, want green asked from the service", got.Status)
	}
}

func TestProvincialBreakerOpensStopsAskingAndRecovers(t *testing.T) {
	s, url := sim(t)
	o := provincialsim.Config("gd-jkm", url)
	o.BreakerFailures, o.BreakerCooldown = 3, 50*time.Millisecond
	p := adapter(t, o)
	s.SetMode(provincialsim.Fail)
	for i := range 3 {
		if got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusVerifyFailed {
			t.Fatalf("failure %d: %s, want verify_failed (HTTP 500)", i+1, got.Status)
		}
	}
	if ok, detail := p.Available(); ok || !strings.Contains(detail, "offline rule") {
		t.Fatalf("after 3 failures: available=%v %q, want unavailable saying the offline rule decides", ok, detail)
	}
	calls := s.Calls()
	got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen))
	if got.Status != credential.StatusTimeout || !strings.Contains(got.Detail, "unavailable") || s.Calls() != calls {
		t.Fatalf("breaker open: %s %q after %d requests, want timeout \"unavailable\" with no request", got.Status, got.Detail, s.Calls()-calls)
	}
	s.SetMode(provincialsim.Normal)
	testenv.Await(t, "breaker half-open after its cooldown", 5*time.Second, func() bool { ok, _ := p.Available(); return ok })
	if got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusGreen {
		t.Fatalf("half-open, service back: %s, want green", got.Status)
	}
	if got, _ := p.Verify(context.Background(), code(provincialsim.DemoYellow)); got.Status != credential.StatusYellow || s.Calls() != calls+2 {
		t.Fatalf("closed again: %s after %d requests, want yellow asked", got.Status, s.Calls()-calls)
	}
}

func TestProvincialBreakerHoldsWithTwoLanesScanningAtOnce(t *testing.T) {
	s, url := sim(t)
	o := provincialsim.Config("gd-jkm", url)
	o.BreakerFailures, o.BreakerCooldown = 4, time.Hour
	p := adapter(t, o)
	s.SetMode(provincialsim.Fail)
	var wg sync.WaitGroup
	for lane := range 2 {
		wg.Go(func() {
			for i := range 20 {
				got, _ := p.Verify(context.Background(), code(provincialsim.DemoGreen))
				if got.Status != credential.StatusVerifyFailed && got.Status != credential.StatusTimeout {
					t.Errorf("lane %d scan %d: %s", lane, i, got.Status)
				}
			}
		})
	}
	wg.Wait()
	// Each lane may have one request in flight when the fourth failure
	// opens the breaker; after that none go out.
	if n := s.Calls(); n < 4 || n > 5 {
		t.Errorf("40 scans made %d requests, want 4-5 before the breaker opened", n)
	}
}

func TestProvincialFailuresBecomeStatusesTheGuardCanActOn(t *testing.T) {
	cases := []struct {
		name   string
		serve  http.HandlerFunc
		status credential.Status
		detail string
	}{
		{"hangs", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // so the server notices the unit giving up
			<-r.Context().Done()
		}, credential.StatusTimeout, "no answer"},
		{"HTTP 500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "busy", 500) }, credential.StatusVerifyFailed, "HTTP 500"},
		{"10 MB", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"data":{"color":0,"pad":"`+strings.Repeat("x", 10<<20)+`"}}`)
		}, credential.StatusVerifyFailed, "longer than"},
		{"unmapped value", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"code":0,"data":{"color":7}}`)
		}, credential.StatusVerifyFailed, "data.color (status_field)"},
		{"no status", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"code":0,"data":{}}`) },
			credential.StatusVerifyFailed, "no data.color"},
		{"HTML maintenance page", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `<html>维护中</html>`) },
			credential.StatusVerifyFailed, "not JSON"},
		{"status as an object", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data":{"color":{"v":0}}}`) },
			credential.StatusVerifyFailed, "not a value"},
		{"year 9999 sampling time", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"data":{"color":0,"hsjc":{"sampleTime":"9999-12-31T00:00:00Z"}}}`)
		}, credential.StatusGreen, "sampling time not known"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.serve)
			t.Cleanup(srv.Close)
			o := provincialsim.Config("gd-jkm", srv.URL)
			o.URL = srv.URL
			if c.status == credential.StatusTimeout {
				o.Timeout = 100 * time.Millisecond // only the hanging service waits it out
			}
			got, _ := adapter(t, o).Verify(context.Background(), code(provincialsim.DemoGreen))
			if got.Status != c.status || !strings.Contains(got.Detail, c.detail) {
				t.Fatalf("%s %q, want %s mentioning %q", got.Status, got.Detail, c.status, c.detail)
			}
			if c.status == credential.StatusGreen && !got.NucleicAcidAt.IsZero() {
				t.Errorf("a year-9999 sampling time was believed: %v", got.NucleicAcidAt)
			}
		})
	}
}

func TestProvincialRefusesAWrongAppKey(t *testing.T) {
	_, url := sim(t)
	o := provincialsim.Config("gd-jkm", url)
	o.Headers = map[string]string{"X-App-Key": "wrong"}
	if got, _ := adapter(t, o).Verify(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusVerifyFailed || !strings.Contains(got.Detail, "401") {
		t.Fatalf("wrong app key: %s %q, want verify_failed HTTP 401", got.Status, got.Detail)
	}
}

// The raw answer, the token and the app key never reach the log or what
// the unit records, whichever way the exchange goes.
func TestProvincialKeepsTokenAppKeyAndAnswerOutOfLogAndEntry(t *testing.T) {
	s, url := sim(t)
	var logged bytes.Buffer
	for _, method := range []string{"POST", "GET"} {
		for _, mode := range []provincialsim.Mode{provincialsim.Normal, provincialsim.Fail, provincialsim.Hang} {
			s.SetMode(mode)
			o := provincialsim.Config("gd-jkm", url)
			o.Method, o.Timeout, o.CacheTTL = method, 50*time.Millisecond, 0
			p := adapter(t, o)
			v := &credential.Verifier{Log: slog.New(slog.NewTextHandler(&logged, nil)),
				Health: credential.HealthRouter{Routes: []credential.Route{urlRoute(t)},
					Verifiers: map[string]credential.HealthVerifier{"gd-jkm": p}}}
			got := v.Check(context.Background(), code(provincialsim.DemoGreen))
			rec := got.Wire.Subject + got.Wire.Result + got.Wire.Verifier + got.Detail
			for _, secret := range []string{provincialsim.DemoGreen, provincialsim.DemoAppKey, "绿码", "hsjc", "traceId"} {
				if strings.Contains(rec, secret) || strings.Contains(logged.String(), secret) {
					t.Errorf("%s, mode %d: %q reached the entry or the log:\n%s\n%s", method, mode, secret, rec, logged.String())
				}
			}
		}
	}
	// Unreachable: the transport's error is logged, its URL is not.
	o := provincialsim.Config("gd-jkm", "http://127.0.0.1:1")
	o.Method = "GET"
	v := &credential.Verifier{Log: slog.New(slog.NewTextHandler(&logged, nil)),
		Health: credential.HealthRouter{Routes: []credential.Route{urlRoute(t)},
			Verifiers: map[string]credential.HealthVerifier{"gd-jkm": adapter(t, o)}}}
	if got := v.Check(context.Background(), code(provincialsim.DemoGreen)); got.Status != credential.StatusVerifyFailed {
		t.Errorf("unreachable service: %s", got.Status)
	}
	if strings.Contains(logged.String(), provincialsim.DemoGreen) {
		t.Errorf("the token reached the log through a transport error:\n%s", logged.String())
	}
}

func urlRoute(t *testing.T) credential.Route {
	r, err := credential.NewRoute("", provincialsim.DemoHost, "/hc", "", "gd-jkm")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifierSendsAProvincialURLToItsServiceNotToRegistration(t *testing.T) {
	_, url := sim(t)
	v := &credential.Verifier{Health: credential.HealthRouter{Routes: []credential.Route{urlRoute(t)},
		Verifiers: map[string]credential.HealthVerifier{"gd-jkm": adapter(t, provincialsim.Config("gd-jkm", url))}}}
	got := v.Check(context.Background(), code(provincialsim.DemoYellow))
	if got.Wire.Kind != wire.CredentialHealthCode || got.Status != credential.StatusYellow || got.Wire.Verifier != "gd-jkm" {
		t.Fatalf("provincial URL: %+v, want a yellow health code answered by gd-jkm", got.Wire)
	}
	if got := v.Check(context.Background(), []byte("https://jkm.example.gov.cn.evil.com/hc?t="+provincialsim.DemoGreen)); got.Wire.Kind != wire.CredentialUnknown {
		t.Fatalf("look-alike host: %+v, want unknown", got.Wire)
	}
}

func TestProvincialOptsNameEveryBadKey(t *testing.T) {
	o := credential.ProvincialOpts{URL: "ftp://x", Method: "PUT", TokenFrom: "query", Timeout: 3 * time.Second,
		CacheTTL: time.Hour, CacheSize: -1, BreakerFailures: 1000, BreakerCooldown: -1,
		Answer: credential.AnswerMap{StatusField: "data..color"}}
	got := strings.Join(o.Problems(), "\n")
	for _, key := range []string{"url:", "method:", "token_field:", "token_from:", "status_field:", "timeout:", "cache_ttl:",
		"cache_size:", "breaker_failures:", "breaker_cooldown:"} {
		if !strings.Contains(got, key) {
			t.Errorf("problems do not name %s:\n%s", key, got)
		}
	}
	o = provincialsim.Config("x", "http://127.0.0.1:1")
	o.Answer.StatusMap = map[string]credential.Status{"0": "blue"}
	if got := strings.Join(o.Problems(), "\n"); !strings.HasPrefix(got, "status_map: ") || !strings.Contains(got, "blue") {
		t.Errorf("a misspelt status: %q, want status_map naming it", got)
	}
}

func TestProvincialSendsNothingForAnOversizedOrControlToken(t *testing.T) {
	s, url := sim(t)
	p := adapter(t, provincialsim.Config("gd-jkm", url))
	for _, c := range []string{
		provincialsim.DemoCodeURL + strings.Repeat("A", 600),
		provincialsim.DemoCodeURL + "A%0D%0AX-App-Key:%20stolen",
		provincialsim.DemoCodeURL,
		"https://jkm.example.gov.cn/hc?x=1",
		"https://jkm.example.gov.cn/hc?t=%ff%fe",
	} {
		if got, _ := p.Verify(context.Background(), []byte(c)); got.Status != credential.StatusMalformed {
			t.Errorf("%.60s: %s, want malformed", c, got.Status)
		}
	}
	if s.Calls() != 0 {
		t.Errorf("%d requests for tokens that must not be sent", s.Calls())
	}
}
