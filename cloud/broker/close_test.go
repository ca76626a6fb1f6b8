package broker

import (
	"fmt"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// mochi v2.7.9's own Close deadlocks when a client ends its session while
// Close lists the clients (internal/embedbroker). Clients leaving at the moment the
// broker closes, round after round, give that race its chances; a Close
// that has not returned within wait fails the test instead of hanging it.
func TestCloseReturnsWhileClientsAreLeaving(t *testing.T) {
	const rounds, clients = 300, 50
	for r := range rounds {
		b, err := New("127.0.0.1:0", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		cs := make([]paho.Client, clients)
		for i := range cs {
			cs[i] = paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).
				SetClientID(fmt.Sprintf("leaving-%d", i)).SetAutoReconnect(false))
			if tok := cs[i].Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
				t.Fatalf("round %d: connect: %v", r, tok.Error())
			}
		}
		var wg sync.WaitGroup
		for _, c := range cs {
			wg.Go(func() { c.Disconnect(0) })
		}
		closed := make(chan error, 1)
		go func() { closed <- b.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Fatalf("round %d: %v", r, err)
			}
		case <-time.After(wait):
			t.Fatalf("round %d: Close has not returned after %v while %d clients left", r, wait, clients)
		}
		wg.Wait()
	}
}
