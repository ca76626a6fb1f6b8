package collector

import (
	"net/url"
	"strings"

	"github.com/kakou/kakou/cloud/fleet"
)

// validateUpdates checks [updates] base_url: the address devices download
// the binaries from, which every signed push names, so it must be the
// collector's public https address and nothing else.
func (c Config) validateUpdates(bad func(key, format string, args ...any)) {
	b := c.Updates.BaseURL
	if b == "" {
		return
	}
	u, err := url.Parse(b)
	switch {
	case err != nil:
		bad("updates.base_url", "%q: %v; want the collector's public address, e.g. https://kakou.example.gov.cn:8443", b, err)
	case u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "":
		bad("updates.base_url", "%q: want https://host[:port] and nothing more (devices download only over https), e.g. https://kakou.example.gov.cn:8443", b)
	}
	if c.Updates.Dir == "" {
		bad("updates.dir", "is empty but base_url is set: name the folder of the binaries to roll out")
	}
}

// rolloutCentre is the centre's rollouts (fleet.Centre) when [updates]
// names both a folder and base_url, signed with the policy key; nil
// otherwise, and POST /api/v1/updates says what to configure.
func (c *Collector) rolloutCentre() (*fleet.Centre, error) {
	u := c.cfg.Updates
	st, ok := c.store.(fleet.CentreStore)
	if u.Dir == "" || u.BaseURL == "" || !ok {
		return nil, nil
	}
	centre := fleet.NewCentre(st, c.ingest, u.Dir, u.BaseURL, c.cfg.Regions())
	if err := c.signPush("program updates", centre); err != nil {
		return nil, err
	}
	return centre, nil
}
