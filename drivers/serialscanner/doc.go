// Package serialscanner reads a QR/barcode scanner on a serial port and
// survives it being unplugged: the wiring code between the port
// (go.bug.st/serial) and the framing (package qrscan).
//
// Open validates Opts and starts a goroutine that reads the port with a
// 200 ms read timeout and frames codes with qrscan. Scan hands out codes.
// When a read fails, or the device node vanishes, the port is closed and
// State says Unplugged at once, with the error; the port is then reopened
// with jittered exponential backoff (Opts.ReopenMin to Opts.ReopenMax, at
// most MaxReopen so a replugged scanner is read again within 2 s), and
// scanning resumes by itself. Open also succeeds with no scanner attached,
// so the unit boots and the guard can work by hand (docs/product.md
// "Who uses it"). List shows the ports present, with USB details and stable names, for a probe command.
//
// # Wiring
//
//   - USB scanners set to "USB CDC" / "USB virtual COM" mode appear as
//     /dev/ttyACM0 (cdc_acm); those with a USB-serial bridge chip as
//     /dev/ttyUSB0. The number changes when a scanner is replugged while
//     its old node is still open, or when two are attached, so configure
//     the stable link udev makes, /dev/serial/by-id/usb-<maker>_<model>_<serial>-if00
//     (List prints it). Baud and framing settings do not matter for CDC.
//     A scanner in "USB keyboard (HID)" mode is not a serial port at all:
//     switch it to CDC with the setup code from its manual.
//   - TTL UART scanner modules go on the Pi's GPIO14 (TXD, pin 8) to the
//     scanner's RX and GPIO15 (RXD, pin 10) from the scanner's TX, with a
//     common ground (pin 6), and appear as /dev/serial0. The Pi's pins are
//     3.3 V and not 5 V tolerant: use a 3.3 V module or a level shifter, and
//     never an RS-232 (±12 V) scanner without a MAX3232-class transceiver.
//     Enable the UART and disable the serial console (raspi-config, or
//     enable_uart=1 and no console=serial0 in cmdline.txt). Most modules
//     default to 9600 8N1.
//   - The unit's user needs the dialout group to open either.
//
// # Datasheets
//
// Raspberry Pi UART configuration:
// https://www.raspberrypi.com/documentation/computers/configuration.html#configure-uarts
// Linux USB ACM driver: https://docs.kernel.org/usb/acm.html
package serialscanner
