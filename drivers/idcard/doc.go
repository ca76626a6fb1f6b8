// Package idcard reads second-generation resident ID cards (二代身份证)
// through a serial card reader built around the security module (SAM) these
// readers share.
//
// A Reader polls the module (find card, select card, read base
// information) and hands each card placed on it to its caller once, until
// the card is lifted. See README.md for the frame format and the commands.
package idcard
