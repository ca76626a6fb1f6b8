package postgres

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestStaffConformance(t *testing.T) {
	storetest.Staff(t, func(t *testing.T) storetest.StaffStore { return openPG(t) })
}
