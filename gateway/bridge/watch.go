package bridge

import "github.com/kakou/kakou/firmware/wire"

// watchFeed is the centre's watch roster: a head and its parts (fleet.go).
var watchFeed = fleetFeed{filter: wire.WatchFilter, qos: wire.QoSWatch, name: "the watch roster",
	fits: func(topic string, n int) bool { return wire.WatchName(topic) != "" && n <= wire.MaxPayload },
	lost: "people the centre puts in quarantine will not reach this site's gates"}
