package sqlite

import (
	"context"
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

// The conformance suite's fixtures, under the names this package's own
// tests use.
var (
	ctx      = context.Background()
	t0       = storetest.T0
	received = storetest.Received
	entry    = storetest.Entry
	status   = storetest.Status
	seqs     = storetest.Seqs
)

var _ storetest.Store = (*Store)(nil)

func openSuite(t *testing.T) storetest.Store { return openTemp(t) }

func TestConformance(t *testing.T)            { storetest.Conformance(t, openSuite) }
func TestConformanceDeadLetters(t *testing.T) { storetest.DeadLetters(t, openSuite) }
func TestConformancePeople(t *testing.T)      { storetest.People(t, openSuite) }
func TestConformanceVisits(t *testing.T)      { storetest.Visits(t, openSuite) }
func TestConformanceVehicles(t *testing.T)    { storetest.Vehicles(t, openSuite) }
func TestConformanceHolds(t *testing.T)       { storetest.Holds(t, openSuite) }
func TestConformanceHouseholds(t *testing.T)  { storetest.Households(t, openSuite) }
func TestDeviceConformance(t *testing.T)      { storetest.Devices(t, openSuite) }
func TestSessionsConformance(t *testing.T)    { storetest.Sessions(t, openSuite) }
func TestGuardsConformance(t *testing.T)      { storetest.Guards(t, openSuite) }
func TestNotifyConformance(t *testing.T)      { storetest.Notify(t, openSuite) }
