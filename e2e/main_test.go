package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/pgtest"
)

// patience is how long a test waits for one step (entries stored, a
// program back up) before it fails naming the step: each takes seconds,
// and a stuck one should fail with what it waited for rather than at go
// test's timeout.
const patience = 2 * time.Minute

// TestMain stops the PostgreSQL server the integration tests shared and
// removes the programs binaries built.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	if built.unit != "" {
		os.RemoveAll(filepath.Dir(built.unit))
	}
	os.Exit(code)
}
