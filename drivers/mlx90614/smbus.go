package mlx90614

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/physic"
)

// Sentinel errors. Errors returned by this package wrap them, so callers test
// with errors.Is; the texts carry no package prefix because the wrapping
// message already has one.
var (
	// ErrNoSensor means the bus transaction failed (typically a NACK): the
	// sensor is unplugged, unpowered, miswired or at another address. It is a
	// device fault: the guard should take temperatures by hand.
	ErrNoSensor = errors.New("no sensor")
	// ErrPEC means the word's Packet Error Code stayed wrong after every retry.
	ErrPEC = errors.New("PEC mismatch")
	// ErrFlag means the chip set the error flag (MSB) of a linearised
	// temperature: it does not trust its own result.
	ErrFlag = errors.New("sensor error flag set")
	// ErrReadOnly means WriteEEPROM was asked for a cell the chip does not let
	// the application change, or for a change that would void calibration.
	ErrReadOnly = errors.New("EEPROM cell not writable")
	// ErrVerify means an EEPROM cell read back differently from what was written.
	ErrVerify = errors.New("EEPROM read-back differs")
)

// SMBus commands (datasheet 8.4.6): RAM access is 000x_xxxx, EEPROM access is
// 001x_xxxx, x being the cell address.
const (
	cmdAmbient    byte = 0x06 // RAM Ta, linearised ambient.
	cmdObject1    byte = 0x07 // RAM Tobj1, zone 1.
	cmdObject2    byte = 0x08 // RAM Tobj2, zone 2 on dual-zone parts.
	cmdEEPROM     byte = 0x20 // OR with the EEPROM cell address 0x00-0x1F.
	cmdEmissivity      = cmdEEPROM | 0x04
	cmdConfig1         = cmdEEPROM | 0x05
)

// PEC returns the SMBus Packet Error Code of data: CRC-8 with polynomial 0x07
// (x⁸+x²+x+1), initial value 0, no reflection, no final XOR. For a read word
// data is address<<1, command, address<<1|1, LSB, MSB; for a write word it is
// address<<1, command, LSB, MSB.
func PEC(data ...byte) byte {
	var crc byte
	for _, b := range data {
		crc ^= b
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ 0x07
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// decodeWord checks the three bytes answering a read word (LSB, MSB, PEC)
// sent by the chip at addr for command cmd, and returns the word.
func decodeWord(addr uint16, cmd byte, rx []byte) (uint16, error) {
	if len(rx) != 3 {
		return 0, fmt.Errorf("mlx90614: read 0x%02X: got %d bytes, want LSB, MSB and PEC", cmd, len(rx))
	}
	sa := byte(addr << 1)
	want := PEC(sa, cmd, sa|1, rx[0], rx[1])
	if rx[2] != want {
		return 0, fmt.Errorf("mlx90614: read 0x%02X: %w (got 0x%02X, want 0x%02X)", cmd, ErrPEC, rx[2], want)
	}
	return uint16(rx[0]) | uint16(rx[1])<<8, nil
}

// decodeTemperature converts a linearised RAM temperature (Ta, Tobj1, Tobj2):
// 0.02 K per LSB, the MSB being the chip's error flag (datasheet 8.4.6).
func decodeTemperature(cmd byte, raw uint16) (physic.Temperature, error) {
	if raw&0x8000 != 0 {
		return 0, fmt.Errorf("mlx90614: read 0x%02X: %w (raw 0x%04X)", cmd, ErrFlag, raw)
	}
	return physic.Temperature(raw) * 20 * physic.MilliKelvin, nil
}

// encodeWrite frames a write word to cmd at addr, PEC last.
func encodeWrite(addr uint16, cmd byte, v uint16) []byte {
	lo, hi := byte(v), byte(v>>8)
	return []byte{cmd, lo, hi, PEC(byte(addr<<1), cmd, lo, hi)}
}

// noSensor wraps a failed bus transaction with what the installer should check.
func noSensor(addr uint16, cmd byte, err error) error {
	return fmt.Errorf("mlx90614: %w at 0x%02X on the I2C bus: check wiring (SDA to GPIO2, SCL to GPIO3, VDD to 3.3 V, GND), that I2C is enabled, and the sensor address: command 0x%02X: %w",
		ErrNoSensor, addr, cmd, err)
}

// readWord reads one word, repeating the whole message when the bus fails or
// the PEC is wrong, as datasheet 8.4.3.1 asks of the master.
func (d *Dev) readWord(cmd byte) (uint16, error) {
	var err error
	for range d.attempts() {
		var rx [3]byte
		if txErr := d.c.Tx([]byte{cmd}, rx[:]); txErr != nil {
			err = noSensor(d.c.Addr, cmd, txErr)
			continue
		}
		var v uint16
		if v, err = decodeWord(d.c.Addr, cmd, rx[:]); err == nil {
			return v, nil
		}
	}
	return 0, err
}

// writeWord writes one word with its PEC; the chip NACKs a frame whose PEC
// is wrong, so a failed write is repeated like a failed read.
func (d *Dev) writeWord(cmd byte, v uint16) error {
	var err error
	for range d.attempts() {
		if err = d.c.Tx(encodeWrite(d.c.Addr, cmd, v), nil); err == nil {
			return nil
		}
	}
	return noSensor(d.c.Addr, cmd, err)
}

// readTemperature reads a linearised RAM temperature.
func (d *Dev) readTemperature(cmd byte) (physic.Temperature, error) {
	raw, err := d.readWord(cmd)
	if err != nil {
		return 0, err
	}
	return decodeTemperature(cmd, raw)
}

func (d *Dev) attempts() int {
	return 1 + max(d.opts.Retries, 0)
}
