package unit

import (
	"context"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// healthEvery is how often device health is sampled. With the scanner's
// 200 ms read timeout a pulled cable shows in the status within a second.
const healthEvery = 500 * time.Millisecond

// watchHealth samples the devices and, on every change, logs it for the
// guard and republishes the unit's status for the control room.
func (u *Unit) watchHealth(ctx context.Context) {
	tick := time.NewTicker(healthEvery)
	defer tick.Stop()
	for {
		now := u.devices.report()
		if last := u.Devices(); !slices.Equal(now, last) {
			u.logHealth(last, now)
			u.uplink.SetDevices(now)
			u.health.Store(&now)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (u *Unit) logHealth(before, now []wire.Device) {
	for i, d := range now {
		switch {
		case !d.OK:
			u.log.Warn("device fault", "device", d.Name, "detail", d.Detail)
		case i < len(before) && !before[i].OK:
			u.log.Info("device recovered", "device", d.Name)
		}
	}
}

// Devices is the latest health of the unit's devices that can fail.
func (u *Unit) Devices() []wire.Device {
	if p := u.health.Load(); p != nil {
		return *p
	}
	return nil
}
