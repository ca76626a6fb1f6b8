package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// One booking admits once per lane (policy appointment.go): the lane's own
// entries say which registration codes (credential kind venue_code,
// subject the registration ID) it let in, so a second scan of the same
// code — a screenshot passed on — is refused, across a restart too. Other
// lanes do not know; the centre, which sees every lane's entries, flags a
// booking used twice.

// venueRows picks the entries that admitted someone by a registration
// code; the partial index entries_venue has the same predicate and key.
const venueRows = `json_extract(body, '$.credential.kind') = '` + string(wire.CredentialVenue) + `' AND decision = 'allow'`

// migrateVenue indexes admissions by registration ID.
const migrateVenue = `CREATE INDEX entries_venue ON entries(json_extract(body, '$.credential.subject')) WHERE ` + venueRows + `;`

// VenueAdmitted returns when this ledger first let someone in by the
// registration code id, and whether it ever did. Exits do not count: the
// visitor shows the same code on the way out.
func (l *Ledger) VenueAdmitted(ctx context.Context, id string) (time.Time, bool, error) {
	var first sql.NullInt64
	err := l.db.QueryRowContext(ctx, `SELECT MIN(time) FROM entries
		WHERE `+venueRows+` AND json_extract(body, '$.credential.subject') = ?
			AND json_extract(body, '$.lane') = ?`, id, string(wire.LaneIn)).Scan(&first)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("ledger: registration %s admissions: %w", id, err)
	}
	if !first.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMicro(first.Int64).UTC(), true, nil
}
