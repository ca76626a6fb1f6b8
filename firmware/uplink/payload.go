package uplink

import (
	"bytes"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/ledger"
)

// payload is what goes on the wire for r: the stored body as it is, and for
// a backlog entry the same with "historical":true added (delivery.Historical).
// A live entry is never historical: one whose body mentions "historical"
// (the key, or the word in some text) is decoded, cleared and encoded, the
// slow way, rather than sent with a flag the unit did not set.
func payload(r *ledger.Record, historical bool) ([]byte, error) {
	if historical {
		return delivery.Historical(r.Body)
	}
	if bytes.Contains(r.Body, delivery.HistoricalKey) {
		return delivery.Reencode(r.Body, false)
	}
	return r.Body, nil
}
