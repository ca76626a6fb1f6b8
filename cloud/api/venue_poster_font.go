package api

import (
	"encoding/binary"
	"errors"
)

// realignFace copies face i of an SFNT file or collection (TTF, OTF,
// TTC) into a single font whose tables begin on four-byte boundaries, as
// the OpenType spec requires and golang.org/x/image/font/sfnt checks.
// Debian's wqy-zenhei.ttc, the most common CJK font on a collector,
// places tables off that boundary and sfnt refuses it ("invalid table
// offset"); its tables themselves are sound.
func realignFace(src []byte, i int) ([]byte, error) {
	bad := errors.New("not an SFNT font or collection")
	at := 0
	if len(src) >= 12 && string(src[:4]) == "ttcf" {
		n := int(binary.BigEndian.Uint32(src[8:12]))
		if i < 0 || i >= n || len(src) < 12+4*n {
			return nil, bad
		}
		at = int(binary.BigEndian.Uint32(src[12+4*i:]))
	}
	if at+12 > len(src) {
		return nil, bad
	}
	num := int(binary.BigEndian.Uint16(src[at+4:]))
	dir := at + 12
	if num == 0 || dir+16*num > len(src) {
		return nil, bad
	}
	out := make([]byte, 12+16*num, max(12+16*num, len(src)/2))
	copy(out, src[at:at+12]) // version, table count and search hints are unchanged
	for k := range num {
		rec := src[dir+16*k : dir+16*k+16]
		off, n := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || n < 0 || off+n > len(src) || off+n < off {
			return nil, bad
		}
		w := out[12+16*k:]
		copy(w[:8], rec[:8]) // tag and checksum
		binary.BigEndian.PutUint32(w[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(w[12:], uint32(n))
		out = append(out, src[off:off+n]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
