package postgres

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestVenue(t *testing.T) {
	storetest.Venue(t, func(t *testing.T) storetest.VenueStore { return openPG(t) })
}

// TestVenueConcurrent books through two stores on one database, as two
// collectors do.
func TestVenueConcurrent(t *testing.T) {
	dsn := pgtest.Start(t)
	storetest.VenueConcurrent(t, openPGAt(t, dsn), openPGAt(t, dsn))
}
