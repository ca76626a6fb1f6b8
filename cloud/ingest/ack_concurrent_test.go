package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/internal/mqttproxy"
	"github.com/kakou/kakou/internal/testenv"
)

// The broker behind mqttproxy confirms nothing: as NATS while JetStream
// re-elects the leader of the stream that holds retained messages.
func TestAckerSendsEveryUnitsAckWithoutWaitingForEachPUBACK(t *testing.T) {
	defer func(d time.Duration) { ackWait = d }(ackWait)
	ackWait = time.Hour // one at a time, the second ack would wait this long
	url := startBroker(t)
	w := watchAcks(t, url, "watch")
	p := mqttproxy.Start(t, url)
	p.HoldPubacks(true)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(p.URL()).SetClientID("acker"))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("connect through the proxy: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	a := newAcker(c, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); <-a.done }()

	const units = 8
	for i := range units {
		a.offer("site-a", fmt.Sprintf("u%d", i), 5, true)
	}
	go a.run(ctx)
	// No PUBACK ever comes, yet every unit hears its ack.
	for i := range units {
		testenv.Await(t, fmt.Sprintf("u%d's ack", i), wait, w.reaches(fmt.Sprintf("u%d", i), 5))
	}
}
