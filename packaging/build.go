package packaging

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"time"
)

//go:embed debian
var debian embed.FS

// Maintainer is the Maintainer field of every package.
const Maintainer = "Kakou maintainers <kakou@example.gov.cn>"

// versionSymbols are the -X targets a program reports its version from (the
// Makefile's LDFLAGS name the same ones; makefile_test.go checks they exist).
var versionSymbols = []string{
	"github.com/kakou/kakou/firmware/unit.Version",
	"github.com/kakou/kakou/gateway/gateway.Version",
}

// Options say what Build makes and where.
type Options struct {
	Root     string    // the repository: go.mod and configs/
	Out      string    // where the .deb files go; created if missing
	Version  string    // a Debian version, e.g. 0.1234+g3907eb2: it must start with a digit
	Date     time.Time // the changelog's date and every file's mtime; zero: now
	Packages []string  // names from Specs; empty: all
	Archs    []string  // Debian architectures; empty: each package's own
	Log      *slog.Logger
}

// debianVersion is Debian policy 5.6.12 without an epoch or a revision: the
// packages are native, built from this tree.
var debianVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)

func (o *Options) check() error {
	if !debianVersion.MatchString(o.Version) {
		return fmt.Errorf("packaging: version %q is not a Debian version: start with a digit and use only letters, digits and . + ~ (e.g. 0.1234+g3907eb2)", o.Version)
	}
	if _, err := os.Stat(filepath.Join(o.Root, "go.mod")); err != nil {
		return fmt.Errorf("packaging: %s is not the repository root (no go.mod): pass the folder holding go.mod", o.Root)
	}
	for _, n := range o.Packages {
		if _, err := Lookup(n); err != nil {
			return err
		}
	}
	if o.Date.IsZero() {
		o.Date = time.Now().UTC().Truncate(time.Second)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return os.MkdirAll(o.Out, 0o755)
}

// Build builds the programs and writes their packages to o.Out, returning
// the files written.
func Build(ctx context.Context, o Options) ([]string, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "kakou-packages-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	var written []string
	for _, s := range Specs {
		if len(o.Packages) > 0 && !contains(o.Packages, s.Name) {
			continue
		}
		for _, a := range s.Archs {
			if len(o.Archs) > 0 && !contains(o.Archs, a.Debian) {
				continue
			}
			path, err := buildOne(ctx, o, s, a, filepath.Join(work, s.Name+"-"+a.Debian))
			if err != nil {
				return written, err
			}
			o.Log.Info("built", "package", filepath.Base(path))
			written = append(written, path)
		}
	}
	return written, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compile builds s's program for a into dir with CGO off: the unit's SQLite
// is pure Go, so one static binary runs on every Pi.
func compile(ctx context.Context, o Options, s Spec, a Arch, dir string) (string, error) {
	out := filepath.Join(dir, s.Name)
	ldflags := "-s -w"
	for _, sym := range versionSymbols {
		ldflags += " -X " + sym + "=" + o.Version
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", ldflags, "-o", out, s.Program)
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+a.GOARCH, "GOARM="+a.GOARM)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("packaging: go build %s for %s: %w\n%s", s.Program, a.Debian, err, b)
	}
	return out, nil
}

// render writes the embedded file name, run as a template over s, to dir.
func render(name, dir string, s Spec, o Options) (string, error) {
	b, err := debian.ReadFile("debian/" + name)
	if err != nil {
		return "", err
	}
	t, err := template.New(name).Parse(string(b))
	if err != nil {
		return "", fmt.Errorf("packaging: %s: %w", name, err)
	}
	var buf bytes.Buffer
	data := struct {
		Spec
		Version, Date, Maintainer string
	}{s, o.Version, o.Date.Format(time.RFC1123Z), Maintainer}
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("packaging: %s: %w", name, err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(name, ".tmpl"))
	return out, os.WriteFile(out, buf.Bytes(), 0o644)
}

// gzipped writes src gzipped to dst with no name and no time in the header,
// as lintian wants of a changelog (package-contains-timestamped-gzip).
func gzipped(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}
