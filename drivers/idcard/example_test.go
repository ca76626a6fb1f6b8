package idcard_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
)

// A Reader over a pipe to the simulated module reads the card placed on
// it. On a Pi, idcard.Open("/dev/serial/by-id/…", idcard.Options{}) opens
// the real reader instead, and Run reports each card as it is placed.
func Example() {
	host, module := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := idcard.NewSim()
	go func() { _ = sim.Serve(ctx, module) }()
	r := idcard.New(host, idcard.Options{})
	defer r.Close()

	sim.Place(idcard.SampleCards()[1])
	c, err := r.ReadOnce(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name, c.Sex, c.Ethnicity, c.Expired(time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local)))

	sim.Lift()
	_, err = r.ReadOnce(ctx)
	fmt.Println(err)
	// Output:
	// 李样本 女 回 true
	// idcard: module status 00 00 80: no card
}
