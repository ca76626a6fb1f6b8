// Package qrscan frames the byte stream of a QR/barcode scanner in its
// serial output mode (USB virtual COM port or TTL UART) into codes.
//
// It reads an io.Reader and never opens a port: the serialscanner package
// opens and reopens the device, and tests feed it strings (docs/architecture.md
// "Drivers measure, the unit judges").
//
// # What a scanner sends
//
// Each decoded code is sent as its bytes followed by a terminator — CR by
// default on most models, configurable to LF, CRLF or TAB, and on some to
// nothing at all. Some add a configurable prefix or suffix, or an AIM
// symbology identifier ("]Q1" for QR). Bytes arrive in pieces (at 9600 baud
// a 300-byte code takes a third of a second), and a UART also reads 0x00
// and 0xFF when a scanner powers up or its cable is plugged in.
//
// # What this package does with it
//
//   - Pieces are joined until a terminator (Opts.Terminator; Any accepts CR,
//     LF or TAB and CRLF as one). Empty lines are skipped.
//   - A code longer than Opts.MaxLen is dropped and reported as ErrOversize;
//     framing resumes after the next terminator. Memory stays at MaxLen plus
//     one read, whatever arrives.
//   - Opts.Prefix and Opts.Suffix are removed when present.
//   - The same code again within Opts.DedupWindow counts once.
//   - With Opts.IdleFlush, a partial line followed by silence is a code, for
//     scanners that send no terminator.
//   - A line of only 0x00/0xFF bytes is noise and skipped. Any other line,
//     even with invalid UTF-8 or control characters, is returned with
//     Code.Valid false and its bytes unchanged: the screening policy then
//     says "unknown code, scan again" and the ledger keeps the raw reading,
//     rather than the guard seeing nothing happen.
//
// Split is the pure framing step, fuzzed by FuzzFrame; Reader adds the state
// (dropping over-long lines, de-duplication, idle flush) around it.
//
// # Datasheets
//
// Serial output settings of typical fixed-mount and handheld scanners:
// https://www.honeywellaidc.com/products/barcode-scanners (Honeywell user
// guides, "Prefix/Suffix" and "Serial Port" chapters);
// https://www.newland-id.com/ (Newland NLS user guides, "Terminating
// character suffix"); AIM symbology identifiers: ISO/IEC 15424.
package qrscan
