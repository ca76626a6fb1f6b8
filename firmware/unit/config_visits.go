package unit

import (
	"fmt"
	"hash/fnv"
)

// VisitsConfig shapes the visit codes an entrance hands registered
// visitors (firmware/visit).
type VisitsConfig struct {
	// Prefix is the first digit of the lane's six-digit visit codes, 1-9.
	// Entrances of one site that register visitors need distinct ones, or
	// a typed code may name two visits (the QR never does: it names the
	// lane). 0: a digit derived from the unit id, which two entrances
	// share one time in nine — set it where a site has several.
	Prefix int `toml:"prefix"`
}

// prefix is the configured digit, or the one derived from unit.
func (v VisitsConfig) prefix(unit string) int {
	if v.Prefix != 0 {
		return v.Prefix
	}
	h := fnv.New32a()
	h.Write([]byte(unit))
	return int(h.Sum32()%9) + 1
}

// PrinterConfig names the ESC/POS receipt printer (drivers/escpos) visit
// codes are printed on; no port: no printer.
type PrinterConfig struct {
	Port string `toml:"port"` // /dev/ttyUSB1
	Baud int    `toml:"baud"` // 9600 is the usual factory setting
	// Latin prints ASCII only, for a printer without a Chinese font.
	Latin bool `toml:"latin"`
}

func (c Config) visitProblems() []string {
	var p []string
	if c.Visits.Prefix < 0 || c.Visits.Prefix > 9 {
		p = append(p, fmt.Sprintf("visits.prefix: %d: want 1-9, distinct for each entrance of the site, or 0 to derive one", c.Visits.Prefix))
	}
	if c.Printer.Port != "" && (c.Printer.Baud < 1200 || c.Printer.Baud > 921600) {
		p = append(p, fmt.Sprintf("printer.baud: %d: want the printer's rate, 1200-921600 (9600 is usual)", c.Printer.Baud))
	}
	if c.Printer.Port != "" && c.Printer.Port == c.Scanner.Port {
		p = append(p, fmt.Sprintf("printer.port: %q is the scanner's port too", c.Printer.Port))
	}
	return p
}
