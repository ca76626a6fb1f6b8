package store

// PersonQuery finds one person's entries by the keyed hashes of their ID
// number and phone (wire.PersonHash with the fleet's tracing key): the
// store holds no number to search by, only these hashes (SECURITY.md "PII minimisation").
type PersonQuery struct {
	IDHash, PhoneHash string // "" does not match; at least one is needed
	Limit             int    // 0 means MaxLimit, and never more
}

// RowLimit is how many entries q returns: MaxLimit at most.
func (q PersonQuery) RowLimit() int {
	if q.Limit <= 0 || q.Limit > MaxLimit {
		return MaxLimit
	}
	return q.Limit
}

// PurgeChunk bounds one delete transaction, so ingest's batches wait at
// most a moment behind a purge.
const PurgeChunk = 1000
