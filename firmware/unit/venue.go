package unit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// A visitor turned away for their booking is told the next slot with room.
// Free places are counted only at the centre, which serves them publicly
// for the venue code's page (GET <collector>/api/v1/venue/<site>); the
// unit asks through [enroll] url, waits at most venueDeadline — the lane
// is waiting — and keeps an answer, or the lack of one, for venueCacheFor.
// Without a collector address, or offline, the guard names the schedule's
// next slot and sends the visitor to the venue code to see the room.

const (
	venueDeadline = time.Second
	venueCacheFor = 30 * time.Second
	maxVenueBody  = 256 << 10
)

// venueSlots asks the centre which slots have room.
type venueSlots struct {
	url    string // <collector>/api/v1/venue/<site>
	client *http.Client
	now    func() time.Time // for the cache; time.Now

	mu      sync.Mutex
	fetched time.Time
	slots   []freeSlot
	ok      bool
}

// freeSlot is one slot as the centre's page lists it.
type freeSlot struct {
	Start int64  `json:"s"`
	End   int64  `json:"e"`
	Free  int    `json:"free"`
	Label string `json:"label"`
}

// newVenueSlots is nil when the unit has no collector address.
func newVenueSlots(base, caFile, site string) (*venueSlots, error) {
	if base == "" {
		return nil, nil
	}
	client, err := delivery.CollectorClient(caFile)
	if err != nil {
		return nil, err
	}
	u := strings.TrimRight(base, "/") + "/api/v1/venue/" + url.PathEscape(site)
	return &venueSlots{url: u, client: client, now: time.Now}, nil
}

// NextText is what the guard tells the visitor (screening.Options.NextSlot).
// A nil venueSlots answers by the schedule alone.
func (v *venueSlots) NextText(a *wire.Appointments, now time.Time) string {
	slots, ok := v.get()
	if !ok {
		return policy.NextSlotText(a, now)
	}
	for _, s := range slots {
		slot := wire.VenueSlot{Start: s.Start, End: s.End}
		if s.Start > now.Unix() && s.Free > 0 && a.Has(slot) {
			return fmt.Sprintf("下一个有名额的时段 %s（余 %d 位），请扫门口场所码预约", a.Label(slot), s.Free)
		}
	}
	return "近期各时段已约满，请扫门口场所码查看"
}

// get is the centre's list, from the cache when it is fresh; ok is false
// when the centre did not answer (also cached, so an offline unit does
// not make every refused visitor wait a second).
func (v *venueSlots) get() ([]freeSlot, bool) {
	if v == nil {
		return nil, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if now := v.now(); v.fetched.IsZero() || now.Sub(v.fetched) >= venueCacheFor || now.Before(v.fetched) {
		v.slots, v.ok = v.fetch()
		v.fetched = now
	}
	return v.slots, v.ok
}

func (v *venueSlots) fetch() ([]freeSlot, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), venueDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.url, nil)
	if err != nil {
		return nil, false
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	var body struct {
		Slots []freeSlot `json:"slots"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxVenueBody)).Decode(&body); err != nil {
		return nil, false
	}
	return body.Slots, true
}
