package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// BenchmarkVenueBooking measures the public booking as a visitor's phone
// makes it: read the site's page data (slots with their counts, a fresh
// challenge), then register into a slot, over loopback HTTP into SQLite,
// from parallel clients each at its own address booking round the slots of
// a week. The proof of work is set to 1 bit so the bench measures the
// collector, not the client's hashing. It reports bookings a second (both
// requests) and the p50/p99 of the registration. Figures:
// docs/performance.md "Booking a slot".
func BenchmarkVenueBooking(b *testing.B) {
	p := newPublicVenue(b, func(v *VenueOptions) {
		v.PowBits, v.PerAddressPerHour, v.PerPhonePerDay = 1, 1<<30, 1<<30
		sched := &wire.Appointments{Mode: "hard", AppliesTo: "visitors", SlotMinutes: 5, Capacity: 1000,
			Hours: []string{"08:00-20:00"}, DaysAhead: 7}
		v.Sites = venueSites{"site-a": {Name: "医院", Fields: []string{"phone"}, Required: []string{"phone"}, Appointments: sched}}
	})
	slots := p.info(b, "site-a", "10.0.0.1").Slots
	var next atomic.Int64
	var mu sync.Mutex
	var took []time.Duration
	client := p.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	b.SetParallelism(4)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := next.Add(1)
			addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
			sl := slots[int(i)%len(slots)]
			challenge := benchChallenge(b, client, p.srv.URL, addr)
			body := fmt.Sprintf(`{"challenge":%q,"nonce":%q,"consent":true,"visitor":{"name":"王芳","phone":"139%08d"},"slot":{"s":%d,"e":%d},"party":1}`,
				challenge, solve(challenge), i, sl.S, sl.E)
			req, _ := http.NewRequest("POST", p.srv.URL+"/api/v1/venue/site-a/register", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", addr)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("register: %d", resp.StatusCode)
				return
			}
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	b.ReportMetric(float64(len(took))/elapsed.Seconds(), "bookings/s")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}

// benchChallenge reads the page data as addr and returns its challenge.
func benchChallenge(b *testing.B, client *http.Client, base, addr string) string {
	req, _ := http.NewRequest("GET", base+"/api/v1/venue/site-a", nil)
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var in venueInfoJSON
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
		b.Fatal(err)
	}
	return in.Pow.Challenge
}
