// Package anpr frames the plates an ANPR camera (automatic number-plate
// recognition, 车牌识别一体机) reports on a serial line into reads.
//
// It reads an io.Reader and never opens a port: the unit's wiring code
// opens the serial device (go.bug.st/serial), as it does for the QR
// scanner, and tests feed it strings or a socat pseudo-terminal.
//
// # The line protocol
//
// Cameras differ in what they send, so a site sets its camera (or the
// small adapter in front of it) to this one documented line, in UTF-8:
//
//		PLATE,<plate>,<colour>,<confidence>\r\n
//
//	  - plate: as read, e.g. 粤B12345 or 粤B·12345; the unit normalises and
//	    validates it (firmware/wire ValidatePlate), a driver does not judge.
//	  - colour: blue, yellow, green, white, black, or 蓝 黄 绿 白 黑; empty
//	    or anything else is reported as "".
//	  - confidence: an integer 0-100; a read below Opts.MinConfidence is
//	    dropped (the guard types the plate instead).
//
// The terminator is LF; a CR before it is ignored, so CRLF and LF both
// work. A line that does not fit — no PLATE, tag, a missing or extra
// field, a plate of invalid UTF-8 or control characters, a confidence
// that is not a number — is noise: it is counted (Reader.Skipped) and
// framing goes on with the next line, so a camera that powers up, a
// cable that is plugged in or a firmware that prints its banner never
// stops the lane. Bytes before PLATE, on a line (0x00, 0xFF from a UART
// waking up) are skipped too. A line longer than MaxLine bytes is dropped
// as a whole, so memory stays bounded whatever arrives.
//
// A camera reads the same car many times while it waits at the barrier:
// the same plate again within Opts.DedupWindow counts once.
//
// The same line, as JSON, can be posted to the unit's console by a camera
// on the LAN (POST /api/anpr, firmware/README.md "ANPR cameras").
package anpr
