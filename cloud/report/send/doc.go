// Package send delivers the collector's named reports on schedule: each
// report is made at its cut, exported once (JSON, CSV, XLSX), and that one
// export goes to every recipient (docs/product.md: the offices' complaint
// of 多头报送、反复填报) — a signed webhook, e-mail through the configured
// SMTP server, or a file dropped into a directory.
//
// A delivery is retried with backoff until it succeeds, and every attempt
// is logged in the store. The store also holds who is delivering each
// report's run, under a lease, so several collectors sharing PostgreSQL
// send each report once, and one that died mid-delivery is replaced when
// its lease ends. A collector that was down at a cut delivers it when it
// comes back, for cuts up to CatchUp ago.
package send
