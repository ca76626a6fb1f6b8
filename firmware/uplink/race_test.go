//go:build race

package uplink

// Under the race detector a 20,000-entry drain takes half a minute; the
// ordering it checks shows as well with fewer.
func init() { largeBacklog = 5000 }
