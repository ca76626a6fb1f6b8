package postgres

import (
	"testing"

	"github.com/kakou/kakou/cloud/store/storetest"
)

func TestWatchConformance(t *testing.T) {
	storetest.Watch(t, func(t *testing.T) storetest.WatchStore { return openPG(t) })
}
