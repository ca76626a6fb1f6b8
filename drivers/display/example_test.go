package display_test

import (
	"fmt"
	"log"

	"github.com/kakou/kakou/drivers/display"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/devices/v3/hd44780"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/host/v3"
)

// An SSD1306 128×64 OLED on I2C-1 at 0x3C.
func ExampleNewSSD1306() {
	if _, err := host.Init(); err != nil {
		log.Fatal(err)
	}
	bus, err := i2creg.Open("")
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()
	oled, err := ssd1306.NewI2C(bus, &ssd1306.DefaultOpts)
	if err != nil {
		log.Fatal(err)
	}
	dev, err := display.NewSSD1306(oled)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Halt()
	// The OLED has no CJK glyphs: "通过" is dropped and PASS is drawn large.
	if err := dev.Show(display.Screen{Headline: "PASS 通过", Detail: "36.7°C"}); err != nil {
		fmt.Println(err)
	}
}

// A 16×2 HD44780 LCD in 4-bit mode, wired as in the package documentation.
func ExampleNewHD44780() {
	if _, err := host.Init(); err != nil {
		log.Fatal(err)
	}
	var data []gpio.PinOut
	for _, name := range []string{"GPIO13", "GPIO19", "GPIO26", "GPIO21"} { // D4-D7
		data = append(data, gpioreg.ByName(name))
	}
	lcd, err := hd44780.New(data, gpioreg.ByName("GPIO5"), gpioreg.ByName("GPIO6"))
	if err != nil {
		log.Fatal(err)
	}
	dev, err := display.NewHD44780(lcd, 16, 2)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Halt()
	if err := dev.Show(display.Screen{Headline: "RECHECK", Detail: "37.4°C"}); err != nil {
		fmt.Println(err)
	}
}
