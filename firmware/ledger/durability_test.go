package ledger

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// helperEnv names the ledger a re-executed test binary appends to.
const helperEnv = "KAKOU_LEDGER_HELPER_PATH"

// killAfter is how many committed appends the parent waits for before it
// kills the child: enough that the kill lands in the middle of a burst.
const killAfter = 300

// TestHelperProcess is not a test: run by TestAppendedEntriesSurviveProcessKill
// in a child process, it appends forever and prints each seq on stdout once
// Append has returned, which is the moment the gate would open.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestAppendedEntriesSurviveProcessKill")
	}
	l, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		e := sampleEntry(i)
		if err := l.Append(context.Background(), &e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintln(os.Stdout, e.Seq) // os.Stdout is unbuffered: one write per line
	}
}

func TestAppendedEntriesSurviveProcessKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "ledger.db")
	committed := runAndKillAppender(t, path)
	if committed < killAfter {
		t.Fatalf("child reported %d commits before dying, want at least %d", committed, killAfter)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer l.Close()
	all, err := l.Entries(context.Background(), 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	// Every reported seq must be there; the child may also have committed
	// one it did not live to report.
	if uint64(len(all)) < committed {
		t.Fatalf("ledger holds %d entries, child reported %d committed", len(all), committed)
	}
	wantSeqs(t, all, span(1, uint64(len(all)))...)
	for i, e := range all {
		if want := sampleEntry(i); e.ID != want.ID || !e.Time.Equal(want.Time) {
			t.Fatalf("seq %d holds %s at %v, want %s at %v", e.Seq, e.ID, e.Time, want.ID, want.Time)
		}
	}
	e := sampleEntry(len(all))
	if err := l.Append(context.Background(), &e); err != nil || e.Seq != uint64(len(all))+1 {
		t.Fatalf("append after reopen: seq %d, err %v; want %d", e.Seq, err, len(all)+1)
	}
}

// runAndKillAppender starts the helper, SIGKILLs it after killAfter reported
// commits, and returns the highest seq it reported. Reported seqs must be
// consecutive from 1.
func runAndKillAppender(t *testing.T, path string) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last uint64
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		seq, err := strconv.ParseUint(lines.Text(), 10, 64)
		if err != nil || seq != last+1 {
			cmd.Process.Kill()
			t.Fatalf("child reported %q after seq %d", lines.Text(), last)
		}
		last = seq
		if last == killAfter {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	cmd.Wait() // "signal: killed" is the expected outcome
	if cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed: %v", cmd.ProcessState)
	}
	return last
}
