package wire

import (
	"errors"
	"fmt"
	"strings"
)

// Root is the first topic level; the version in it changes only when the
// topic layout itself changes, not when a payload gains a field.
const Root = "kakou/v1"

// Kinds of message, the last topic level.
const (
	KindEntry  = "entry"
	KindStatus = "status"
	KindAck    = "ack"
)

// QoS levels. Entries and status are QoS 1: at-least-once on the wire,
// made exactly-once in effect by idempotent consumers.
const (
	QoSEntry  = 1
	QoSStatus = 1
	QoSAck    = 1
)

// EntryTopic is where a unit publishes its entries.
func EntryTopic(site, unit string) string { return topic(site, unit, KindEntry) }

// StatusTopic is where a unit publishes its retained birth and last will.
func StatusTopic(site, unit string) string { return topic(site, unit, KindStatus) }

// AckTopic is where the collector tells a unit how far it has stored its
// entries; retained, so a unit learns it again on every reconnect.
func AckTopic(site, unit string) string { return topic(site, unit, KindAck) }

// EntryFilter and StatusFilter subscribe to every site and unit.
var (
	EntryFilter  = Root + "/+/+/" + KindEntry
	StatusFilter = Root + "/+/+/" + KindStatus
)

func topic(site, unit, kind string) string {
	return Root + "/" + site + "/" + unit + "/" + kind
}

// ParseTopic splits a Kakou topic into its site, unit and kind.
func ParseTopic(t string) (site, unit, kind string, err error) {
	rest, ok := strings.CutPrefix(t, Root+"/")
	if !ok {
		return "", "", "", fmt.Errorf("wire: topic %q is not under %s/", t, Root)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("wire: topic %q: want %s/<site>/<unit>/<kind>", t, Root)
	}
	if err := ValidateID(parts[0]); err != nil {
		return "", "", "", fmt.Errorf("wire: topic %q site: %w", t, err)
	}
	if err := ValidateID(parts[1]); err != nil {
		return "", "", "", fmt.Errorf("wire: topic %q unit: %w", t, err)
	}
	return parts[0], parts[1], parts[2], nil
}

// ValidateID checks a site or unit id. Ids become topic levels and file
// names, so they are limited to lower-case ASCII letters, digits, '-' and
// '_', 1 to 64 characters; MQTT wildcards and '/' can never appear.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("must not be empty")
	}
	if len(id) > 64 {
		return fmt.Errorf("%d characters, at most 64 allowed", len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%q: use only a-z, 0-9, '-' and '_'", id)
		}
	}
	return nil
}
