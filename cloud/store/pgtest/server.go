package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is one running postgres process and the directory it owns.
type server struct {
	dir     string // data directory, socket and log
	port    int
	version int // server_version_num, such as 150018
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
}

// start creates a cluster in a new temporary directory and runs postgres
// on it. A port taken between finding it free and binding it is retried.
func start() (*server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	// Under /tmp rather than t.TempDir: the postgres user must be able
	// to reach it, and root's test directories are private.
	dir, err := os.MkdirTemp("", "kakou-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	if err = s.initdb(bin, cred); err == nil {
		for range 3 {
			if err = s.run(bin, cred); err == nil || !strings.Contains(err.Error(), "could not bind") {
				break
			}
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// findBin is the newest PostgreSQL's bin directory: Debian keeps its
// binaries off PATH, under /usr/lib/postgresql/<major>/bin.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "postgres")) && isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil && isExec(filepath.Join(filepath.Dir(p), "initdb")) {
		return filepath.Dir(p), nil
	}
	return "", &missingError{"PostgreSQL is not installed (no postgres and initdb under /usr/lib/postgresql/*/bin or on PATH)"}
}

func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// runAs is who runs initdb and postgres: the caller, unless it is root,
// which both refuse; then the postgres user the Debian package creates.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, &missingError{"running as root, and there is no postgres user to run PostgreSQL as"}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// command runs a PostgreSQL binary as cred in the server's directory.
// The server is told to shut down if the test binary dies without Stop.
func (s *server) command(bin, name string, cred *syscall.Credential, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	return cmd
}

func (s *server) initdb(bin string, cred *syscall.Credential) error {
	if cred != nil {
		if err := os.Chown(s.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("give %s to the postgres user: %w", s.dir, err)
		}
	}
	cmd := s.command(bin, "initdb", cred, "-D", filepath.Join(s.dir, "data"), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// run starts postgres on a free port and waits until it takes
// connections. Durability settings are off: the data is thrown away.
func (s *server) run(bin string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	var log bytes.Buffer
	cmd := s.command(bin, "postgres", cred, "-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(port), "-k", s.dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.port, s.cmd, s.done = port, cmd, done
	if err := s.await(); err != nil {
		s.stopProcess()
		return fmt.Errorf("%w\npostgres log:\n%s", err, log.String())
	}
	return nil
}

// await waits until the server accepts a connection, it exits, or 30 s
// pass, and reads its version.
func (s *server) await() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		if err == nil {
			err = conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&s.version)
			conn.Close(ctx)
			cancel()
			return err
		}
		cancel()
		select {
		case <-s.done:
			return errors.New("postgres exited during startup")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not take connections within 30s: %w", err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// stop shuts the server down (fast shutdown: sessions are ended) and
// removes its directory.
func (s *server) stop() {
	s.stopProcess()
	os.RemoveAll(s.dir)
}

func (s *server) stopProcess() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}
