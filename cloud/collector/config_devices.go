package collector

// Broker authentication modes ([broker] auth); unset is open, so
// configs and tests written before device auth keep their meaning.
const (
	AuthOpen    = "open"
	AuthDevices = "devices"
)

// minServicePassword is the shortest service password accepted: the
// collector's client may read and write every topic.
const minServicePassword = 16

// validateAuth checks [broker] auth. Device auth is a hook of the
// embedded broker; an external broker enforces the same rules from the
// files `kakou-cloud mosquitto-acl` writes, so auth stays "open" here.
func (b BrokerConfig) validateAuth(bad func(key, format string, args ...any)) {
	switch {
	case b.Auth != "" && b.Auth != AuthOpen && b.Auth != AuthDevices:
		bad("broker.auth", "%q: want %q (demo) or %q (enrolled devices only)", b.Auth, AuthOpen, AuthDevices)
	case b.Auth == AuthDevices && !b.Embedded:
		bad("broker.auth", `"devices" is for the embedded broker; for an external one run kakou-cloud mosquitto-acl and leave auth = "open"`)
	case b.Auth == AuthDevices && b.Password != "" && len(b.Password) < minServicePassword:
		bad("broker.password", "the collector's service password needs %d characters or more", minServicePassword)
	}
}
