package mlx90614

import (
	"errors"
	"testing"

	"periph.io/x/conn/v3/physic"
)

// melexis are frames whose PEC Melexis or a bus capture gives.
var melexis = []struct {
	name  string
	frame []byte
	pec   byte
}{
	// Datasheet read-word example: RAM 0x07 at 0x5A answering 0x3AD2.
	{"read Tobj1 at 0x5A", []byte{0xB4, 0x07, 0xB5, 0xD2, 0x3A}, 0x30},
	// Application note EEPROM example at the broadcast address 0x00.
	{"erase EEPROM 0x0E", []byte{0x00, 0x2E, 0x00, 0x00}, 0x6F},
	{"write 0x5A to EEPROM 0x0E", []byte{0x00, 0x2E, 0x5A, 0x00}, 0xE1},
	// Enter-sleep frame at 0x5A as quoted on forum.pycom.io (topic 4925).
	{"sleep at 0x5A", []byte{0xB4, 0xFF}, 0xE8},
	// Logic-analyzer capture of a read of RAM 0x06 at 0x5A.
	{"read Ta at 0x5A", []byte{0xB4, 0x06, 0xB5, 0xDF, 0x3A}, 0xCF},
}

func TestPECMatchesMelexisExamples(t *testing.T) {
	for _, tt := range melexis {
		if got := PEC(tt.frame...); got != tt.pec {
			t.Errorf("%s: PEC(% X) = 0x%02X, want 0x%02X", tt.name, tt.frame, got, tt.pec)
		}
	}
}

func TestPECCatchesEverySingleBitError(t *testing.T) {
	frame := melexis[0].frame
	for i := range frame {
		for bit := range 8 {
			f := append([]byte(nil), frame...)
			f[i] ^= 1 << bit
			if PEC(f...) == melexis[0].pec {
				t.Errorf("flipping bit %d of byte %d went unnoticed", bit, i)
			}
		}
	}
}

func TestEncodeWriteAppendsPEC(t *testing.T) {
	got := encodeWrite(0x00, 0x2E, 0x005A)
	want := []byte{0x2E, 0x5A, 0x00, 0xE1}
	if string(got) != string(want) {
		t.Errorf("encodeWrite = % X, want % X", got, want)
	}
}

// FuzzDecode checks that decodeWord accepts exactly the frames whose PEC is
// right, and that decodeTemperature honours the error flag.
func FuzzDecode(f *testing.F) {
	f.Add(byte(0x5A), byte(0x07), []byte{0xD2, 0x3A, 0x30})
	f.Add(byte(0x5A), byte(0x07), []byte{0xD2, 0x3A, 0x31})
	f.Add(byte(0x5A), byte(0x06), []byte{0xDF, 0x3A, 0xCF})
	f.Add(byte(0x5A), byte(0x07), []byte{0xD2, 0x3A})
	f.Add(byte(0x00), byte(0x2E), []byte{0x5A, 0x00, PEC(0x00, 0x2E, 0x01, 0x5A, 0x00)})
	f.Add(byte(0x5A), byte(0x07), []byte{0xFF, 0xFF, PEC(0xB4, 0x07, 0xB5, 0xFF, 0xFF)})
	f.Fuzz(func(t *testing.T, addr, cmd byte, rx []byte) {
		a := uint16(addr & 0x7F)
		v, err := decodeWord(a, cmd, rx)
		if len(rx) != 3 {
			if err == nil {
				t.Fatalf("decodeWord accepted %d bytes", len(rx))
			}
			return
		}
		s := byte(a << 1)
		if valid := rx[2] == PEC(s, cmd, s|1, rx[0], rx[1]); !valid {
			if !errors.Is(err, ErrPEC) {
				t.Fatalf("decodeWord(% X) error = %v, want ErrPEC", rx, err)
			}
			return
		}
		if err != nil || v != uint16(rx[0])|uint16(rx[1])<<8 {
			t.Fatalf("decodeWord(% X) = 0x%04X, %v", rx, v, err)
		}
		temp, err := decodeTemperature(cmd, v)
		if flagged := v&0x8000 != 0; flagged != errors.Is(err, ErrFlag) {
			t.Fatalf("decodeTemperature(0x%04X) error = %v", v, err)
		}
		if err == nil && (temp < 0 || temp > 0x7FFF*20*physic.MilliKelvin) {
			t.Fatalf("decodeTemperature(0x%04X) = %s, beyond the RAM scale", v, temp)
		}
	})
}

func BenchmarkPEC(b *testing.B) {
	frame := melexis[0].frame
	for b.Loop() {
		PEC(frame...)
	}
}
