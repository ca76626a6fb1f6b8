package serialscanner

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenWithoutScannerReportsUnpluggedAndKeepsTrying(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(dir string) string
		wantErr func(error) bool
	}{
		{"absent device", func(dir string) string { return filepath.Join(dir, "ttyACM0") },
			func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"not a serial port", func(dir string) string {
			p := filepath.Join(dir, "file")
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, func(err error) bool { return strings.Contains(err.Error(), "Invalid serial port") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOpts
			opts.Port = tc.setup(t.TempDir())
			opts.ReopenMin, opts.ReopenMax = time.Millisecond, 5*time.Millisecond
			s, err := Open(&opts)
			if err != nil {
				t.Fatalf("Open = %v, want a Scanner that waits for the device", err)
			}
			defer s.Close()
			st := s.State()
			if st.Status != Unplugged || s.Healthy() || st.Err == nil || !tc.wantErr(st.Err) {
				t.Errorf("State = %+v, want unplugged with the open error", st)
			}
			if !strings.HasPrefix(st.Err.Error(), "serialscanner: open "+opts.Port) {
				t.Errorf("Err = %q, want it to name the port", st.Err)
			}
		})
	}
}

func TestScanReturnsWhenContextEndsOrScannerCloses(t *testing.T) {
	opts := DefaultOpts
	opts.Port = filepath.Join(t.TempDir(), "absent")
	s, err := Open(&opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Scan(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan(cancelled) = %v, want context.Canceled", err)
	}

	closeDuringScan(t, s)
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if st := s.State(); st.Status != Unplugged || !errors.Is(st.Err, ErrClosed) {
		t.Errorf("State after Close = %+v", st)
	}
}

func TestLinksByTargetFindsStableNames(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "ttyACM0")
	other := filepath.Join(dir, "ttyAMA0")
	for _, f := range []string{dev, other} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	byID := filepath.Join(dir, "by-id")
	if err := os.Mkdir(byID, 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		filepath.Join(byID, "usb-Newland_NLS-FR40_0001-if00"): "../ttyACM0",
		filepath.Join(byID, "usb-dangling-if00"):              "../ttyACM9",
		filepath.Join(dir, "serial0"):                         "ttyAMA0",
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	got := linksByTarget([]string{filepath.Join(byID, "*"), filepath.Join(dir, "serial[0-9]")})
	if len(got) != 2 ||
		strings.Join(got[dev], ",") != filepath.Join(byID, "usb-Newland_NLS-FR40_0001-if00") ||
		strings.Join(got[other], ",") != filepath.Join(dir, "serial0") {
		t.Errorf("linksByTarget = %v", got)
	}
}

func TestListReturnsThisMachinesPorts(t *testing.T) {
	ports, err := List()
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	for _, p := range ports {
		if !strings.HasPrefix(p.Name, "/dev/") {
			t.Errorf("port %+v: name not a device path", p)
		}
	}
	t.Logf("%d ports: %+v", len(ports), ports)
}

// closeDuringScan closes s while a Scan waits and checks that Scan ends
// with ErrClosed rather than hanging.
func closeDuringScan(t *testing.T, s *Scanner) {
	t.Helper()
	got := make(chan error, 1)
	go func() {
		_, err := s.Scan(context.Background())
		got <- err
	}()
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Errorf("Scan during Close = %v, want ErrClosed", err)
	}
}
