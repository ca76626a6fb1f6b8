// Package uplink publishes the checkpoint unit's ledger over MQTT
// (github.com/eclipse/paho.mqtt.golang) to the site gateway or the cloud.
//
// The ledger is the truth and the outbox (docs/architecture.md "The ledger is the truth"); the uplink only
// copies it. It reads undelivered entries in sequence order from a Source,
// publishes each on wire.EntryTopic at wire.QoSEntry and marks them
// delivered when the collector says it has stored them. Nothing is queued in
// memory, so a reboot or a power cut loses nothing: whatever the ledger
// still holds as undelivered is sent again.
//
// # What "delivered" means
//
// An entry is delivered when the collector has stored it, not when the
// broker has it. The collector publishes a retained wire.Ack on
// wire.AckTopic with the highest seq up to which it holds every entry; the
// uplink subscribes to it on each connection (being retained, the latest
// arrives at once) and calls Source.MarkDeliveredUpTo: at once when nothing
// else is outstanding, otherwise every 250 ms or 1,000 entries, and when
// the connection ends, so a fast drain does not cost a ledger transaction
// per ack. An entry acked but not yet marked when the power goes is sent
// again, which the idempotent collector shrugs off. The broker's PUBACKs
// only bound the publishing (below): an entry a broker accepted and then
// lost on a restart, or that a collector never stored, stays pending in
// the ledger.
// An ack beyond the ledger's last seq is refused and logged: it belongs to
// a ledger the unit no longer has. An ack is applied only as far as this
// connection has sent every entry: an entry never sent cannot have been
// stored as the unit's, whatever took its seq at the collector.
//
// Delivery is at-least-once on the wire and exactly-once in effect: every
// consumer stores by id and by (unit, seq), so the re-sends below cost a
// duplicate message, never a duplicate row.
//
// # Sending: a window, two lanes and alerts first
//
// The uplink does not wait for the collector's ack before sending more: it
// keeps a cursor of what it has sent on this connection and sends ahead of
// the ack, so the ack's round trip does not set the pace. A connection
// starts from the last ack, so everything the collector may have missed is
// sent again. If the ack has not moved for AckTimeout while it is due (an
// entry right after it has been sent: a collector that restarted, a message
// the broker dropped), the uplink goes back to the ack and sends everything
// after it again; while the collector stays silent the wait doubles, up to
// 8 × AckTimeout.
//
// Entries pending when the connection came up are the backlog; entries
// appended after that are live. Live entries go out as soon as Notify says
// they are there, ahead of any backlog batch, so a guard's fever alert or a
// person at the gate reaches the centre in well under a second while a
// 100,000-entry backlog drains behind it (docs/product.md
// "What people complained about": backlogs that block live data for hours). Backlog entries that carry an
// alert go first of the backlog; the rest follow in seq order, in batches
// spaced to BacklogRate entries a second so the site's link and the
// collector are not swamped after a long outage. Backlog entries are sent
// with Historical set, in the payload only, so dashboards do not count them
// as live traffic; an entry sent again after an ack timeout is backlog too.
// The payload is the JSON the ledger stored, not decoded and encoded again:
// live entries go as stored, backlog entries with "historical":true added
// to the stored object (payload.go).
//
// Because the collector acks contiguous prefixes, a live entry or an alert
// sent ahead is marked delivered only once the backlog before it is stored;
// until then it counts in the status's Backlog. That is why the backlog
// has a window of its own (delivery.Lanes): Window entries sent in seq order by
// the backlog cursor and not yet acknowledged. Live entries and the alerts
// sent ahead are counted apart and never take its room: during a drain live
// entries would fill it, stop the backlog that holds back their own ack,
// and bring on the ack timeout and a resend of everything, over and over;
// more alerts than the window holds would keep the backlog from starting at
// all. So the drain runs at BacklogRate whatever the live rate. The ack
// timeout runs only while the ack is due: live entries waiting for the next
// paced backlog batch are not the collector's fault.
//
// The broker's PUBACKs are not waited for round by round: the sender goes
// on publishing while they are outstanding, as MQTT allows, and keeps them
// in a FIFO (delivery.Inflight), harvesting the completed ones without
// blocking. It waits only when delivery.MaxInflight (256) are outstanding,
// and gives the connection up when the oldest has waited 30 s ("publish
// seq N: no acknowledgement in time"). A NATS node whose streams are
// electing a leader passes every PUBLISH on to the collectors at once but
// PUBACKs nothing for 4–9 s; a sender that waited for each round's PUBACKs
// stopped its live entries for all that time. The retained online status
// is tracked the same way, never waited for inside the loop; only the
// offline status of a clean shutdown is waited for, since it must be
// stored before the DISCONNECT. The PUBACKs change nothing of the lanes:
// their windows count what the collector has not acknowledged, in the same
// order, with the same ack timeout.
//
// That bookkeeping (the lanes' cursors and windows, what is outstanding,
// acknowledging a prefix, when the ack is due and its doubling timeout, the
// pacing) is the delivery protocol's, shared with the site gateway's
// bridge (delivery.Lanes, with BySeq and the BacklogRate). What is the
// unit's own is reading its ledger, marking it, holding the latest ack
// and refusing one beyond the ledger (ack.go).
//
// # Status
//
// The retained status carries the firmware and policy versions, the
// devices' health, the ledger's backlog (count and the time of the oldest
// unacknowledged entry) and the disk alarm, which the unit raises through
// SetDiskAlarm when its ledger quota is full of unacknowledged entries. It
// is republished at once on a change and every Heartbeat otherwise, so the
// control room sees a backlog grow or shrink.
//
// # Pushed policies and flows
//
// With Options.OnPolicy set the uplink subscribes to the centre's retained
// policy push (policy.go); with Options.OnFlow, to the site gateway's
// retained flow for the lane (flow.go). Each is decoded, checked to be for
// this unit and handed over on a goroutine of the uplink's own, the latest
// first, so a slow hand-over never holds up the acks.
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
// The connection is the delivery protocol's client side, shared with the
// site gateway's bridge (firmware/delivery). Run dials one connection at a
// time and builds a fresh paho client for each, with paho's own reconnect
// turned off. Three reasons:
//   - paho's retry intervals carry no jitter, and after a power cut every unit
//     of a site would hammer the broker in step (docs/product.md "What people
//     complained about": retry storms); Run waits a jittered, doubling delay capped at 30 s instead;
//   - with CleanSession and paho's auto-reconnect, publish tokens of a lost
//     connection are never completed (paho client.go internalConnLost), while
//     without it they fail at once, so a lost connection stops the drain
//     immediately instead of at the PUBACK timeout;
//   - a new client per connection carries a fresh will and leaves no state
//     from the previous connection behind: the ledger is the only session.
//
// Each connection subscribes to the acks first, asking again on the same
// connection for up to 30 s, and fails without them: nothing is ever
// delivered without acks. Then it subscribes to every push at once and
// goes online once each has had a first answer, or after 15 s: a broker
// reads a connection's packets in order, and a recovering NATS node
// answers a QoS 1 subscription only once it has made a JetStream consumer
// for it (the slowest of nine after 5 to 25 s), so entries published
// sooner would wait behind those SUBSCRIBEs. The pushes are retained, so
// they arrive whenever the subscription is granted. A push subscription the broker
// refuses (SUBACK 0x80: "check its ACL") or does not answer within 30 s
// ("did not answer … ; retrying") costs that push for a while, not the
// connection: it is asked for again on the same connection after 1 s,
// doubling to 30 s, until the broker grants it or the connection ends
// (subscribe.go).
//
// A keep-alive and a write timeout (delivery.Timing) notice a connection
// that died without closing: the uplink gives it up within about 40 s and
// reconnects, rather than sit in Publish or wait out the PUBACK timeout.
// Run must not run twice at once; a second Run returns delivery.ErrRunning.
//
// On a plain tcp:// broker URL the uplink opens the socket itself, the way
// paho would, only to read it through a buffer: paho reads each packet a
// byte or two at a time, three system calls per PUBACK (conn.go).
//
// The session is clean (CleanSession): the broker keeps nothing for the unit
// because the ledger keeps everything. A broker URL of ssl://, mqtts:// or
// wss:// uses TLS, with the CA, certificate and key files from Options, and
// Username and Password are the unit's own credentials.
package uplink
