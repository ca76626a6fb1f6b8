// Package bridge is the site gateway's store-and-forward link to the cloud
// (github.com/eclipse/paho.mqtt.golang). It gives the site's entries the
// guarantees a unit's own uplink gives them when it connects straight to
// the cloud: nothing lost, nothing duplicated in effect, live before
// backlog, alerts first.
//
// # What the bridge carries
//
//   - up: every entry the gateway stored (Outbox.Pending), published on
//     wire.EntryTopic of its unit, byte for byte as the unit published it,
//     except that backlog entries get "historical":true (payload.go);
//   - up: each unit's status, rewritten so the cloud hears its own ack
//     rather than the gateway's (status.go), and the gateway's own status
//     (wire.RoleGateway), a retained birth, heartbeat and last will;
//   - down: the cloud's acks for the site's units, which mark the store
//     (Outbox.CloudAcked) and are never relayed to the units: the gateway
//     acknowledges their entries itself once they are in its store;
//   - down: policies pushed to the site's units, published retained on the
//     site's LAN broker (Local) so a unit that connects later gets them.
//
// # What "delivered" means
//
// An entry leaves the gateway's backlog when the cloud's collector says it
// has stored it, in a retained wire.Ack per unit, not when the cloud's
// broker PUBACKs it. The acks of a connection arrive after the bridge
// subscribes (being retained, the latest at once), are applied to the
// windows at once and written to the store at most every 250 ms while
// entries are outstanding: an entry acked but not yet marked when the
// power goes is sent again, which the idempotent collector shrugs off.
//
// # Sending: a window, two lanes and alerts first
//
// The store is the only session, and both lanes read it. When a connection
// comes up, every pending entry is backlog: alerts go first, found by
// reading the backlog through once, then the rest in the order they were
// stored. Entries stored after that are live and go as soon as Offer says
// they are there, ahead of the next backlog batch, so a fever alert at a
// door reaches the centre at once while a day's backlog drains behind it.
// The cloud broker's PUBACKs are not waited for round by round: up to
// delivery.MaxInflight publishes may be outstanding (delivery.Inflight),
// and only one missing for the PUBACK timeout costs the connection, so a
// broker that stalls its PUBACKs for seconds does not stop live entries.
// At most 1,000 backlog entries sent in the order they were stored are
// outstanding (published and not yet acknowledged), so the acks' round trip
// does not set the pace and a cloud that has gone quiet does not get the
// whole store at once. Live entries have a window of their own, another
// 1,000, and the alerts sent ahead are counted apart too: a full backlog
// window never holds them up, and they never take the backlog's room. They
// could not give it back: the cloud acks an entry only once its unit's
// entries below it are stored, so in a shared window live entries would stop
// the very drain their ack waits for, until the ack timeout sent everything
// again, and more alerts than the window holds would keep the backlog from
// starting at all. When the acks do not move for AckTimeout while entries
// are outstanding, both lanes start again from the store, which holds
// exactly what the cloud has not acknowledged; the wait doubles while the
// cloud stays silent, up to 8 × AckTimeout. A resent entry is backlog,
// marked historical.
//
// The cloud acks each unit's contiguous prefix, so an entry after a gap in
// a unit's sequence (the unit is still sending its own backlog to the
// gateway) is acknowledged only once the gap is filled.
//
// # Connection handling
//
// The connection is the delivery protocol's client side, shared with the
// unit's uplink (firmware/delivery): Run dials one connection at a time
// with a fresh paho client, paho's own reconnect off, a clean session, a
// keep-alive and a write timeout, and waits a jittered, doubling delay
// (1 s to 30 s) between attempts, so the gateways of a city do not come
// back in step after an outage. The historical splice (payload.go), the
// ack's check against its topic and the lanes' bookkeeping are shared too
// (delivery.Lanes: the cursors and windows, what is outstanding per unit,
// acknowledging a unit's prefix, the ack timeout and its doubling, here
// with a live window and no pacing, the highest ack per unit held in
// delivery.Acks). The bridge's own are reading the store by row for many
// units, finding the alerts and the backlog's end there, marking the store
// per unit (ack.go) and relaying statuses and policies. The will is the
// gateway's retained offline status; a clean shutdown publishes it
// itself, since a clean DISCONNECT makes the broker discard the will.
package bridge
