// Package brokertest helps the unit's tests run an embedded mochi broker.
package brokertest

import (
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Close is s.Close without mochi v2.7.9's shutdown deadlock. Close lists
// each listener's clients in Clients.GetByListener, which takes the
// clients' read lock twice (it calls Len inside); a client that ends its
// session just then queues for the write lock between the two, and the
// three wait on each other for ever (a test hung ten minutes in CI).
// Closing each listener first, with a closer that lists the clients under
// one read lock, leaves Close only the waiting for their goroutines.
//
// The same workaround is gateway/lan's CloseBroker and cloud/broker's
// closeServer. The layout lets no one package hold it for all three: the
// cloud may import only the wire contract, which takes on no broker, and
// firmware/delivery, which the gateway may import, is linked into the
// unit's binary, which must not carry mochi. Mend all three together.
func Close(s *mqtt.Server) error {
	s.Listeners.CloseAll(func(listener string) {
		for _, cl := range s.Clients.GetAll() {
			if cl.Net.Listener == listener && !cl.Closed() {
				_ = s.DisconnectClient(cl, packets.ErrServerShuttingDown)
			}
		}
	})
	return s.Close()
}
