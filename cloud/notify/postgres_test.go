package notify

import (
	"os"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/cloud/store/postgres"
)

// TestMain stops the PostgreSQL server pgtest may have started.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// Three collectors on one PostgreSQL database (a city's deployment) send
// each alert to each channel once: the outbox's key and SKIP LOCKED leases.
func TestCollectorsSharingPostgreSQLSendEachNotificationOnce(t *testing.T) {
	dsn := pgtest.Start(t) // skipped without PostgreSQL unless KAKOU_INTEGRATION=1
	p, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	sendersAgree(t, h, hook, p)
}
