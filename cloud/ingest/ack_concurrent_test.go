package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/internal/testenv"
)

// holdPUBACKs is a loopback proxy to broker that passes everything but the
// broker's PUBACKs, which it keeps: a broker that takes its time to
// confirm, as NATS does while JetStream re-elects the leader of the
// stream that holds retained messages. It returns the URL to dial.
func holdPUBACKs(t *testing.T, broker string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", strings.TrimPrefix(broker, "tcp://"))
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); b.Close() })
			go func() { _, _ = io.Copy(b, c) }()
			go passAllButPUBACKs(c, b)
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// passAllButPUBACKs copies MQTT packets from src to dst, dropping PUBACKs.
func passAllButPUBACKs(dst io.Writer, src io.Reader) {
	r := bufio.NewReader(src)
	for {
		first, err := r.ReadByte()
		if err != nil {
			return
		}
		head := []byte{first}
		n, mult := 0, 1
		for {
			b, err := r.ReadByte()
			if err != nil {
				return
			}
			head = append(head, b)
			n += int(b&0x7f) * mult
			if b&0x80 == 0 {
				break
			}
			mult *= 128
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if first>>4 == 4 { // PUBACK
			continue
		}
		if _, err := dst.Write(append(head, body...)); err != nil {
			return
		}
	}
}

func TestAckerSendsEveryUnitsAckWithoutWaitingForEachPUBACK(t *testing.T) {
	defer func(d time.Duration) { ackWait = d }(ackWait)
	ackWait = time.Hour // one at a time, the second ack would wait this long
	url := startBroker(t)
	w := watchAcks(t, url, "watch")
	c := paho.NewClient(paho.NewClientOptions().AddBroker(holdPUBACKs(t, url)).SetClientID("acker"))
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
