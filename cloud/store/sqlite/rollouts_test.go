package sqlite

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestRollouts(t *testing.T) {
	storetest.Rollouts(t, func(t *testing.T) storetest.RolloutStore { return openTemp(t) })
}
