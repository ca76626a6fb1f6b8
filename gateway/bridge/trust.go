package bridge

import "github.com/kakou/kakou/firmware/wire"

// trustFeed is the centre's trust list, one message (fleet.go). A unit
// never goes back to an older list, so a gateway cannot undo a revocation
// by replaying one.
var trustFeed = fleetFeed{filter: wire.TrustTopic, qos: wire.QoSTrust, name: "the trust list",
	fits: func(topic string, n int) bool { return topic == wire.TrustTopic && n <= wire.MaxTrustPayload },
	lost: "passes the centre revokes will still open this site's gates"}
