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
//   - ReadAck and Acks (ack.go): the collector's ack as it arrives,
//     checked against its topic, and held per unit from paho's goroutine
//     to the sender's, the latest (a unit) or the highest (a gateway).
//   - Lanes (lanes.go, window.go): a sender's bookkeeping. The cursors of
//     its live lane, the backlog's alerts sent ahead and the backlog, split
//     when a connection comes up; what each lane has sent and not yet seen
//     acknowledged, by unit, with the backlog's window apart from the
//     other two (a prefix ack reaches live entries and alerts sent ahead
//     only once the backlog below them is stored, so in its window they
//     would stop the drain their ack waits for); acknowledging a unit's
//     prefix; when the ack is due and its timeout, doubling while the
//     other end stays silent; the backlog's pacing. TakeAlerts and
//     TakeBacklog cut a batch a sender read at the split.
//   - Enrollment (enroll.go): a device's first start trades a one-time
//     token for its own MQTT credential, kept 0600 and used from then on;
//     the user name is whatever the centre returns ("site/unit").
//
// # What stays with each program
//
// Each sender reads its own store and tells it what was acknowledged, and
// sets its Lanes apart with LaneOptions. The unit's uplink (firmware/uplink)
// reads one ledger by seq (BySeq: an ack also moves the cursors, is applied
// only as far as everything was sent, and is due only once the entry after
// it is out), paces its backlog at BacklogRate, keeps the latest ack,
// refuses one beyond its ledger and coalesces its ledger marks. The
// gateway's bridge (gateway/bridge) reads its store by row for many units
// (an ack is due whenever entries are outstanding), gives its live lane a
// window too, is not paced, keeps the highest ack per unit, marks the store
// per unit and relays the units' statuses and the pushed policies. The
// statuses, the pushed policies and flows are each program's own.
package delivery
