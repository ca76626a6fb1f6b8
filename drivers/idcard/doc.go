// Package idcard reads second-generation resident ID cards (二代身份证)
// through a serial card reader built around the security module (SAM) these
// readers share.
//
// A Reader polls the module (find card, select card, read base
// information) and hands each card placed on it to its caller once, until
// the card is lifted. See README.md for the frame format and the commands.
//
// # Datasheets
//
// The modules' serial interface is described publicly as "公安部身份证阅读器模块SAM通讯协议"
// (Donsee: http://eastcoms.com/service/downdrive/508.html) and in the
// vendors' parsing guides (http://eastcoms.com/service/downdrive/533.html);
// README.md lists every source the frame format was checked against.
//
// # Wiring
//
// Most readers are USB and appear as a USB-serial adapter
// (/dev/serial/by-id/usb-…); a bare module's UART goes to the Pi's
// /dev/serial0 through a level shifter (the modules' UART is 5 V CMOS or
// RS-232, never the Pi's 3.3 V directly), 115200 8N1.
package idcard
