// Package kakou holds no code of its own: Kakou's three programs live in
// firmware/, gateway/ and cloud/, its drivers in drivers/, and the tests
// that start several of them in e2e/. This root package carries the tests
// about the repository itself: the folder import rules of docs/architecture.md,
// the Makefile's version stamping, and the shipped and hostile configs.
package kakou
