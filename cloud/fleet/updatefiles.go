package fleet

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// releasePath is where a release's binary lives under dir; every part is
// checked, so no request can name a file outside it.
func releasePath(dir, program, version, arch string) (string, error) {
	if !slices.Contains(wire.UpdatePrograms, program) {
		return "", fmt.Errorf("fleet: release program %q: want one of %v", program, wire.UpdatePrograms)
	}
	if _, err := wire.ParseSemver(version); err != nil {
		return "", fmt.Errorf("fleet: release version: %w", err)
	}
	if !slices.Contains(wire.UpdateArches, arch) {
		return "", fmt.Errorf("fleet: release arch %q: want one of %v", arch, wire.UpdateArches)
	}
	return filepath.Join(dir, program, version, arch, program), nil
}

// UpdateFiles serves the binaries under dir at
// /updates/<program>/<version>/<arch>, with Range requests, so a device
// resumes a cut download. A binary is tens of MiB over a site's uplink,
// so each response gets a write deadline of its own, longer than the API
// server's.
func UpdateFiles(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/updates/"), "/")
		if len(parts) != 3 || r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "want GET /updates/<program>/<version>/<arch>", http.StatusNotFound)
			return
		}
		path, err := releasePath(dir, parts[0], parts[1], parts[2])
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, "no such release on this collector", http.StatusNotFound)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			http.Error(w, "no such release on this collector", http.StatusNotFound)
			return
		}
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(15 * time.Minute))
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}
