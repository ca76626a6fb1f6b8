// Package escpos prints receipts on an ESC/POS thermal printer (Epson
// TM-T20/T82 and the many 58/80 mm printers that follow them, sold in
// China with a GB18030 font): Chinese and Latin text, a QR code and the
// cut, as one byte stream written to an io.Writer.
//
// The package never opens a port: the unit's wiring opens the serial
// device (go.bug.st/serial) and hands it over, so tests write to a buffer
// or a pseudo-terminal.
//
// # Datasheets
//
// Epson ESC/POS Command Reference for TM printers:
// https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/
//   - ESC @ (initialize printer)
//   - FS & (select Kanji character mode): on printers with a Chinese font
//     this makes the two-byte GB18030 codes print as 汉字
//   - ESC a (select justification), GS ! (select character size)
//   - GS ( k <Function 165/167/169/180/181> (QR Code: model, module size,
//     error correction level, store the data, print)
//   - GS V <Function B> (feed paper and cut)
//
// # Wiring
//
// A USB printer with a serial interface appears as /dev/ttyUSB0 or
// /dev/ttyACM0; an RS-232 one needs a level shifter to the Pi's UART.
// 9600 baud 8N1 is the usual factory setting (the self-test page says).
package escpos
