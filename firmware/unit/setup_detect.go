package unit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/kakou/kakou/drivers/mlx90614"
	"github.com/kakou/kakou/drivers/serialscanner"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// errNoI2C explains what an installer does on a Pi whose I2C is off, which
// is how Raspberry Pi OS ships.
var errNoI2C = errors.New("未找到 I2C 总线 / no I2C bus found: 运行 sudo raspi-config → Interface Options → I2C → 是，然后重启 / " +
	"run sudo raspi-config, choose Interface Options, I2C, Yes, reboot, and run setup again " +
	"(or -thermometer sim on a bench without one)")

// findThermometer looks for an MLX90614 at addr on every I2C bus periph
// knows and returns the first bus it answers on. The driver's own probe
// (emissivity and ambient, both PEC-checked) is the test, so noise on an
// empty bus is not mistaken for a thermometer.
func findThermometer(w io.Writer, addr uint16) (string, error) {
	if _, err := host.Init(); err != nil {
		return "", fmt.Errorf("periph host init: %w", err)
	}
	refs := i2creg.All()
	if len(refs) == 0 {
		return "", errNoI2C
	}
	o := mlx90614.DefaultOpts
	o.Addr = addr
	var tried []string
	for _, r := range refs {
		tried = append(tried, r.Name)
		bus, err := r.Open()
		if err != nil {
			fmt.Fprintf(w, "  I2C %s: 打不开 / cannot open: %v\n", r.Name, err)
			continue
		}
		dev, err := mlx90614.New(bus, &o)
		if err != nil {
			fmt.Fprintf(w, "  I2C %s: 0x%02X 无应答 / nothing answers at 0x%02X\n", r.Name, addr, addr)
			bus.Close()
			continue
		}
		amb, _ := dev.Ambient()
		fmt.Fprintf(w, "  I2C %s: 找到测温仪 / thermometer found at 0x%02X (ambient %s)\n", r.Name, addr, amb)
		bus.Close()
		return busName(r), nil
	}
	return "", fmt.Errorf("测温仪无应答 / no thermometer answers at 0x%02X on %v: check its four wires (VIN, GND, SDA to GPIO2, SCL to GPIO3) and run setup again", addr, tried)
}

// busName is how the config names a bus: its number when it has one
// ("1" for /dev/i2c-1), as thermometer.i2c_bus expects.
func busName(r *i2creg.Ref) string {
	if r.Number >= 0 {
		return fmt.Sprint(r.Number)
	}
	return r.Name
}

// serialPorts lists the ports a scanner could be on, stable names first.
func serialPorts(w io.Writer) []string {
	ports, err := serialscanner.List()
	if err != nil {
		fmt.Fprintf(w, "  无法列出串口 / cannot list serial ports: %v\n", err)
	}
	var names []string
	for _, p := range ports {
		name := p.Name
		if len(p.Links) > 0 {
			name = p.Links[0]
		}
		fmt.Fprintf(w, "  %s", name)
		if p.IsUSB {
			fmt.Fprintf(w, " (USB %s:%s %s %s)", p.VID, p.PID, p.Manufacturer, p.Product)
		}
		fmt.Fprintln(w)
		names = append(names, name)
	}
	if len(names) == 0 {
		fmt.Fprintln(w, "  没有串口 / no serial ports (is the scanner plugged in?)")
	}
	return names
}

// awaitScan opens every candidate port and returns the one a code arrives
// on within wait: the installer shows one QR code, and the port it comes
// through is the scanner, whatever the ports are called.
func awaitScan(ctx context.Context, ports []string, wait time.Duration) (string, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	type hit struct {
		port string
		code []byte
	}
	hits := make(chan hit, len(ports))
	ports = slices.Compact(slices.Clone(ports))
	for _, p := range ports {
		go func() {
			d := &devices{}
			defer d.close()
			sc := defaults().Scanner
			sc.Driver, sc.Port = "serial", p
			if d.openSerial(sc) != nil {
				return
			}
			if code, err := d.scanner.Scan(ctx); err == nil {
				hits <- hit{p, code}
			}
		}()
	}
	select {
	case h := <-hits:
		return h.port, h.code, nil
	case <-ctx.Done():
		return "", nil, fmt.Errorf("%s 内没有扫到码 / no code scanned within %s on %v: check the scanner's cable and that it beeps when it reads", wait, wait, ports)
	}
}
