package ingest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// needMosquitto skips when the broker is not installed, unless
// KAKOU_INTEGRATION=1 says the run must exercise it (make check).
func needMosquitto(t testing.TB) {
	t.Helper()
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped under -short")
	}
	testenv.Need(t, "mosquitto")
}

// freePort asks the kernel for a free port; mosquitto needs a number.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMosquitto runs a throwaway broker and returns its URL; conf is
// added to its configuration file.
func startMosquitto(t testing.TB, conf ...string) string {
	t.Helper()
	port := freePort(t)
	path := filepath.Join(t.TempDir(), "mosquitto.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n", port)
	if err := os.WriteFile(path, []byte(body+strings.Join(conf, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd := exec.Command(testenv.Need(t, "mosquitto"), "-c", path)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	testenv.Await(t, "mosquitto accepts connections on "+addr, wait, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	t.Logf("mosquitto on %s", addr)
	return "tcp://" + addr
}

func TestIngestIntegrationMosquitto(t *testing.T) {
	needMosquitto(t)
	url, s := startMosquitto(t), openStore(t)
	in := startIngest(t, s, url, "kakou-cloud")
	u := unit(t, url)
	topic := wire.EntryTopic("site-a", "u1")

	for round := 0; round < 2; round++ { // the second round is an outbox re-send
		for seq := uint64(1); seq <= 3; seq++ {
			publish(t, u, topic, false, entry("site-a", "u1", seq))
		}
	}
	forged := entry("site-a", "u1", 2) // another entry claiming seq 2
	forged.ID = "u1-2-under-another-id"
	publish(t, u, topic, false, forged)
	testenv.Await(t, "7 messages handled", wait, handled(in, 7))
	if got := entries(t, s); len(got) != 3 {
		t.Fatalf("stored %d entries, want 3", len(got))
	}
	if stats := in.Stats(); stats != (Stats{Accepted: 7, Duplicates: 3, Conflicts: 1}) {
		t.Fatalf("stats = %+v, want 7 accepted: 3 duplicates and 1 conflict set aside", stats)
	}
	acks := watchAcks(t, url, "watch") // the retained ack, from mosquitto this time
	testenv.Await(t, "u1 acknowledged up to 3", wait, acks.reaches("u1", 3))

	in.Stop() // the collector goes down; mosquitto queues for its session
	for seq := uint64(4); seq <= 5; seq++ {
		publish(t, u, topic, false, entry("site-a", "u1", seq))
	}
	again := startIngest(t, s, url, "kakou-cloud")
	testenv.Await(t, "queued entries delivered", wait, handled(again, 2))
	if got := entries(t, s); len(got) != 5 {
		t.Fatalf("stored %d entries after restart, want 5", len(got))
	}
	testenv.Await(t, "u1 acknowledged up to 5 after the restart", wait, acks.reaches("u1", 5))
}

// TestSharedGroupForgetsAMemberThatLeftIntegrationMosquitto is the fault
// behind a scale-out run that stalled: mosquitto went on handing a share of
// every entry to a replica that had gone, queued in its persistent session,
// so the units' acknowledgements stuck at the first entry it took.
func TestSharedGroupForgetsAMemberThatLeftIntegrationMosquitto(t *testing.T) {
	needMosquitto(t)
	url, s := startMosquitto(t), openStore(t)
	members := make([]*Ingest, 2)
	for i := range members {
		in, err := New(s, Options{BrokerURL: url, ClientID: fmt.Sprintf("kakou-cloud-%d", i), SharedGroup: "collectors"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err = in.Start(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(in.Stop)
		members[i] = in
	}
	members[1].Stop() // it never comes back

	const n = 20
	u := unit(t, url)
	for seq := uint64(1); seq <= n; seq++ {
		publish(t, u, wire.EntryTopic("site-a", "u1"), false, entry("site-a", "u1", seq))
	}
	testenv.Await(t, "every entry stored by the member still there", wait, handled(members[0], n))
	if got := entries(t, s); len(got) != n {
		t.Fatalf("stored %d entries, want all %d", len(got), n)
	}
}
