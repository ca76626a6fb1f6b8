package postgres

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestTrustConformance(t *testing.T) {
	storetest.Trust(t, func(t *testing.T) storetest.TrustStore { return openPG(t) })
}
