// Package kakou holds no code of its own: Kakou's three programs live in
// firmware/, gateway/ and cloud/, its drivers in drivers/. This root package
// carries the tests that span them: the folder import rules of
// docs/architecture.md and the end-to-end path from a unit to the dashboard.
package kakou
