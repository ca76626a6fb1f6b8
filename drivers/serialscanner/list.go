package serialscanner

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// PortInfo describes a serial port, for the probe command that helps an
// installer find the scanner.
type PortInfo struct {
	// Name is the kernel's device, such as /dev/ttyACM0.
	Name string
	// Links are the stable names pointing at it (/dev/serial/by-id/…,
	// /dev/serial0): put one of those in the config.
	Links []string
	// IsUSB and the rest come from sysfs when the port is a USB device.
	IsUSB                                         bool
	VID, PID, SerialNumber, Manufacturer, Product string
}

// linkGlobs are where udev and Raspberry Pi OS put stable serial names.
var linkGlobs = []string{"/dev/serial/by-id/*", "/dev/serial/by-path/*", "/dev/serial[0-9]"}

// List returns the serial ports present, sorted by name. USB details are
// added where the enumerator can read them; without them a port is still
// listed. Pseudo-terminals are not serial ports and are not listed.
func List() ([]PortInfo, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, fmt.Errorf("serialscanner: list ports: %w", err)
	}
	usb := usbDetails()
	links := linksByTarget(linkGlobs)
	ports := make([]PortInfo, 0, len(names))
	for _, name := range names {
		p := PortInfo{Name: name, Links: links[name]}
		if d, ok := usb[name]; ok {
			p.IsUSB, p.VID, p.PID, p.SerialNumber = d.IsUSB, d.VID, d.PID, d.SerialNumber
			p.Manufacturer, p.Product = d.Manufacturer, d.Product
		}
		ports = append(ports, p)
	}
	slices.SortFunc(ports, func(a, b PortInfo) int { return cmp.Compare(a.Name, b.Name) })
	return ports, nil
}

// usbDetails maps port names to their USB details. It is best effort: the
// enumerator gives up on the whole list if one sysfs entry is unreadable,
// and the ports are worth listing anyway.
func usbDetails() map[string]*enumerator.PortDetails {
	details, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil
	}
	m := make(map[string]*enumerator.PortDetails, len(details))
	for _, d := range details {
		if d.Name != "" {
			m[d.Name] = d
		}
	}
	return m
}

// linksByTarget maps each symlink matching globs to the device it resolves
// to, giving target → sorted links.
func linksByTarget(globs []string) map[string][]string {
	m := map[string][]string{}
	for _, g := range globs {
		matches, _ := filepath.Glob(g) // the patterns are constant and valid
		for _, link := range matches {
			target, err := filepath.EvalSymlinks(link)
			if err != nil || target == link {
				continue
			}
			m[target] = append(m[target], link)
		}
	}
	for _, links := range m {
		slices.Sort(links)
	}
	return m
}
