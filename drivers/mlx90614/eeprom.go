package mlx90614

import (
	"fmt"
	"math"
	"time"
)

// doSleep is replaced by tests, which record the waits instead.
var doSleep = time.Sleep

// eepromWait follows an erase or a write. The application note asks for
// 5 ms; users of the sibling MLX90615 measured cycles near 10 ms and read
// zeros before that, so wait 10 ms.
const eepromWait = 10 * time.Millisecond

// writable lists the EEPROM cells the chip lets the application change
// (application note: "only 9 cells are accessible for writing"): To max,
// To min, PWMCTRL, Ta range, emissivity, Config Register1, SMBus address and
// the cells 0x0F and 0x19. The rest hold factory calibration.
var writable = map[byte]bool{
	0x00: true, 0x01: true, 0x02: true, 0x03: true, 0x04: true,
	0x05: true, 0x0E: true, 0x0F: true, 0x19: true,
}

// configKeep is the bit of Config Register1 that must never change: the
// datasheet's EEPROM table warns that altering it cancels the factory
// calibration.
const configKeep = 1 << 3

// WriteEEPROM stores v in the EEPROM cell addressed by cmd (0x20 | cell) the
// way the datasheet prescribes: erase (write 0x0000), wait, write, wait, each
// frame with its PEC, then read the cell back. The chip applies most cells
// only after a power cycle. Cells that hold calibration, and changes to
// Config Register1 bit 3, are refused with ErrReadOnly.
func (d *Dev) WriteEEPROM(cmd byte, v uint16) error {
	if cmd&0xE0 != cmdEEPROM || !writable[cmd&0x1F] {
		return fmt.Errorf("mlx90614: write 0x%02X: %w", cmd, ErrReadOnly)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cmd == cmdConfig1 {
		if err := d.checkConfigChange(v); err != nil {
			return err
		}
	}
	if err := d.writeWord(cmd, 0x0000); err != nil {
		return fmt.Errorf("mlx90614: erase 0x%02X: %w", cmd, err)
	}
	doSleep(eepromWait)
	if err := d.writeWord(cmd, v); err != nil {
		return fmt.Errorf("mlx90614: write 0x%02X: %w", cmd, err)
	}
	doSleep(eepromWait)
	return d.verify(cmd, v)
}

// SetEmissivity stores ε (0.1-1.0) in EEPROM 0x04 as round(65535×ε).
//
// For fever screening leave the factory 1.0 and calibrate the
// forehead-to-body offset the caller adds instead. Melexis' "Changing emissivity" note says that on some parts cell
// 0x0F must be changed together with 0x04; this method does not touch it.
func (d *Dev) SetEmissivity(e float64) error {
	if !(e >= 0.1 && e <= 1) {
		return fmt.Errorf("mlx90614: emissivity %g: want 0.1-1.0", e)
	}
	return d.WriteEEPROM(cmdEmissivity, uint16(math.Round(e*0xFFFF)))
}

func (d *Dev) checkConfigChange(v uint16) error {
	old, err := d.readWord(cmdConfig1)
	if err != nil {
		return err
	}
	if (old^v)&configKeep != 0 {
		return fmt.Errorf("mlx90614: write 0x%02X: %w: bit 3 would change (0x%04X to 0x%04X) and cancel the factory calibration",
			cmdConfig1, ErrReadOnly, old, v)
	}
	return nil
}

// verify reads a cell back after writing it. Only the low byte of the SMBus
// address cell (0x0E) means anything.
func (d *Dev) verify(c byte, v uint16) error {
	got, err := d.readWord(c)
	if err != nil {
		return fmt.Errorf("mlx90614: verify 0x%02X: %w", c, err)
	}
	mask := uint16(0xFFFF)
	if c == cmdEEPROM|0x0E {
		mask = 0x00FF
	}
	if got&mask != v&mask {
		return fmt.Errorf("mlx90614: write 0x%02X: %w (wrote 0x%04X, read 0x%04X)", c, ErrVerify, v, got)
	}
	return nil
}
