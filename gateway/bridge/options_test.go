package bridge

import (
	"strings"
	"testing"
)

func TestNewRejectsOptionsThatCannotWork(t *testing.T) {
	good := func() Options {
		return Options{Broker: "tcp://127.0.0.1:1883", Site: testSite, Gateway: testGateway,
			Outbox: new(sqlOutbox), Local: new(broker)}
	}
	for _, tc := range []struct {
		name    string
		change  func(*Options)
		wantErr string // "" for no error
	}{
		{"good", func(*Options) {}, ""},
		{"no outbox", func(o *Options) { o.Outbox = nil }, "Outbox is nil"},
		{"no local", func(o *Options) { o.Local = nil }, "Local is nil"},
		{"no broker", func(o *Options) { o.Broker = "" }, "cloud broker"},
		{"broker without scheme", func(o *Options) { o.Broker = "127.0.0.1:1883" }, "cloud broker"},
		{"bad site", func(o *Options) { o.Site = "Riverside/#" }, "site"},
		{"no gateway id", func(o *Options) { o.Gateway = "" }, "gateway id"},
		{"negative ack timeout", func(o *Options) { o.AckTimeout = -1 }, "ack timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good()
			tc.change(&o)
			b, err := New(o)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if b.opts.ClientID != "kakou-gateway-"+testSite+"-"+testGateway || b.opts.AckTimeout != DefaultAckTimeout {
					t.Errorf("defaults: client id %q, ack timeout %v", b.opts.ClientID, b.opts.AckTimeout)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}
