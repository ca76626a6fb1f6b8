package mlx90614_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/kakou/kakou/drivers/mlx90614"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/host/v3"
)

// On a Raspberry Pi: open the first I²C bus and screen one person.
func Example() {
	if _, err := host.Init(); err != nil {
		log.Fatal(err)
	}
	bus, err := i2creg.Open("")
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()

	dev, err := mlx90614.New(bus, &mlx90614.DefaultOpts)
	if err != nil {
		log.Fatal(err) // the message says what to check in the wiring
	}
	r, err := dev.Measure(context.Background())
	switch {
	case errors.Is(err, mlx90614.ErrNoSensor):
		fmt.Println("thermometer fault: take the temperature by hand")
	case err != nil:
		fmt.Println("no reading:", err)
	case r.Uncertain:
		fmt.Println("measure again:", r.Why)
	default:
		// A body temperature needs the site's forehead offset: the unit
		// adds it in firmware/sensors.
		fmt.Println("forehead", r.Object)
	}
}

// The datasheet's read-word example, replayed: the chip at 0x5A answers
// command 0x07 with D2 3A and PEC 0x30.
func ExampleDev_Object() {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x5A, W: []byte{0x24}, R: []byte{0xFF, 0xFF, mlx90614.PEC(0xB4, 0x24, 0xB5, 0xFF, 0xFF)}},
		{Addr: 0x5A, W: []byte{0x06}, R: []byte{0xDF, 0x3A, 0xCF}},
		{Addr: 0x5A, W: []byte{0x07}, R: []byte{0xD2, 0x3A, 0x30}},
	}}
	dev, err := mlx90614.New(bus, &mlx90614.DefaultOpts)
	if err != nil {
		log.Fatal(err)
	}
	t, err := dev.Object()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t)
	// Output: 28.010°C
}
