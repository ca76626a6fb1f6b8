package gate_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kakou/kakou/drivers/gate"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/host/v3"
)

// On a Raspberry Pi wired as in the package documentation, with an
// active-low relay board.
func Example() {
	if _, err := host.Init(); err != nil {
		log.Fatal(err)
	}
	pins := gate.Pins{
		Relay:  gpioreg.ByName("GPIO17"),
		Green:  gpioreg.ByName("GPIO27"),
		Red:    gpioreg.ByName("GPIO22"),
		Buzzer: gpioreg.ByName("GPIO23"),
	}
	dev, err := gate.New(pins, &gate.Opts{ActiveLow: gate.Relay})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Halt() // gate locked, lamps off

	// ctx lives as long as the unit, so the pulse is not cut short.
	ctx := context.Background()
	if err := dev.Show(ctx, gate.Allow); err != nil {
		log.Print(err) // the guard opens the gate by hand
	}
}

// Show returns as soon as the outputs show the signal; a new one replaces
// it at once.
func ExampleDev_Show() {
	relay, green, red := &gpiotest.Pin{N: "GPIO17"}, &gpiotest.Pin{N: "GPIO27"}, &gpiotest.Pin{N: "GPIO22"}
	dev, err := gate.New(gate.Pins{Relay: relay, Green: green, Red: red}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Halt()
	ctx := context.Background()

	_ = dev.Show(ctx, gate.Allow)
	fmt.Println("allow: relay", relay.Read(), "green", green.Read(), "red", red.Read())
	_ = dev.Show(ctx, gate.Deny)
	fmt.Println("deny:  relay", relay.Read(), "green", green.Read(), "red", red.Read())
	// Output:
	// allow: relay High green High red Low
	// deny:  relay Low green Low red High
}
