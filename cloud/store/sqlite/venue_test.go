package sqlite

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestVenue(t *testing.T) {
	storetest.Venue(t, func(t *testing.T) storetest.VenueStore { return openTemp(t) })
}

func TestVenueConcurrent(t *testing.T) {
	storetest.VenueConcurrent(t, openTemp(t))
}
