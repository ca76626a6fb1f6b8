package bridge

import (
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/delivery"
)

func TestNewTakesACloudClustersNodesAndStartsWhereTheSiteAndGatewayHash(t *testing.T) {
	urls := []string{"tcp://n1:1883", "tcp://n2:1883", "tcp://n3:1883"}
	b, err := New(Options{Brokers: urls, Site: testSite, Gateway: testGateway, Outbox: new(sqlOutbox), Local: new(broker)})
	if err != nil {
		t.Fatal(err)
	}
	if want := urls[delivery.Start(3, testSite, testGateway)]; b.brokers.Current() != want {
		t.Fatalf("first dial %s, want %s", b.brokers.Current(), want)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Broker: "tcp://a:1883", Brokers: urls}, "both Broker and Brokers"},
		{Options{Brokers: []string{"tcp://a:1883", "b:1883"}}, `cloud broker "b:1883"`},
		{Options{Brokers: []string{"ssl://a:8883", "tcp://b:1883"}}, "mix TLS and plain"},
	} {
		tc.o.Site, tc.o.Gateway, tc.o.Outbox, tc.o.Local = testSite, testGateway, new(sqlOutbox), new(broker)
		if _, err := New(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.o.Brokers, err, tc.want)
		}
	}
}
