package store

// Record is one unit entry as the gateway stored it, for the bridge to
// forward: the bytes the unit published, so what reaches the cloud is what
// the unit logged, plus what the bridge needs to order and acknowledge it
// without decoding the body.
type Record struct {
	Row   int64  // arrival order in the gateway's store
	Site  string // the unit's site
	Unit  string
	Seq   uint64 // the unit's own sequence number
	Alert string // non-empty: the cloud must hear of it at once
	Body  []byte // the entry's JSON exactly as the unit published it
}
