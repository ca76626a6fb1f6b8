// Package mlx90614 controls a Melexis MLX90614 IR thermometer over I2C/SMBus.
//
// The chip measures the infrared radiation of whatever fills its field of
// view (the object, Tobj) and its own package temperature (the ambient, Ta).
// Kakou points it at a forehead; Dev.Measure turns a few object samples into
// one reading per person and says when the chip's reading should not be
// trusted. The driver reports what the chip measured: a body temperature
// (an offset from the skin, a range a person can have) is the caller's
// judgement. Dev implements physic.SenseEnv for the object temperature.
//
// # Datasheets
//
// MLX90614 family datasheet (single and dual zone, TO-39), section 8.4
// "SMBus compatible 2-wire protocol":
// https://www.melexis.com/en/documents/documentation/datasheets/datasheet-mlx90614
//
// Application note "SMBus communication with MLX90614" (390119061402), with
// the EEPROM erase/write examples this package's tests replay:
// https://www.pololu.com/product/1061/resources
//
// Application note "MLX90614 Changing emissivity", read it before calling
// SetEmissivity on a medical (xCx/DCx) part.
//
// # Wiring on a Raspberry Pi
//
// Use a 3 V part (MLX90614xBx, or xDx for medical accuracy) or a breakout
// board made for 3.3 V logic:
//
//	sensor VDD -> pin 1  (3.3 V)
//	sensor VSS -> pin 6  (GND)
//	sensor SDA -> pin 3  (GPIO2, SDA1)
//	sensor SCL -> pin 5  (GPIO3, SCL1)
//
// The Pi has 1.8 kΩ pull-ups on GPIO2/GPIO3, so a bare sensor needs no
// resistors. Enable the bus with dtparam=i2c_arm=on; the default clock of
// 100 kHz is also the SMBus maximum the chip accepts, so do not raise it.
// `i2cdetect -y 1` should show the chip at 0x5A, its factory address. Parts
// configured for PWM output at the factory do not answer SMBus until their
// SCL line is pulled low briefly; Kakou expects the SMBus default.
//
// # Why every read checks the PEC
//
// Each SMBus word the chip sends ends with a Packet Error Code, a CRC-8
// (polynomial x⁸+x²+x+1, initial value 0) over the whole frame: address with
// the write bit, command, address with the read bit, then the two data bytes.
// A single flipped bit on a long cable to an outdoor sensor head can move a
// reading by kelvins: a fever that passes, or a healthy person sent to the
// fever clinic. The datasheet tells the master to repeat a message whose PEC
// is wrong, so reads are retried (Opts.Retries) and only then fail with
// ErrPEC. Writes carry a PEC too, which the chip checks before it stores a
// word in EEPROM.
//
// The PEC is not periph's devices/common CRC8, which uses Sensirion's
// polynomial 0x31 and initial value 0xFF.
package mlx90614
