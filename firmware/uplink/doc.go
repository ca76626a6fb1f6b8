// Package uplink publishes the checkpoint unit's ledger over MQTT
// (github.com/eclipse/paho.mqtt.golang) to the site gateway or the cloud.
//
// The ledger is the truth (ARCHITECTURE.md); the uplink only copies it. It
// reads undelivered entries in sequence order from a Source, publishes each on
// wire.EntryTopic at wire.QoSEntry, waits for the broker's PUBACKs and marks
// the acknowledged entries delivered. Delivery is at-least-once: after a lost
// connection it starts again from whatever the ledger still holds as pending,
// so an entry may arrive twice (every consumer stores idempotently by id and
// seq) but is never dropped. Nothing is queued in memory, so a reboot or a
// power cut loses nothing either.
//
// # What "delivered" means
//
// For now an entry is delivered when the broker PUBACKs it. That proves the
// broker took it, not that the collector stored it. A later issue moves to
// end-to-end acknowledgement by the collector; the Source interface and its
// MarkDelivered call are the seam for that change: the uplink would mark on
// the collector's ack instead of the PUBACK and nothing else moves.
//
// # Presence
//
// Each connection registers a retained last will (wire.Status, State
// offline) on wire.StatusTopic and, once connected, publishes a retained
// birth (State online). A clean shutdown publishes a retained offline status
// before disconnecting, because a clean DISCONNECT makes the broker discard
// the will. The will's Time is when the connection was opened; the broker,
// not the unit, decides when it is sent.
//
// # Connection handling
//
// Run dials one connection at a time and builds a fresh paho client for
// each, with paho's own reconnect turned off. Three reasons:
//   - paho's retry intervals carry no jitter, and after a power cut every unit
//     of a site would hammer the broker in step (PRODUCT.md complains of retry
//     storms); Run waits a jittered, doubling delay capped at 30 s instead;
//   - with CleanSession and paho's auto-reconnect, publish tokens of a lost
//     connection are never completed (paho client.go internalConnLost), while
//     without it they fail at once, so a lost connection stops the drain
//     immediately instead of at the ack timeout;
//   - a new client per connection carries a fresh will and leaves no state
//     from the previous connection behind: the ledger is the only session.
//
// The session is clean (CleanSession): the broker keeps nothing for the unit
// because the ledger keeps everything.
package uplink
