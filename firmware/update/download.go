package update

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// ErrMismatch is what a download whose bytes are not the signed ones
// returns: another size, or another sha256.
var ErrMismatch = errors.New("update: the downloaded binary is not the one the centre signed")

// partName is where a push's binary is downloaded to: one name per
// program, version and architecture, so a resumed download continues the
// same binary and never another's.
func partName(p *wire.UpdatePush) string {
	return p.Program + "-" + p.Version + "-" + p.Arch + ".part"
}

// download fetches p's binary into dir, resuming from what an earlier,
// cut download left there, and returns the path of a file whose size and
// sha256 are the push's. A file that does not match is removed, so the
// next try starts over rather than resume from bad bytes.
func download(ctx context.Context, c *http.Client, dir string, p *wire.UpdatePush) (string, error) {
	path := filepath.Join(dir, partName(p))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return "", fmt.Errorf("update: download: %w", err)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return "", fmt.Errorf("update: download: %w", err)
	}
	if have > p.Size {
		have = 0 // longer than the signed size: not ours; start over
	}
	if have < p.Size {
		if err := fetch(ctx, c, f, p, have); err != nil {
			return "", err
		}
	}
	if err := check(f, p); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// fetch appends the bytes from offset have to f.
func fetch(ctx context.Context, c *http.Client, f *os.File, p *wire.UpdatePush, have int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return fmt.Errorf("update: download %s: %w", p.URL, err)
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("update: download %s: %w (it resumes from %d bytes on the next try)", p.URL, err, have)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0 && rangeStarts(resp.Header.Get("Content-Range"), have):
	case resp.StatusCode == http.StatusOK:
		have = 0 // the server sent the whole file
	default:
		return fmt.Errorf("update: download %s: the collector answered %s", p.URL, resp.Status)
	}
	if err := f.Truncate(have); err != nil {
		return fmt.Errorf("update: download: %w", err)
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return fmt.Errorf("update: download: %w", err)
	}
	// One byte more than the signed size reveals a longer file without
	// ever writing more than Size+1 bytes into the budget.
	n, err := io.Copy(f, io.LimitReader(resp.Body, p.Size-have+1))
	if err != nil {
		f.Sync()
		return fmt.Errorf("update: download %s: cut after %d bytes: %w (it resumes on the next try)", p.URL, have+n, err)
	}
	return f.Sync()
}

// rangeStarts reports whether a Content-Range header ("bytes 100-199/200")
// starts at off.
func rangeStarts(h string, off int64) bool {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return false
	}
	start, _, ok := strings.Cut(rest, "-")
	n, err := strconv.ParseInt(start, 10, 64)
	return ok && err == nil && n == off
}

// check compares f's size and sha256 with the push's.
func check(f *os.File, p *wire.UpdatePush) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("update: check download: %w", err)
	}
	if st.Size() != p.Size {
		return fmt.Errorf("%w: %d bytes, the signed size is %d", ErrMismatch, st.Size(), p.Size)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("update: check download: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("update: check download: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != p.SHA256 {
		return fmt.Errorf("%w: sha256 %s, the signed one is %s", ErrMismatch, got, p.SHA256)
	}
	return nil
}
