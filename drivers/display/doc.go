// Package display shows the last result at the gate in large text, on an
// HD44780 character LCD or an SSD1306 OLED.
//
// A gate guard reads the result at a glance from a step or two away
// (docs/product.md "Who uses it"); the lamps and the buzzer of package gate carry
// the colour and the sound, this package the words. A Screen is a headline
// (PASS, RECHECK, REGISTER, DENY, REFER, WAIT, FAULT) and a short detail
// (36.7°C, 120/150).
//
// Neither display has Chinese characters: the HD44780's character ROM has
// none, and this package draws the OLED with its own 5×7 font of capitals,
// digits and a few signs, scaled up. Runes the display cannot show are
// dropped, so a headline of "PASS 通过" shows PASS. A Chinese screen needs a
// panel with a framebuffer and a CJK font; the guard console is the place
// for it.
//
// On the OLED the headline takes the whole width at the largest scale that
// fits (PASS stands 42 px tall) with the detail below it; a long word is
// drawn condensed rather than small. On the LCD the headline takes a row and
// the detail wraps over the rows below, centred; what does not fit is cut
// off. Every Show rewrites every character cell or every pixel, so nothing
// of the previous person's result remains.
//
// # Datasheets
//
// HD44780U (Hitachi), "Display Data RAM", "Interfacing to the MPU" and
// table 4 (character ROM A00, where 0xDF is "°"):
// https://www.sparkfun.com/datasheets/LCD/HD44780.pdf
//
// SSD1306 (Solomon Systech), section 8.7 "Graphic Display Data RAM" and
// section 8.1.5 "MCU I2C Interface":
// https://cdn-shop.adafruit.com/datasheets/SSD1306.pdf
//
// # Wiring an SSD1306 OLED on a Raspberry Pi
//
// The common 0.96" 128×64 modules take 3.3 V and have pull-ups on board:
//
//	OLED VCC -> pin 1 (3.3 V)
//	OLED GND -> pin 6 (GND)
//	OLED SDA -> pin 3 (GPIO2, SDA1)
//	OLED SCL -> pin 5 (GPIO3, SCL1)
//
// It shares I2C-1 with the MLX90614 thermometer. `i2cdetect -y 1` should
// show it at 0x3C, the only address ssd1306.NewI2C speaks to; modules
// strapped to 0x3D need their address jumper moved. Over I²C at 100 kHz a
// full frame takes about 100 ms, and periph's driver sends only the columns
// that changed. Do not raise the bus to 400 kHz while the MLX90614 shares
// it: 100 kHz is that chip's SMBus maximum.
//
// # Wiring an HD44780 LCD on a Raspberry Pi
//
// 16×2 and 20×4 modules run on 5 V; in 4-bit mode the Pi drives RS, E and
// D4-D7 at 3.3 V, which the HD44780U reads as high (VIH 2.2 V):
//
//	LCD VSS -> GND          LCD RS -> GPIO5  (pin 29)
//	LCD VDD -> 5 V          LCD E  -> GPIO6  (pin 31)
//	LCD V0  -> 10 kΩ pot    LCD D4 -> GPIO13 (pin 33)
//	LCD RW  -> GND          LCD D5 -> GPIO19 (pin 35)
//	LCD A/K -> backlight    LCD D6 -> GPIO26 (pin 37)
//	                        LCD D7 -> GPIO21 (pin 40)
//
// Tie RW to ground: the module then never drives its data lines, which at
// 5 V would harm the Pi. These pins stay clear of the gate's outputs
// (GPIO17, 22, 23, 24, 27), I2C-1 and SPI0.
//
// periph's hd44780 driver leaves D0-D3 to the chip's pull-ups during its
// reset, which selects two-line mode; that is what HD44780U modules and
// their clones do. A clone without those pull-ups shows only the first row.
package display
