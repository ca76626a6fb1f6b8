package delivery

import "testing"

func TestDialBuffersReadsOnlyWhereItCanDialAsPahoWould(t *testing.T) {
	cases := []struct {
		broker, proxy string
		want          bool
	}{
		{"tcp://127.0.0.1:1883", "", true},
		{"mqtt://broker.local:1883", "", true},
		{"tcp://127.0.0.1:1883", "socks5://127.0.0.1:1080", false}, // paho dials through the proxy
		{"ssl://127.0.0.1:8883", "", false},
		{"mqtts://127.0.0.1:8883", "", false},
		{"ws://127.0.0.1:8080/mqtt", "", false},
		{"wss://127.0.0.1:8443/mqtt", "", false},
		{"unix:///run/mosquitto.sock", "", false},
		{"::bad", "", false},
	}
	for _, tc := range cases {
		t.Setenv("ALL_PROXY", tc.proxy)
		t.Setenv("all_proxy", "")
		if got := buffersReads(tc.broker); got != tc.want {
			t.Errorf("buffersReads(%q) with ALL_PROXY=%q = %v, want %v", tc.broker, tc.proxy, got, tc.want)
		}
	}
}
