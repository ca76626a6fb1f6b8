package anpr

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func readAll(t *testing.T, in string, o Opts) ([]Read, *Reader) {
	t.Helper()
	r := NewReader(strings.NewReader(in), &o)
	var out []Read
	for {
		rd, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, r
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rd)
	}
}

func TestReaderFramesPlatesAndSkipsNoise(t *testing.T) {
	in := "\x00\xff\xffBOOT v1.2\r\n" + // power-up noise and a banner
		"PLATE,粤B12345,blue,92\r\n" +
		"\x00\x00PLATE,京A1234学,黄,88\n" + // UART noise before the tag, LF only
		"PLATE,沪AD12345,green\r\n" + // a field missing
		"PLATE,沪AD12345,green,abc\r\n" + // not a number
		"PLATE,沪AD12345,green,101\r\n" + // out of range
		"PLATE,\xff\xfe12345,blue,99\r\n" + // not UTF-8
		"PLATE,粤B\x0712345,blue,99\r\n" + // a control character
		"PLATE,粤B54321,blue,40\r\n" + // the camera doubts it
		"PLATE,粤B·99999,pink,75\r\n" + // unknown colour
		"PLATE,,blue,90\r\n" + // no plate
		strings.Repeat("X", 500) + "PLATE,粤B00000,blue,99\r\n" + // a line too long, dropped whole
		"PLATE,苏E12345F,white,80\r\n" +
		"PLATE,苏E1" // cut off at the end of the stream
	got, r := readAll(t, in, Opts{MinConfidence: 60})
	want := []Read{{Plate: "粤B12345", Colour: "blue", Confidence: 92}, {Plate: "京A1234学", Colour: "yellow", Confidence: 88},
		{Plate: "粤B·99999", Colour: "", Confidence: 75}, {Plate: "苏E12345F", Colour: "white", Confidence: 80}}
	if len(got) != len(want) {
		t.Fatalf("got %d reads %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		got[i].At = time.Time{}
		if got[i] != want[i] {
			t.Errorf("read %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if r.Skipped() != 9 {
		t.Errorf("skipped %d lines, want 9", r.Skipped())
	}
}

func TestReaderCountsACarWaitingAtTheBarrierOnce(t *testing.T) {
	// Each good line takes the next of these times: the camera's reads
	// of a car waiting at the barrier, then of the next car.
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		at    time.Duration
		plate string
	}{{0, "粤B12345"}, {3 * time.Second, "粤B12345"}, {12 * time.Second, "粤B12345"}, // still waiting: 9 s apart
		{12 * time.Second, "粤B54321"}, {32 * time.Second, "粤B54321"}, {32 * time.Second, "粤B12345"}}
	var in strings.Builder
	for _, s := range steps {
		in.Write(Frame(s.plate, "blue", 90))
	}
	i := 0
	now := func() time.Time { i++; return t0.Add(steps[i-1].at) }
	got, _ := readAll(t, in.String(), Opts{DedupWindow: 10 * time.Second, Now: now})
	var plates []string
	for _, rd := range got {
		plates = append(plates, rd.Plate)
	}
	if got := strings.Join(plates, " "); got != "粤B12345 粤B54321 粤B54321 粤B12345" {
		t.Fatalf("reads %q", got)
	}
}

func TestReaderJoinsLinesArrivingInPieces(t *testing.T) {
	in := strings.Repeat(string(Frame("粤B12345", "blue", 90))+string(Frame("京A12345", "蓝", 90)), 3)
	r := NewReader(iotest.OneByteReader(strings.NewReader(in)), &Opts{})
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		n++
	}
	if n != 6 {
		t.Fatalf("%d reads, want 6", n)
	}
}

func TestReaderReportsBadOptionsAndReadErrors(t *testing.T) {
	if _, err := NewReader(strings.NewReader(""), &Opts{MinConfidence: 101}).Next(); err == nil {
		t.Error("confidence 101 accepted")
	}
	boom := errors.New("usb gone")
	_, err := NewReader(iotest.ErrReader(boom), nil).Next()
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "anpr: ") {
		t.Errorf("read error: %v", err)
	}
}

func TestSimSendsFramedPlatesAfterItsNoise(t *testing.T) {
	s := NewSim()
	r := NewReader(s, &Opts{})
	go func() {
		s.Send("粤B12345", "blue", 95)
		s.Send("沪AD12345", "green", 90)
		s.Close()
	}()
	var plates []string
	for {
		rd, err := r.Next()
		if err != nil {
			break
		}
		plates = append(plates, rd.Plate)
	}
	if strings.Join(plates, " ") != "粤B12345 沪AD12345" || r.Skipped() != 1 {
		t.Fatalf("plates %q, skipped %d", plates, r.Skipped())
	}
}
