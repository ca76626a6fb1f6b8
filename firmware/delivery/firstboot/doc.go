// Package firstboot is what the unit's and the gateway's first-boot setup
// share ("kakou-unit setup", "kakou-gateway setup"): questions asked in
// Chinese first with English beside, each answer checked before it is
// taken, and the enrollment that trades the centre's one-time token for
// the device's credential. Every question can be answered in advance by a
// flag, so a script installs a hundred Pis without a keyboard.
package firstboot
