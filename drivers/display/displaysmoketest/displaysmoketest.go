// Package displaysmoketest checks a result display wired to a Raspberry Pi,
// in the manner of periph-smoketest: it shows every gate headline in turn
// on an SSD1306 OLED (the default) or an HD44780 LCD, for the person running
// it to read, then blanks the display.
package displaysmoketest

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kakou/kakou/drivers/display"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/devices/v3/hd44780"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/host/v3"
)

// SmokeTest is run by a smoke-test runner on the Pi.
type SmokeTest struct {
	// Out receives the report; nil means standard output.
	Out io.Writer
}

// Name implements the SmokeTest interface.
func (s *SmokeTest) Name() string {
	return "display"
}

// Description implements the SmokeTest interface.
func (s *SmokeTest) Description() string {
	return "Shows every gate result on an SSD1306 OLED over I²C or an HD44780 LCD over GPIO"
}

// screens are the results shown, the longest words among them.
var screens = []display.Screen{
	{Headline: "PASS 通过", Detail: "36.7°C"},
	{Headline: "RECHECK", Detail: "37.4°C"},
	{Headline: "REGISTER", Detail: "VISITOR"},
	{Headline: "DENY", Detail: "38.2°C"},
	{Headline: "REFER", Detail: "FEVER CLINIC"},
	{Headline: "WAIT", Detail: "150/150"},
	{Headline: "FAULT", Detail: "THERMOMETER"},
}

// Run implements the SmokeTest interface.
func (s *SmokeTest) Run(f *flag.FlagSet, args []string) (err error) {
	busName := f.String("i2c", "", "I²C bus of the OLED (default: the first one, I2C1 on a Pi)")
	lcd := f.Bool("lcd", false, "use an HD44780 LCD on GPIO instead of the OLED")
	rs := f.String("rs", "GPIO5", "LCD RS pin")
	e := f.String("e", "GPIO6", "LCD E pin")
	data := f.String("d", "GPIO13,GPIO19,GPIO26,GPIO21", "LCD D4-D7 pins, comma-separated")
	cols := f.Int("cols", 16, "LCD columns")
	rows := f.Int("rows", 2, "LCD rows")
	hold := f.Duration("hold", 2*time.Second, "how long each result is shown")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 0 {
		f.Usage()
		return errors.New("displaysmoketest: unrecognized arguments")
	}
	if _, err := host.Init(); err != nil {
		return fmt.Errorf("displaysmoketest: %w", err)
	}
	if *lcd {
		dev, err := openLCD(*rs, *e, *data, *cols, *rows)
		if err != nil {
			return err
		}
		return s.run(dev, *hold)
	}
	bus, err := i2creg.Open(*busName)
	if err != nil {
		return fmt.Errorf("displaysmoketest: %w", err)
	}
	defer func() {
		if cerr := bus.Close(); err == nil {
			err = cerr
		}
	}()
	oled, err := ssd1306.NewI2C(bus, &ssd1306.DefaultOpts)
	if err != nil {
		return fmt.Errorf("displaysmoketest: %w", err)
	}
	dev, err := display.NewSSD1306(oled)
	if err != nil {
		return err
	}
	return s.run(dev, *hold)
}

func (s *SmokeTest) out() io.Writer {
	if s.Out == nil {
		return os.Stdout
	}
	return s.Out
}

func (s *SmokeTest) run(dev *display.Dev, hold time.Duration) (err error) {
	defer func() {
		if herr := dev.Halt(); err == nil {
			err = herr
		}
	}()
	fmt.Fprintf(s.out(), "%s\n", dev)
	for _, sc := range screens {
		fmt.Fprintf(s.out(), "expect %q over %q\n", sc.Headline, sc.Detail)
		if err := dev.Show(sc); err != nil {
			return err
		}
		time.Sleep(hold)
	}
	return nil
}

func openLCD(rs, e, data string, cols, rows int) (*display.Dev, error) {
	names := strings.Split(data, ",")
	if len(names) != 4 {
		return nil, fmt.Errorf("displaysmoketest: -d %q: want 4 pins, D4 to D7", data)
	}
	var pins []gpio.PinOut
	for _, n := range append(names, rs, e) {
		p := gpioreg.ByName(strings.TrimSpace(n))
		if p == nil {
			return nil, fmt.Errorf("displaysmoketest: pin %q: no such GPIO", n)
		}
		pins = append(pins, p)
	}
	lcd, err := hd44780.New(pins[:4], pins[4], pins[5])
	if err != nil {
		return nil, fmt.Errorf("displaysmoketest: %w", err)
	}
	return display.NewHD44780(lcd, cols, rows)
}
