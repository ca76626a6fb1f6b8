package idcard

import (
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestTextFieldWidthsAddUpToTheBlock(t *testing.T) {
	n := 0
	for _, f := range textFields {
		n += f.width
	}
	if n != TextLen {
		t.Errorf("fields add up to %d bytes, want %d", n, TextLen)
	}
}

func TestParseTextRoundTripsTheSampleCards(t *testing.T) {
	for _, c := range SampleCards() {
		got, err := ParseText(EncodeText(c))
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if got != c {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
		}
	}
}

func TestParseTextDecodesTheLayoutByteForByte(t *testing.T) {
	// Built by hand, not by EncodeText: UCS-2 little-endian, space-padded.
	var b []byte
	put := func(s string, width int) {
		u := utf16.Encode([]rune(s + strings.Repeat(" ", width)))
		for _, v := range u[:width/2] {
			b = append(b, byte(v), byte(v>>8))
		}
	}
	put("赵演示", 30)
	put("2", 2)
	put("11", 4)
	put("19900101", 16)
	put("示例市演示路9号", 70)
	put("990101199001010027", 36)
	put("示例市公安局", 30)
	put("20200101", 16)
	put("20400101", 16)
	put("", 36)
	if b[0] != 0x75 || b[1] != 0x8D { // 赵 is U+8D75, low byte first
		t.Fatalf("test block starts % X", b[:2])
	}
	c, err := ParseText(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Card{Name: "赵演示", Sex: "女", Ethnicity: "满", Birth: "19900101", Address: "示例市演示路9号",
		Number: "990101199001010027", Authority: "示例市公安局", ValidFrom: "20200101", ValidUntil: "20400101"}
	if c != want {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
}

func TestParseTextKnowsEveryEthnicityCode(t *testing.T) {
	names := map[string]bool{}
	for code, name := range ethnicities {
		c := SampleCards()[0]
		c.Ethnicity = name
		got, err := ParseText(EncodeText(c))
		if err != nil || got.Ethnicity != name {
			t.Errorf("code %s: got %q, %v, want %q", code, got.Ethnicity, err, name)
		}
		names[name] = true
	}
	if len(ethnicities) != 58 || len(names) != 58 {
		t.Errorf("%d codes with %d names, want the 56 groups, 97 and 98", len(ethnicities), len(names))
	}
}

func TestParseTextLeavesAnUnknownEthnicityEmpty(t *testing.T) {
	b := EncodeText(SampleCards()[0])
	copy(b[32:36], []byte{'9', 0, '9', 0}) // code 99: not in GB/T 3304
	c, err := ParseText(b)
	if err != nil || c.Ethnicity != "" {
		t.Errorf("got %q, %v, want \"\" and no error", c.Ethnicity, err)
	}
}

func TestParseTextAcceptsWhatGenuineCardsHold(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Card)
		want func(Card) bool
	}{
		{"a long-term card", func(c *Card) { c.ValidUntil = "长期" }, func(c Card) bool { return !c.Expired(time.Now()) }},
		{"an end in year 9999", func(c *Card) { c.ValidUntil = "99991231" }, func(c Card) bool { return c.ValidUntil == "99991231" }},
		{"a lower-case x", func(c *Card) { c.Number = strings.ToLower(c.Number) }, func(c Card) bool { return strings.HasSuffix(c.Number, "X") }},
		{"sex not stated", func(c *Card) { c.Sex = "未说明" }, func(c Card) bool { return c.Sex == "未说明" }},
		{"a name that fills its slot", func(c *Card) { c.Name = strings.Repeat("名", 15) }, func(c Card) bool { return len([]rune(c.Name)) == 15 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := SampleCards()[3] // the number ending in X
			tc.edit(&c)
			got, err := ParseText(EncodeText(c))
			if err != nil || !tc.want(got) {
				t.Errorf("got %+v, %v", got, err)
			}
		})
	}
}

func TestParseTextRefusesWhatNoGenuineCardHolds(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
		says string
	}{
		{"a short block", func(b []byte) []byte { return b[:255] }, "255 bytes, want 256"},
		{"a wrong check digit", setNumber("990101198503120011"), "check digit"},
		{"a letter in the number", setNumber("99010119850312A010"), "not a digit"},
		{"a short number", setNumber("9901011985031"), "want 18"},
		{"a number born another day", setNumber("990101198503130016"), "differs from the card's birth"},
		{"an impossible birth date", setField(fBirth, "19850230"), "birth"},
		{"a validity ending before it starts", setField(fValidUntil, "20100101"), "ends 20100101 before it starts 20150601"},
		{"an unreadable end date", setField(fValidUntil, "长久"), "valid until"},
		{"an empty name", setField(fName, ""), "name: empty"},
		{"a sex code that does not exist", setField(fSex, "5"), "sex: code"},
		{"a control character", setField(fAddress, "示例\x1b[2J路"), "control character"},
		{"a lone surrogate", func(b []byte) []byte { b[0], b[1] = 0x00, 0xD8; return b }, "lone surrogate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseText(tc.edit(EncodeText(SampleCards()[0])))
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v, want an error saying %q", err, tc.says)
			}
		})
	}
}

func TestParseTextErrorsNeverHoldTheWholeNumber(t *testing.T) {
	n := "990101198503120011" // wrong check digit
	_, err := ParseText(setNumber(n)(EncodeText(SampleCards()[0])))
	if err == nil || strings.Contains(err.Error(), n) || strings.Contains(err.Error(), n[:17]) {
		t.Errorf("error %v shows the number", err)
	}
}

func TestCheckNumberComputesISO7064Mod112(t *testing.T) {
	// The worked example of GB 11643-1999 appendix A: 11010519491231002X.
	if err := CheckNumber("11010519491231002X"); err != nil {
		t.Errorf("the standard's example: %v", err)
	}
	for _, c := range SampleCards() {
		if err := CheckNumber(c.Number); err != nil {
			t.Errorf("sample %s: %v", c.Name, err)
		}
	}
	if err := CheckNumber("110105194912310021"); err == nil {
		t.Error("a wrong check digit passed")
	}
}

func setNumber(n string) func([]byte) []byte { return setField(fNumber, n) }

// setField writes s into field i of a text block, space-padded.
func setField(i int, s string) func([]byte) []byte {
	return func(b []byte) []byte {
		off := 0
		for _, f := range textFields[:i] {
			off += f.width
		}
		u := utf16.Encode([]rune(s))
		for j := range textFields[i].width / 2 {
			v := uint16(' ')
			if j < len(u) {
				v = u[j]
			}
			b[off+2*j], b[off+2*j+1] = byte(v), byte(v>>8)
		}
		return b
	}
}
