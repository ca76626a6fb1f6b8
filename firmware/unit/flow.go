package unit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kakou/kakou/firmware/wire"
)

// Behind a site gateway an entrance lane admits people against the
// gateway's grant (wire.Flow; the counting is in screening/flow.go). The
// cap must hold when the lane is cut off from its gateway, also
// across a reboot: a unit that came back up without its gateway and
// admitted freely would break it. So the latest flow is kept in the data
// directory and restored at start, when the unit still talks to the same
// broker; what the lane used of it is counted again from the ledger. A
// unit moved to another broker (a site that dropped its gateway) starts
// without one, as a unit connected straight to the cloud always does.

// flowFile, in the data directory, holds the latest flow taken.
const flowFile = "flow.json"

// savedFlow is flowFile's content.
type savedFlow struct {
	Broker string    `json:"broker"` // mqtt.broker (or brokers, joined) when it was received
	Flow   wire.Flow `json:"flow"`
}

func (u *Unit) flowPath() string { return filepath.Join(u.cfg.DataDir, flowFile) }

// onFlow is the uplink's OnFlow hook. It may admit a person held at the
// gate, so it runs on the uplink's hand-over goroutine, never on paho's.
func (u *Unit) onFlow(f wire.Flow) {
	taken, err := u.pipeline.SetFlow(context.Background(), f)
	if err != nil {
		u.log.Error("flow from the site gateway not fully applied", "seq", f.Seq, "err", err)
	}
	if !taken {
		return
	}
	if err := saveFlow(u.flowPath(), savedFlow{Broker: u.cfg.MQTT.Where(), Flow: f}); err != nil {
		u.log.Warn("flow not saved: after a reboot the lane waits for the gateway's flow to limit entries",
			"seq", f.Seq, "err", err)
	}
}

// saveFlow replaces path atomically. It does not wait for the card: a flow
// lost to a power cut leaves the one before, whose grant is never larger
// than what is left of it (wire.Flow), so counting against it is safe.
func saveFlow(path string, s savedFlow) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("%w (is data_dir writable?)", err)
	}
	return os.Rename(tmp, path)
}

// restoreFlow takes the saved flow at start, if it came through this
// broker; anything wrong with the file is reported and the lane starts
// without a count until the gateway's retained flow arrives.
func (u *Unit) restoreFlow() {
	b, err := os.ReadFile(u.flowPath())
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var s savedFlow
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err == nil {
		err = s.Flow.Validate()
	}
	if err == nil && (s.Flow.Site != u.cfg.Site || s.Flow.Unit != u.cfg.Unit) {
		err = fmt.Errorf("flow for %s/%s, but this unit is %s/%s", s.Flow.Site, s.Flow.Unit, u.cfg.Site, u.cfg.Unit)
	}
	if err == nil && s.Broker != u.cfg.MQTT.Where() {
		u.log.Info("saved flow not restored: it came through another broker", "file", u.flowPath(), "broker", s.Broker)
		return
	}
	if err == nil {
		_, err = u.pipeline.SetFlow(context.Background(), s.Flow)
	}
	if err != nil {
		u.log.Error("saved flow not restored; the lane waits for the gateway's flow to limit entries",
			"file", u.flowPath(), "err", err)
		return
	}
	u.log.Info("flow from the site gateway restored", "seq", s.Flow.Seq, "capacity", s.Flow.Capacity,
		"after_seq", s.Flow.AfterSeq, "allowance", s.Flow.Allowance)
}
