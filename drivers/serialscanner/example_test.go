package serialscanner_test

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/kakou/kakou/drivers/qrscan"
	"github.com/kakou/kakou/drivers/serialscanner"
)

func Example() {
	opts := serialscanner.DefaultOpts
	opts.Port = "/dev/serial/by-id/usb-Newland_Auto-ID_NLS-FR40_0001-if00" // from List
	s, err := serialscanner.Open(&opts)
	if err != nil {
		fmt.Println(err) // bad options only: an absent scanner is not an error
		return
	}
	defer s.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	for {
		c, err := s.Scan(ctx)
		switch {
		case errors.Is(err, qrscan.ErrOversize):
			continue
		case err != nil:
			return
		case !c.Valid:
			fmt.Println("unknown code, scan again")
		default:
			fmt.Printf("scanned %d bytes\n", len(c.Data))
		}
	}
}

func ExampleList() {
	ports, err := serialscanner.List()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ports {
		fmt.Println(p.Name, p.Links, p.VID, p.PID, p.SerialNumber, p.Product)
	}
}
