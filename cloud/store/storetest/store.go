// Package storetest holds the store's conformance suite, which each
// backend's tests run on stores of their own (cloud/store/sqlite,
// cloud/store/postgres), so that SQLite and PostgreSQL are held to one
// contract; the fixtures the suite builds on; and what other cloud
// packages' tests need of a SQLite store file they opened.
package storetest

import (
	"context"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is every method both backends implement, as the suites call them.
type Store interface {
	PutEntries(context.Context, []wire.Entry, time.Time) (store.PutResult, error)
	PutStatus(context.Context, wire.Status, time.Time) error
	Entries(context.Context, store.Query) ([]store.Record, error)
	Units(context.Context, time.Time) ([]store.Unit, error)
	AckedSeq(context.Context, store.UnitID) (uint64, error)
	SetWatermark(context.Context, store.UnitID, uint64) (store.Watermark, error)
	Rollups(context.Context, store.RollupQuery) ([]store.RollupRow, error)
	PutSites(context.Context, []store.Site) error
	Sites(context.Context) ([]store.Site, error)
	Alerts(context.Context, store.AlertQuery) ([]store.Alert, error)
	ReportAlerts(ctx context.Context, since, until time.Time) ([]store.Alert, error)
	Alert(ctx context.Context, id string) (store.Alert, error)
	AckAlert(ctx context.Context, id, by, action string, at time.Time) (store.Alert, error)
	Trace(context.Context, store.TraceQuery) ([]store.Visit, error)
	PutAudit(context.Context, store.AuditRecord) error
	Audit(context.Context, int) ([]store.AuditRecord, error)
	PutAssignment(context.Context, store.Assignment) error
	Assignments(context.Context) ([]store.Assignment, error)
	Ping(context.Context) error
	Close() error

	// The latest count of each site's gateway (occupancy.go).
	Occupancies(context.Context) ([]store.SiteOccupancy, error)

	// Dead letters: what ingest refused.
	PutDeadLetter(context.Context, store.DeadLetter) error
	DeadLetters(context.Context, int) ([]store.DeadLetter, error)
	CountDeadLetters(context.Context) (int64, error)

	// Visits: the entries that open and close them, and the alert an
	// overstay raises once (visits.go).
	VisitEntries(context.Context, string, time.Time) ([]store.Record, error)
	// Vehicles: the vehicle lanes' entries (vehicles.go).
	VehicleEntries(context.Context, store.VehicleQuery) ([]store.Record, error)
	RaiseAlert(context.Context, store.Alert) (bool, error)
	// One pass per household: its uses and records (households.go).
	HouseholdEntries(context.Context, string, time.Time) ([]store.Record, error)

	// Holds for sampling and the results that release them (holds.go).
	store.HoldReader
	store.ResultStore

	// People: one person's entries by hash, and retention.
	Person(context.Context, store.PersonQuery) ([]store.Record, error)
	PurgeEntries(context.Context, time.Time) (int, error)

	// Device enrollment.
	PutEnrollmentToken(context.Context, store.EnrollmentToken) error
	Enroll(context.Context, store.Enrollment) (store.DeviceCredential, error)
	DeviceCredential(context.Context, store.UnitID) (store.DeviceCredential, error)
	DeviceCredentials(context.Context) ([]store.DeviceCredential, error)

	// The dashboard's logins.
	PutSession(context.Context, store.Session) error
	Session(context.Context, string) (store.Session, error)
	TouchSession(context.Context, string, time.Time) error
	DeleteSession(context.Context, string) error
	PurgeSessions(ctx context.Context, idleBefore, openedBefore time.Time) (int, error)

	// Alerts' notifications and the unit-state alerts (notify.go).
	UnnoticedAlerts(context.Context, int) ([]store.Alert, error)
	DueEscalations(context.Context, time.Time, int) ([]store.Alert, error)
	UnresolvedAlerts(context.Context, []string) ([]store.Alert, error)
	ResolveAlerts(context.Context, store.UnitID, string, time.Time) (int, error)
	PlanNotifications(context.Context, store.NotifyPlan) (bool, error)
	ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.Notification, error)
	FinishNotification(context.Context, string, store.Notification) error
	Notifications(context.Context, string) ([]store.Notification, error)

	// The guards who sign in at the consoles.
	PutGuard(context.Context, store.Guard) (store.Guard, error)
	Guards(ctx context.Context, site string) ([]store.Guard, error)
}
