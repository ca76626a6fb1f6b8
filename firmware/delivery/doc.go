// Package delivery is the client side of Kakou's delivery protocol
// (github.com/eclipse/paho.mqtt.golang), shared by the two programs that
// speak it to a broker: the checkpoint unit's uplink (firmware/uplink),
// which publishes its own ledger, and the site gateway's bridge
// (gateway/bridge), which relays the same protocol for every unit of its
// site. It sits beside the wire contract and takes on nothing else: the
// standard library, paho and firmware/wire.
//
// # What lives here
//
//   - Dial and Config (dial.go): one connection with a fresh paho client,
//     paho's reconnect off, a clean session, the device's retained offline
//     status as the will, and a keep-alive and a write timeout. Without
//     them a connection that dies silently (a cut cable, a NAT that forgot
//     the flow) keeps paho's Publish blocked for 30 s and the PUBACKs
//     waiting for the PUBACK timeout; with them the device notices within
//     about KeepAlive + PingTimeout and reconnects.
//   - Link (link.go): the connection, closed Down when paho reports it
//     lost; every wait on a token also waits on Down, since paho never
//     completes the token of a publish queued when the connection went.
//   - Loop (loop.go): one connection at a time, a jittered doubling delay
//     between attempts (after a power cut the devices of a site must not
//     come back in step), reset once a working connection is lost, and a
//     guard so a second Run fails instead of sharing a sender.
//   - Historical (payload.go): a backlog entry's payload, the stored JSON
//     with "historical":true spliced in, so dashboards do not count it as
//     live; decoding and encoding every entry was half a drain's CPU.
//   - ReadAck (ack.go): the collector's ack as it arrives, checked against
//     its topic.
//   - Enrollment (enroll.go): a device's first start trades a one-time
//     token for its own MQTT credential, kept 0600 and used from then on;
//     the user name is whatever the centre returns ("site/unit").
//
// # What stays with each program
//
// The senders stay apart: the unit reads one ledger by seq, paced at its
// BacklogRate, and checks each ack against the ledger it holds; the bridge
// reads the gateway's store by row for many units, with a window per lane
// and per-unit acks, and is not paced. Both keep the backlog's window apart
// from live entries and the alerts sent ahead (their window.go), for the
// same reason, in their own terms. The statuses, the pushed policies and
// flows are each program's own.
package delivery
