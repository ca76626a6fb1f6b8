package ingest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// BenchmarkIngest measures entries/s from a unit publishing a backlog at
// QoS 1 through the embedded broker until the collector has stored every
// entry and acknowledged the last: broker, decoding, SQLite, watermark and
// ack. Each round is a fresh database and a fresh collector session.
func BenchmarkIngest(b *testing.B) {
	url := startBroker(b)
	benchBacklog(b, unit(b, url), watchAcks(b, url, "watch"), wait, func(round int) *Ingest {
		return startIngest(b, openStore(b), url, fmt.Sprintf("cloud-%d", round))
	})
}

// benchBacklog runs the rounds the backlog benchmarks share: per round a
// fresh unit id and collector (start), a 5,000-entry backlog published at
// QoS 1, timed until the unit's last ack arrives.
func benchBacklog(b *testing.B, u paho.Client, acks *ackWatcher, patience time.Duration, start func(round int) *Ingest) {
	const backlog = 5000
	for round := 0; b.Loop(); round++ {
		b.StopTimer()
		unitID := fmt.Sprintf("u%d", round)
		payloads := make([][]byte, backlog)
		for i := range payloads {
			payloads[i], _ = json.Marshal(entry("site-a", unitID, uint64(i+1)))
		}
		in := start(round)
		b.StartTimer()
		toks := make([]paho.Token, 0, backlog)
		for _, p := range payloads {
			toks = append(toks, u.Publish(wire.EntryTopic("site-a", unitID), wire.QoSEntry, false, p))
		}
		for _, tok := range toks {
			if tok.Wait(); tok.Error() != nil {
				b.Fatal(tok.Error())
			}
		}
		testenv.Await(b, "backlog acknowledged", patience, acks.reaches(unitID, backlog))
		b.StopTimer()
		in.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*backlog)/b.Elapsed().Seconds(), "entries/s")
}
