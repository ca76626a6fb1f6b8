package sqlite

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestUpdateOutcomesConformance(t *testing.T) {
	storetest.Updates(t, func(t *testing.T) storetest.UpdateStore { return openTemp(t) })
}
