package lan

import (
	"fmt"
	"strconv"

	"github.com/BurntSushi/toml"

	"github.com/kakou/kakou/firmware/wire"
)

// CapacityOf reads the cap from a policy document: [checks.capacity] max,
// or 0 (no cap) when the check's mode is "off". Only these two keys are
// read; the units validate the whole document before they run it.
func CapacityOf(document string) (int, error) {
	var doc struct {
		Checks struct {
			Capacity struct {
				Mode string `toml:"mode"`
				Max  int    `toml:"max"`
			} `toml:"capacity"`
		} `toml:"checks"`
	}
	if _, err := toml.Decode(document, &doc); err != nil {
		return 0, fmt.Errorf("policy: %w", err)
	}
	c := doc.Checks.Capacity
	switch {
	case c.Mode == "off" || c.Mode == "":
		return 0, nil
	case c.Max < 0 || c.Max > 1_000_000:
		return 0, fmt.Errorf("policy: checks.capacity.max %d is not 0..1000000", c.Max)
	}
	return c.Max, nil
}

// handlePolicy learns the capacity from a policy the bridge relayed to one
// of the site's units. The push is the unit's; the gateway only reads it.
func (s *Server) handlePolicy(topic string, payload []byte) error {
	tSite, tUnit, _, err := wire.ParseTopic(topic)
	if err != nil {
		return err
	}
	p, err := wire.DecodePolicyPush(payload)
	if err != nil {
		return err
	}
	if err := belongs(s.opts.Site, tSite, tUnit, p.Site, p.Unit); err != nil {
		return err
	}
	n, err := CapacityOf(p.Document)
	if err != nil {
		return fmt.Errorf("lan: policy %s for %s: %w", p.Version, p.Unit, err)
	}
	return s.setCapacity(n, p.Version)
}

func (s *Server) setCapacity(n int, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == s.site.Capacity() {
		return nil
	}
	if err := s.opts.Store.SetSetting(s.ctx, settingCapacity, strconv.Itoa(n)); err != nil {
		return err
	}
	s.log.Info("capacity set by policy push", "capacity", n, "was", s.site.Capacity(), "version", version)
	s.site.SetCapacity(n)
	return s.publishFlows(s.ctx, true)
}
