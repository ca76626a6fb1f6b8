package kakou

import (
	"os"
	"testing"

	"github.com/kakou/kakou/cloud/store/pgtest"
)

// TestMain stops the PostgreSQL server the integration tests shared.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
