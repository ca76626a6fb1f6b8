package unit

import (
	"fmt"
	"slices"
	"time"
)

// IDCardConfig is [idcard]: the lane's resident ID card reader (身份证阅读器),
// the no-phone path. Driver "serial" reads a SAM-module reader on Port at
// Baud; "sim" places a sample card every SimEvery, for the demo; "" (the
// default) means the lane has no reader.
type IDCardConfig struct {
	Driver string `toml:"driver"`
	Port   string `toml:"port"` // /dev/ttyUSB1
	// Baud is the reader's serial rate: 115200 is the SAM modules'
	// factory setting; 0 takes it.
	Baud int `toml:"baud"`
	// SimEvery is how often the simulated reader places a card; 0: 30s.
	SimEvery Duration `toml:"sim_every"`
}

// DefaultIDCardBaud is the usual SAM-module reader's rate.
const DefaultIDCardBaud = 115200

// defaultSimEvery paces the simulated reader: a card now and then among
// the simulated crowd's scans.
const defaultSimEvery = 30 * time.Second

var idCardBauds = []int{9600, 19200, 38400, 57600, 115200}

func (c IDCardConfig) baud() int {
	if c.Baud == 0 {
		return DefaultIDCardBaud
	}
	return c.Baud
}

func (c IDCardConfig) simEvery() time.Duration {
	if c.SimEvery.Duration == 0 {
		return defaultSimEvery
	}
	return c.SimEvery.Duration
}

// idCardProblems checks [idcard] against the rest of the config.
func (c Config) idCardProblems() []string {
	var p []string
	ic := c.IDCard
	switch ic.Driver {
	case "":
		if ic.Port != "" {
			p = append(p, fmt.Sprintf("idcard.driver: not set, but idcard.port is %q: set driver = \"serial\" to use the reader, or remove the port", ic.Port))
		}
	case "sim":
		if d := ic.SimEvery.Duration; d != 0 && (d < time.Second || d > time.Hour) {
			p = append(p, fmt.Sprintf("idcard.sim_every: %s: want 1s to 1h (30s is usual)", d))
		}
	case "serial":
		switch ic.Port {
		case "":
			p = append(p, "idcard.port: required with driver \"serial\": the reader's serial device, e.g. /dev/ttyUSB1 (kakou-unit probe lists them)")
		case c.Scanner.Port:
			p = append(p, fmt.Sprintf("idcard.port: %q is the scanner's port too: the card reader needs its own", ic.Port))
		case c.Printer.Port:
			p = append(p, fmt.Sprintf("idcard.port: %q is the printer's port too: the card reader needs its own", ic.Port))
		}
	default:
		p = append(p, fmt.Sprintf("idcard.driver: %q, want \"serial\", \"sim\" or leave it out for no reader", ic.Driver))
	}
	if ic.Baud != 0 && !slices.Contains(idCardBauds, ic.Baud) {
		p = append(p, fmt.Sprintf("idcard.baud: %d: want one of %v (115200 is the usual reader's), or leave it out", ic.Baud, idCardBauds))
	}
	return p
}
