package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The command frames published with the protocol, byte for byte: find,
// select and read from "C# 使用串口分析SAM协议,读取身份证信息"
// (yzsam.com/html/CNvfzM.html), which a Huashi (华视) 100D reader
// answered; the same three appear in public firmware for 8051 readers.
func TestEncodeCommandMatchesThePublishedFrames(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  [2]byte
		want string
	}{
		{"find card", cmdFindCard, "AA AA AA 96 69 00 03 20 01 22"},
		{"select card", cmdSelectCard, "AA AA AA 96 69 00 03 20 02 21"},
		{"read base information", cmdReadBase, "AA AA AA 96 69 00 03 30 01 32"},
		// Not published as a frame; its checksum is 00^03^12^FF.
		{"SAM id", cmdSAMID, "AA AA AA 96 69 00 03 12 FF EE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := EncodeCommand(tc.cmd[0], tc.cmd[1], nil), unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("EncodeCommand = % X, want % X", got, want)
			}
		})
	}
}

// publishedResponses are the module's answers printed in the public
// descriptions (README.md "Where this was confirmed").
var publishedResponses = []struct {
	name   string
	frame  string
	sw     [3]byte
	data   int
	status error // nil for a success
}{
	// yzsam.com/html/CNvfzM.html: find card answered with the card's IIN.
	{"find card success", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", [3]byte{0, 0, 0x9F}, 4, nil},
	// yzsam.com/html/CNvfzM.html: select card answered with 8 bytes.
	{"select card success", "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", [3]byte{0, 0, 0x90}, 8, nil},
	// softs.im "nfc读取身份证": read failed, and SAM-to-card authentication failed.
	{"read failed", "AA AA AA 96 69 00 04 00 00 41 45", [3]byte{0, 0, 0x41}, 0, ErrReadFailed},
	{"authentication failed", "AA AA AA 96 69 00 04 00 00 32 36", [3]byte{0, 0, 0x32}, 0, &StatusError{}},
}

func TestDecodeResponseReadsThePublishedFrames(t *testing.T) {
	for _, tc := range publishedResponses {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := NewDecoder(bytes.NewReader(unhex(t, tc.frame))).ReadResponse()
			if err != nil {
				t.Fatal(err)
			}
			if resp.SW != tc.sw || len(resp.Data) != tc.data {
				t.Errorf("got status % X with %d bytes, want % X with %d", resp.SW, len(resp.Data), tc.sw, tc.data)
			}
			var se *StatusError
			switch err := resp.Err(); {
			case tc.status == nil && err != nil:
				t.Errorf("Err = %v, want success", err)
			case tc.status != nil && !errors.As(err, &se):
				t.Errorf("Err = %v, want a *StatusError", err)
			case tc.status == ErrReadFailed && !errors.Is(err, ErrReadFailed):
				t.Errorf("Err = %v, want ErrReadFailed", err)
			}
			if got := EncodeResponse(resp.SW, resp.Data); !bytes.Equal(got, unhex(t, tc.frame)) {
				t.Errorf("re-encoded % X, want %s", got, tc.frame)
			}
		})
	}
}

// The header of read base information as eastcoms.com's parsing guide
// prints it: length 05 08 (1288), success, 256 bytes of text, 1024 of photo.
func TestReadBaseInformationFrameHasThePublishedHeaderAndSize(t *testing.T) {
	f := EncodeResponse([3]byte{0, 0, 0x90}, baseInfo(SampleCards()[0]))
	if want := unhex(t, "AA AA AA 96 69 05 08 00 00 90 01 00 04 00"); !bytes.HasPrefix(f, want) {
		t.Errorf("header % X, want % X", f[:len(want)], want)
	}
	if len(f) != 1295 {
		t.Errorf("frame is %d bytes, want the published 1295", len(f))
	}
}

func TestStatusWordsBecomeErrorsThatSayWhatHappened(t *testing.T) {
	for _, tc := range []struct {
		sw3  byte
		is   error
		says string
	}{
		{0x80, ErrNoCard, "no card"},
		{0x81, ErrSelectFailed, "select failed"},
		{0x41, ErrReadFailed, "read failed"},
		{0x10, nil, "bad checksum in our command"},
		{0x66, nil, "not authorised"},
		{0x77, nil, "unknown status"},
	} {
		err := Response{SW: [3]byte{0, 0, tc.sw3}}.Err()
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("status %02X: %v, want it to say %q", tc.sw3, err, tc.says)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("status %02X: %v is not %v", tc.sw3, err, tc.is)
		}
		if tc.is == nil && (errors.Is(err, ErrNoCard) || errors.Is(err, ErrReadFailed)) {
			t.Errorf("status %02X: %v is taken for a card state", tc.sw3, err)
		}
	}
	// A success in SW3 with SW1 SW2 set is not a success.
	if err := (Response{SW: [3]byte{0x6A, 0x82, 0x90}}).Err(); err == nil {
		t.Error("status 6A 82 90 taken for a success")
	}
}

func TestDecoderResynchronisesOnThePreambleAfterNoise(t *testing.T) {
	a := EncodeResponse([3]byte{0, 0, 0x9F}, []byte{1, 2, 3, 4})
	b := EncodeResponse([3]byte{0, 0, 0x80}, nil)
	var s []byte
	s = append(s, "noise\x00\xff"...)
	s = append(s, 0xAA, 0xAA, 0xAA, 0x96, 0x13) // a false start
	s = append(s, 0xAA)                         // a fourth AA before the real preamble
	s = append(s, a...)
	s = append(s, 0xAA, 0x96, 0x69) // a partial preamble
	s = append(s, b...)
	d := NewDecoder(bytes.NewReader(s))
	for i, want := range [][3]byte{{0, 0, 0x9F}, {0, 0, 0x80}} {
		resp, err := d.ReadResponse()
		if err != nil || resp.SW != want {
			t.Fatalf("frame %d: %v, %v, want status % X", i, resp.SW, err, want)
		}
	}
	if _, err := d.ReadResponse(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestDecoderRefusesAnAbsurdLengthAndFindsTheNextFrame(t *testing.T) {
	good := EncodeResponse([3]byte{0, 0, 0x90}, nil)
	for _, length := range []string{"FF FF", "0A 01", "00 02", "00 00"} {
		s := append(unhex(t, "AA AA AA 96 69 "+length+" 01 02"), good...)
		d := NewDecoder(bytes.NewReader(s))
		// Refused from the length alone: a decoder that trusted FF FF would
		// wait for 65535 bytes and report io.ErrUnexpectedEOF instead.
		if _, err := d.ReadResponse(); !errors.Is(err, ErrLength) {
			t.Errorf("length %s: %v, want ErrLength", length, err)
		}
		if resp, err := d.ReadResponse(); err != nil || resp.SW[2] != 0x90 {
			t.Errorf("length %s: the next frame: %v, %v", length, resp.SW, err)
		}
	}
}

func TestDecoderReportsAChecksumMismatchAndGoesOn(t *testing.T) {
	bad := EncodeResponse([3]byte{0, 0, 0x90}, []byte("data"))
	bad[len(bad)-1] ^= 0x01
	good := EncodeResponse([3]byte{0, 0, 0x80}, nil)
	d := NewDecoder(bytes.NewReader(append(bad, good...)))
	if _, err := d.ReadResponse(); !errors.Is(err, ErrChecksum) {
		t.Fatalf("got %v, want ErrChecksum", err)
	}
	if resp, err := d.ReadResponse(); err != nil || resp.SW[2] != 0x80 {
		t.Errorf("the next frame: %v, %v", resp.SW, err)
	}
}

func TestDecoderReportsAFrameCutShort(t *testing.T) {
	f := EncodeResponse([3]byte{0, 0, 0x90}, []byte("data"))
	for _, n := range []int{3, 6, len(f) - 1} {
		if _, err := NewDecoder(bytes.NewReader(f[:n])).ReadResponse(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d: %v, want io.ErrUnexpectedEOF", n, err)
		}
	}
}

func TestDecoderGivesUpOnAStreamWithNoPreamble(t *testing.T) {
	noise := bytes.Repeat([]byte{0xAA, 0xAA, 0x00}, maxSkip)
	if _, err := NewDecoder(bytes.NewReader(noise)).ReadResponse(); !errors.Is(err, ErrNoPreamble) {
		t.Errorf("got %v, want ErrNoPreamble", err)
	}
}

func TestResponseWithoutRoomForStatusWordsIsRefused(t *testing.T) {
	// Length 3: a command's minimum, two bytes short of a response's.
	f := unhex(t, "AA AA AA 96 69 00 03 00 00 03")
	if _, err := NewDecoder(bytes.NewReader(f)).ReadResponse(); !errors.Is(err, ErrLength) {
		t.Errorf("got %v, want ErrLength", err)
	}
}

func TestCommandFramesRoundTrip(t *testing.T) {
	f := EncodeCommand(0x60, 0x00, []byte{9})
	cmd, err := NewDecoder(bytes.NewReader(f)).ReadCommand()
	if err != nil || cmd.Cmd != 0x60 || cmd.Para != 0 || !bytes.Equal(cmd.Data, []byte{9}) {
		t.Errorf("got %+v, %v", cmd, err)
	}
}
