package store

import "time"

// The notification outbox: one row per alert, channel and escalation
// level (cloud/notify). The row's key is what makes a notification go out
// once: a planner that runs twice, a collector that restarts, or several
// collectors on one PostgreSQL database all insert the same key, and the
// insert does nothing the second time. Delivery takes a lease on a row
// (claimed_by, claimed_until) so that only one collector sends it at a
// time; a collector that dies holding a lease loses it when it runs out.

// Notification is one message to one channel about one alert at one
// escalation level.
type Notification struct {
	AlertID, Channel string
	Level            int
	// Message is what to send, as cloud/notify encoded it when the
	// alert was planned; the store keeps it opaque.
	Message   string
	CreatedAt time.Time
	// Attempts counts the sends begun (a claim is an attempt).
	Attempts int
	// NextAt is when it may next be tried; zero for one delivered or
	// given up.
	NextAt      time.Time
	DeliveredAt time.Time // zero: not (yet) delivered
	GaveUpAt    time.Time // zero: still trying
	LastError   string    // why the last attempt failed
}

// NotifyPlan is what a planner decided for one alert: the rows to queue
// and where its escalation stands afterwards. A plan applies only if the
// alert is where the planner found it (First: never planned; otherwise at
// level To-1), so two planners racing queue one set of rows.
type NotifyPlan struct {
	AlertID string
	First   bool // the alert's first plan, at level 0
	To      int  // the level these rows are for
	// EscalateAt is when the next level is due if nobody acknowledges the
	// alert; zero when there is no further level.
	EscalateAt time.Time
	At         time.Time // when it was planned
	Rows       []Notification
}

// Outbox limits both backends apply.
const (
	// MaxMessage bounds a queued message (bytes): the robots take 4 KiB of
	// markdown, and a message is made from the alert's few fields.
	MaxMessage = 16 << 10
	// MaxNotifyError bounds the reason kept for a failed attempt.
	MaxNotifyError = 500
)

// ClipError is err cut to MaxNotifyError bytes, on a rune boundary.
func ClipError(err string) string {
	if len(err) <= MaxNotifyError {
		return err
	}
	cut := MaxNotifyError
	for cut > 0 && err[cut]&0xC0 == 0x80 {
		cut--
	}
	return err[:cut]
}
