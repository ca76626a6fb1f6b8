// Package update installs a program update the centre pushed
// (wire.UpdatePush) and keeps it only if the program is healthy with it.
//
// The flow, for one device:
//
//  1. Apply checks the push is for this device, program and architecture,
//     signed by the centre, newer than what runs and not a version that
//     was rolled back here before; that the disk budget has room and the
//     ledger is not short of space.
//  2. It downloads the binary over HTTPS into <data_dir>/updates/,
//     resuming a cut download with a Range request, and checks its size
//     and sha256 against the signed push.
//  3. It installs it beside the running one, <root>/<version>/<program>,
//     records the update as pending, swaps the <root>/current symlink
//     atomically (rename of a new link over the old), keeps the one it
//     replaced as <root>/previous, and asks the Restarter for a restart.
//  4. The new program calls Confirm from its main loop: healthy within
//     the window (a HealthCheck: screening loop running, ledger writable,
//     uplink connected or cut for reasons outside it) keeps it; not
//     healthy rolls current back to previous, records why, and restarts.
//  5. A program that crashes or hangs at start never reaches Confirm, so
//     the service's ExecStartPre runs Guard from the previous, known-good
//     binary: it counts the starts of a pending version and rolls back
//     after MaxStarts.
//
// The ledger lives in the data directory and is never touched: screening
// stops only for a restart, and no entry is lost across an update or a
// rollback. The outcome (Report) is for the unit's status, where the
// centre sees who has the version, who failed and who rolled back.
package update
