package collector

import (
	"net/http"
	"strings"

	"github.com/kakou/kakou/cloud/fleet"
)

// UpdatesConfig is [updates]: the folder of program binaries the
// collector serves to devices over its HTTPS listener, at
// /updates/<program>/<version>/<arch> from
// <dir>/<program>/<version>/<arch>/<program> (fleet.UpdateFiles). ""
// serves none. The binaries are not secret: a device installs one only if
// the centre's signed push names its sha256.
type UpdatesConfig struct {
	Dir string `toml:"dir"`
	// BaseURL is the collector's public https address the devices
	// download from (https://kakou.example.gov.cn:8443); a push names
	// base_url + /updates/<program>/<version>/<arch>. Rollouts
	// (POST /api/v1/updates) need it; see rollouts.go.
	BaseURL string `toml:"base_url"`
}

// withUpdateFiles puts the update files in front of the API's handler.
func withUpdateFiles(api http.Handler, dir string) http.Handler {
	if dir == "" {
		return api
	}
	files := fleet.UpdateFiles(dir)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/updates/") {
			files.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
