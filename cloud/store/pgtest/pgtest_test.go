package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestStartGivesEachCallerItsOwnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := Start(t), Start(t)
	if a == b {
		t.Fatalf("two calls returned the same database %s", a)
	}
	if _, err := connect(t, a).Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	err := connect(t, b).QueryRow(ctx,
		"SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_a'").Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("second database sees %d tables of the first (err %v), want 0", n, err)
	}
}

func TestServerIsThrowawayAndOnLoopback(t *testing.T) {
	conn := connect(t, Start(t))
	var fsync, listen string
	ctx := context.Background()
	if err := conn.QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if fsync != "off" || listen != "127.0.0.1" {
		t.Fatalf("fsync=%s listen_addresses=%s, want off and 127.0.0.1", fsync, listen)
	}
}
