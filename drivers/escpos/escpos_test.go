package escpos

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The bytes below are written out from the Epson ESC/POS Command
// Reference, command by command, not produced by the code under test.
func TestReceiptIsTheReferenceByteStream(t *testing.T) {
	var out bytes.Buffer
	d, err := New(&out, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := d.Receipt().Align(Center).Size(2, 2).Line("访客 301234").Size(1, 1).QR("KKV1:a").Align(Left).Line("OK")
	if err := d.Print(r); err != nil {
		t.Fatal(err)
	}
	want := bytes.Join([][]byte{
		{0x1b, 0x40},             // ESC @
		{0x1c, 0x26},             // FS &: Kanji mode
		{0x1b, 0x61, 0x01},       // ESC a 1: centre
		{0x1d, 0x21, 0x11},       // GS ! 0x11: double width and height
		{0xb7, 0xc3, 0xbf, 0xcd}, // 访客 in GB18030 (the GB2312 codes B7C3 BFCD)
		[]byte(" 301234\n"),
		{0x1d, 0x21, 0x00}, // GS ! 0: normal size
		{0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00}, // Fn 165: model 2
		{0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x06},       // Fn 167: module 6
		{0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31},       // Fn 169: level M
		{0x1d, 0x28, 0x6b, 0x09, 0x00, 0x31, 0x50, 0x30},       // Fn 180: store, pL = 6 data + 3
		[]byte("KKV1:a"),
		{0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30}, // Fn 181: print
		{'\n'},
		{0x1b, 0x61, 0x00}, // ESC a 0: left
		[]byte("OK\n"),
		{0x1d, 0x56, 0x42, 0x03}, // GS V 66 3: feed and partial cut
	}, nil)
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("printed\n% x\nwant\n% x", out.Bytes(), want)
	}
}

func TestALongQRCountsItsLengthInTwoBytes(t *testing.T) {
	d, _ := New(&bytes.Buffer{}, nil)
	data := strings.Repeat("x", 300)
	b := d.Receipt().QR(data).Bytes()
	store := []byte{0x1d, 0x28, 0x6b, 0x2f, 0x01, 0x31, 0x50, 0x30} // 303 = 0x012f
	if i := bytes.Index(b, store); i < 0 || string(b[i+len(store):i+len(store)+300]) != data {
		t.Fatalf("no Function 180 header for 300 bytes in % x", b[:40])
	}
}

func TestWithoutKanjiTextGoesAsIs(t *testing.T) {
	var out bytes.Buffer
	d, _ := New(&out, &Opts{QRModule: 4})
	d.Print(d.Receipt().Line("Visit 301234"))
	if want := "\x1b@Visit 301234\n\x1dVB\x03"; out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}

func TestBadReceiptsAreRefusedBeforeAnyByteIsSent(t *testing.T) {
	var out bytes.Buffer
	d, _ := New(&out, nil)
	for name, r := range map[string]*Receipt{
		"control character": d.Receipt().Line("a\x1bb"),
		"size 9":            d.Receipt().Size(9, 1),
		"empty QR":          d.Receipt().QR(""),
		"huge QR":           d.Receipt().QR(strings.Repeat("x", maxQR+1)),
		"justification 3":   d.Receipt().Align(3).Line("ok"),
	} {
		if err := d.Print(r); err == nil {
			t.Errorf("%s: printed", name)
		}
	}
	if out.Len() != 0 {
		t.Errorf("sent % x for refused receipts", out.Bytes())
	}
	if _, err := New(&out, &Opts{QRModule: 0}); err == nil {
		t.Error("module size 0 accepted")
	}
}

type brokenPort struct{}

func (brokenPort) Write([]byte) (int, error) { return 0, errors.New("input/output error") }

func TestAWriteErrorNamesThePrinter(t *testing.T) {
	d, _ := New(brokenPort{}, nil)
	err := d.Print(d.Receipt().Line("x"))
	if err == nil || !strings.HasPrefix(err.Error(), "escpos: write") {
		t.Fatalf("error %v, want it prefixed escpos: write", err)
	}
}
