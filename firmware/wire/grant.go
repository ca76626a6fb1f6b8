package wire

import (
	"slices"
	"strings"
)

// AnyUnit in a Grant stands for every unit of the site: a site gateway
// publishes for each of its units and reads their acks, policies, flows
// and guard rosters.
// It is MQTT's single-level wildcard, which only a gateway may use, and only
// to read.
const AnyUnit = "+"

// Kinds a device publishes on its topics, and kinds it reads there.
var (
	deviceWrites = []string{KindEntry, KindStatus}
	deviceReads  = []string{KindAck, KindPolicy, KindFlow, KindGuards, KindStaff, KindResults, KindHouseholds, KindUpdate}
)

// Grant is the topic ACL of one device, the one table every broker in
// front of devices applies: the cloud's embedded broker, the Mosquitto ACL
// file the cloud writes, and the site gateway's LAN broker. A unit
// publishes Root/<site>/<unit>/{entry,status} and reads its own /ack,
// /policy, /flow and /guards, naming each exactly. A gateway (Unit AnyUnit) does the
// same for any unit of its site, and may read with '+' in the unit level. Every device reads its own /update (update.go).
// Every device also reads the fleet's watch roster (WatchFilter) and trust
// list (TrustTopic) and never publishes on them. '#', other sites and other kinds are refused.
type Grant struct {
	Site string
	Unit string // the unit's id, or AnyUnit for a site gateway
}

// Allows reports whether the device may publish (write) on topic, or
// subscribe to it and receive (read).
func (g Grant) Allows(topic string, write bool) bool {
	if !write && WatchName(topic) != "" || !write && topic == WatchFilter {
		return true // the fleet's watch roster: every device reads it, none writes
	}
	if topic == TrustTopic {
		return !write // the fleet's trust list (trust.go), likewise
	}
	parts := strings.Split(topic, "/")
	if len(parts) != 5 || parts[0]+"/"+parts[1] != Root || parts[2] != g.Site {
		return false
	}
	if !slices.Contains(g.kinds(write), parts[4]) {
		return false
	}
	if g.Unit != AnyUnit {
		return parts[3] == g.Unit
	}
	return ValidateID(parts[3]) == nil || !write && parts[3] == AnyUnit
}

// Filters are the topic filters the grant allows to write, or to read, in
// MQTT's syntax: what an ACL file lists for the device (Mosquitto's
// "topic write|read <filter>").
func (g Grant) Filters(write bool) []string {
	var fs []string
	for _, kind := range g.kinds(write) {
		fs = append(fs, topic(g.Site, g.Unit, kind))
	}
	if !write {
		fs = append(fs, WatchFilter, TrustTopic)
	}
	return fs
}

func (Grant) kinds(write bool) []string {
	if write {
		return deviceWrites
	}
	return deviceReads
}
