package update

import (
	"context"
	"net"
	"testing"
)

func TestAnswersTellsAListeningBrokerFromAClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	ctx := context.Background()
	for _, b := range []string{"tcp://" + addr, "ssl://" + addr, addr} {
		if !Answers(ctx, b) {
			t.Errorf("%s: a listening port does not answer", b)
		}
	}
	l.Close()
	if Answers(ctx, "tcp://"+addr) {
		t.Errorf("%s answers after its listener closed", addr)
	}
}
