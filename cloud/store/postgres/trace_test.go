package postgres

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

// BenchmarkPostgresTraceBusySite is BenchmarkTraceBusySite on the pgtest
// PostgreSQL.
func BenchmarkPostgresTraceBusySite(b *testing.B) { storetest.BenchTrace(b, openPG(b)) }
