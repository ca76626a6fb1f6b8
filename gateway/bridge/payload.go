package bridge

import "github.com/kakou/kakou/firmware/delivery"

// payload is what goes to the cloud for a stored body: as the unit
// published it for a live record, and with "historical":true added for a
// backlog record (delivery.Historical). A live record keeps the unit's own
// flag: an entry a unit sends from its own backlog is historical however
// the gateway forwards it.
func payload(body []byte, historical bool) ([]byte, error) {
	if !historical {
		return body, nil
	}
	return delivery.Historical(body)
}
