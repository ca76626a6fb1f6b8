package store

import (
	"context"
	"time"
)

// Named reports are generated at their cut and delivered to their
// recipients by the collector's scheduler (cloud/collector reports.go).
// The store keeps two things for it:
//
//   - a run per report and date: which collector holds it (a lease, so
//     several collectors on one PostgreSQL do not each send the report,
//     and one that died mid-delivery is replaced when its lease ends), and
//     when it was finished;
//   - every delivery attempt to every recipient, for GET
//     /api/v1/reports/{id}/deliveries and for the scheduler to know whom
//     a run still owes the report.
//
// Dates are the period's civil day, YYYY-MM-DD, so they sort as text.

// Delivery is one attempt to send one report's export to one recipient.
type Delivery struct {
	Report    string    `json:"report"`
	Date      string    `json:"date"`
	Recipient string    `json:"recipient"` // the recipient's name from the config, never its secret or URL
	Attempt   int       `json:"attempt"`
	At        time.Time `json:"at"`
	OK        bool      `json:"ok"`
	Error     string    `json:"error,omitempty"`
	By        string    `json:"by"` // the collector that tried
}

// DeliveryQuery selects deliveries of one report, newest first; Date
// narrows to one period, Limit is as for entries.
type DeliveryQuery struct {
	Report string
	Date   string
	Limit  int
}

// ReportRuns is what the delivery scheduler needs of a backend.
type ReportRuns interface {
	// ClaimReportRun makes holder the one to deliver report's run of date
	// until until, and says whether it is: a run already finished, or
	// held by another collector whose lease has not ended at now, is not
	// claimed. The holder renews its lease by claiming again.
	ClaimReportRun(ctx context.Context, report, date, holder string, now, until time.Time) (bool, error)
	// FinishReportRun marks the run delivered to every recipient; only
	// its holder may.
	FinishReportRun(ctx context.Context, report, date, holder string, at time.Time) error
	// LastReportRun is the date of report's newest finished run, "" when
	// none is.
	LastReportRun(ctx context.Context, report string) (string, error)
	PutDelivery(ctx context.Context, d Delivery) error
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
}
