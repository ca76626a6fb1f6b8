package packaging

import (
	"os"
	"testing"
)

// TestMain removes the packages built once for the whole run.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}
