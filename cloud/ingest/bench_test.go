package ingest

import (
	"encoding/json"
	"fmt"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// BenchmarkIngest measures entries/s from a unit publishing a backlog at
// QoS 1 through the embedded broker until the collector has stored every
// entry and acknowledged the last: broker, decoding, SQLite, watermark and
// ack. Each round is a fresh database and a fresh collector session.
func BenchmarkIngest(b *testing.B) {
	const backlog = 5000
	url := startBroker(b)
	u := unit(b, url)
	acks := watchAcks(b, url, "watch")
	for round := 0; b.Loop(); round++ {
		b.StopTimer()
		unitID := fmt.Sprintf("u%d", round)
		payloads := make([][]byte, backlog)
		for i := range payloads {
			payloads[i], _ = json.Marshal(entry("site-a", unitID, uint64(i+1)))
		}
		in := startIngest(b, openStore(b), url, fmt.Sprintf("cloud-%d", round))
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
		testenv.Await(b, "backlog acknowledged", wait, acks.reaches(unitID, backlog))
		b.StopTimer()
		in.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*backlog)/b.Elapsed().Seconds(), "entries/s")
}
