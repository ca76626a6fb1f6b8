package collector

import (
	"cmp"

	"github.com/kakou/kakou/cloud/broker"
	"github.com/kakou/kakou/cloud/devicepass"
)

// serviceUser is the collector's own MQTT user name when the config
// names none.
const serviceUser = "kakou-cloud"

// requireDevices turns on device auth on the embedded broker b when
// [broker] auth = "devices". Without a configured service credential the
// collector makes one for this run: its ingest client is the only one
// that needs it, and a secret no file holds cannot leak from one.
func (c *Collector) requireDevices(b *broker.Broker) error {
	if c.cfg.Broker.Auth != AuthDevices {
		return nil
	}
	bc := &c.cfg.Broker
	if bc.Password == "" {
		bc.Username, bc.Password = cmp.Or(bc.Username, serviceUser), devicepass.New()
	}
	a, err := broker.NewDeviceAuth(c.store, broker.Service{Username: bc.Username, Password: bc.Password}, c.log)
	if err != nil {
		return err
	}
	c.log.Info("mqtt broker admits enrolled devices only", "service_user", bc.Username)
	return b.RequireDevices(a)
}
