package console

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// checkedAt is the date the ID tables are judged on: numbers born after
// it are in the future.
var checkedAt = time.Date(2026, 6, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestPhoneAcceptsMobilesInTheFormTheyAreHashedIn(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{"138 1234 5678", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"008613812345678", "13812345678"},
		{"8613812345678", "13812345678"},
		{"１３８１２３４５６７８", "13812345678"}, // full-width, as a Chinese input method types
		{"19912345678", "19912345678"},
		{"+852 9123 4567", "+85291234567"},
		{"+853 6612 3456", "+85366123456"},
		{"+886 912 345 678", "+886912345678"},
		{"+886 0912 345 678", "+886912345678"}, // the trunk 0 typed after the code
		{"+44 7700 900123", "+447700900123"},
		{"+1 (202) 555-0123", "+12025550123"},
		{"", ""},
	}
	for _, c := range cases {
		got, p := phoneNumber(c.in)
		if p != nil || got != c.want {
			t.Errorf("phone %q: got %q, %+v; want %q", c.in, got, p, c.want)
		}
	}
}

func TestPhoneRefusesWhatCannotReachTheVisitorAndSaysWhy(t *testing.T) {
	cases := []struct{ in, zh, en string }{
		{"12345", "位数不够", "11 digits (5 typed)"},
		{"99999999999", "不是手机号", "starting 13 to 19"},
		{"12012345678", "不是手机号", "starting 13 to 19"},
		{"138123456789", "位数太多", "too long"},
		{"010-12345678", "固定电话", "landline"},
		{"0755 8888 6666", "固定电话", "landline"},
		{"+86 10 1234 5678", "固定电话", "landline"},
		{"+86 755 8888 6666", "固定电话", "landline"},
		{"88886666", "固定电话", "+852"},
		{"+852 2345 6789", "固定电话", "landline"},
		{"+852 9123 456", "香港号码", "8 digits after +852"},
		{"+853 2888 1234", "澳门手机号", "start with 6"},
		{"+886 2 2345 6789", "台湾手机号", "start with 9"},
		{"+7 123", "国际号码", "8 to 15 digits"},
		{"+86", "位数不够", "too short"},
		{"138l2345678", "只能填数字", "digits only"},
		{"call me", "只能填数字", "digits only"},
	}
	for _, c := range cases {
		got, p := phoneNumber(c.in)
		if p == nil || got != "" || !strings.Contains(p.ZH, c.zh) || !strings.Contains(p.EN, c.en) {
			t.Errorf("phone %q: got %q, %+v; want a problem saying %q / %q", c.in, got, p, c.zh, c.en)
		}
	}
}

func TestCheckCharacterIsGB11643s(t *testing.T) {
	// The standard's worked example, and numbers whose check characters
	// were computed apart from this code.
	for _, n := range []string{"11010519491231002X", "110101199003071233", "440305199912310011",
		"510108200002290041", "82000020010515003X", "911840198001010013"} {
		if got := checkCharacter(n[:17]); got != n[17] {
			t.Errorf("%s: check character %c, want %c", n, got, n[17])
		}
	}
}

func TestIDNumbersOfEveryKind(t *testing.T) {
	cases := []struct {
		kind, in, want string // want "": refused
		says           string // in the refusal, Chinese
	}{
		{wire.IDResident, "11010519491231002X", "11010519491231002X", ""},
		{wire.IDResident, "11010519491231002x", "11010519491231002X", ""},
		{wire.IDResident, "110105 19491231 002X", "11010519491231002X", ""},
		{wire.IDResident, "510108200002290041", "510108200002290041", ""}, // 29 February 2000
		{wire.IDResident, "110101199003071234", "", "校验位不符"},              // the wrong check digit
		{wire.IDResident, "110101199003071233", "110101199003071233", ""},
		{wire.IDResident, "110105491231002", "", "15 位第一代身份证"},
		{wire.IDResident, "11010519491231002", "", "18 位"},
		{wire.IDResident, "1101051949123100XX", "", "最后一位"},
		{wire.IDResident, "11010519900230001X", "", "出生日期不成立"},
		{wire.IDResident, "110105189912310015", "", "出生日期不成立"},
		{wire.IDResident, "110105202612010014", "", "今天之后"},
		{wire.IDResident, "710100199001010010", "", "省级"},
		{wire.IDResident, "810000199408230021", "", "港澳台居民居住证"},
		{wire.IDResident, "911840198001010013", "", "外国人永久居留身份证"},
		{wire.IDHMTResidence, "810000199408230021", "810000199408230021", ""},
		{wire.IDHMTResidence, "82000020010515003X", "82000020010515003X", ""},
		{wire.IDHMTResidence, "830000198501010049", "830000198501010049", ""},
		{wire.IDHMTResidence, "830000198501010048", "", "校验位不符"},
		{wire.IDHMTResidence, "810001199408230028", "", "810000"},
		{wire.IDHMTResidence, "11010519491231002X", "", "810000"},
		{wire.IDForeignPR, "911840198001010013", "911840198001010013", ""},
		{wire.IDForeignPR, "USA310080010112", "USA310080010112", ""}, // the card before 2023
		{wire.IDForeignPR, "911840198001010012", "", "校验位不符"},
		{wire.IDForeignPR, "11010519491231002X", "", "以 9 开头"},
		{wire.IDHKMOPermit, "H12345678", "H12345678", ""},
		{wire.IDHKMOPermit, "m1234567890", "M1234567890", ""},
		{wire.IDHKMOPermit, "H123456789", "", "H 或 M"},
		{wire.IDHKMOPermit, "C12345678", "", "H 或 M"},
		{wire.IDTWPermit, "12345678", "12345678", ""},
		{wire.IDTWPermit, "1234567", "", "8 位数字"},
		{wire.IDTWPermit, "A2345678", "", "8 位数字"},
		{wire.IDPassport, "E12345678", "E12345678", ""},
		{wire.IDPassport, "ea 1234567", "EA1234567", ""},
		{wire.IDPassport, "E123", "", "5–17"},
		{wire.IDPassport, "E1234/5678", "", "5–17"},
	}
	for _, c := range cases {
		got, p := idNumber(c.kind, c.in, checkedAt)
		if got != c.want || (c.want == "") != (p != nil) {
			t.Errorf("%s %q: got %q, %+v; want %q", c.kind, c.in, got, p, c.want)
			continue
		}
		if p != nil && (!strings.Contains(p.ZH, c.says) || p.EN == "" || !strings.HasPrefix(p.ZH, idDocuments[c.kind].zh)) {
			t.Errorf("%s %q: says %q / %q; want the document's name and %q", c.kind, c.in, p.ZH, p.EN, c.says)
		}
	}
}

func TestABirthDateIsNotJudgedByAClockStillIn1970(t *testing.T) {
	unsynced := time.Unix(3600, 0) // a Pi before NTP
	if n, p := idNumber(wire.IDResident, "11010519491231002X", unsynced); p != nil || n == "" {
		t.Fatalf("refused at boot: %+v", p)
	}
	if _, p := idNumber(wire.IDResident, "110105202612010014", checkedAt); p == nil {
		t.Fatal("a birth date after a synced today was taken")
	}
}

func TestReasonsTakeShortChineseButNotEmptyWords(t *testing.T) {
	for _, ok := range []string{"急诊", "病", "送药", "老人未带证件", "visit", "经核实放行"} {
		if p := reasonProblem(ok); p != nil {
			t.Errorf("%q refused: %+v", ok, p)
		}
	}
	for _, bad := range []string{"", "   ", "ok", "...", "1234", "急诊\n", "急\u202e诊", strings.Repeat("急", maxReason+1)} {
		if p := reasonProblem(bad); p == nil || p.ZH == "" || p.EN == "" {
			t.Errorf("%q taken as a reason", bad)
		}
	}
}

func TestTextTakesTheIdeographicSpaceButNoControlCharacters(t *testing.T) {
	if p := textProblem("三号楼\u3000二单元", 0, 64); p != nil {
		t.Errorf("U+3000 refused: %+v", p)
	}
	for _, bad := range []string{"a\tb", "a\x00", "a\u2028b", "a\u200bb", "\xff"} {
		if textProblem(bad, 0, 64) == nil {
			t.Errorf("%q taken as plain text", bad)
		}
	}
}

// FuzzNumbers: any phone or ID number typed, of any kind, never panics;
// what is taken is taken again unchanged (the stored form is canonical,
// so its hash is the one a tracer's lookup makes) and masks with at least
// 4 characters hidden.
func FuzzNumbers(f *testing.F) {
	for _, s := range []struct{ phone, kind, id string }{
		{"13812345678", wire.IDResident, "11010519491231002X"},
		{"+86 138 1234 5678", wire.IDHMTResidence, "810000199408230021"},
		{"+852 9123 4567", wire.IDHKMOPermit, "H12345678"},
		{"+886 0912 345 678", wire.IDTWPermit, "12345678"},
		{"+1 (202) 555-0123", wire.IDPassport, "E12345678"},
		{"12345", wire.IDForeignPR, "USA310080010112"},
		{"+86", wire.IDForeignPR, "911840198001010013"},
		{"１３８１２３４５６７８", "", "110105491231002"},
	} {
		f.Add(s.phone, s.kind, s.id)
	}
	f.Fuzz(func(t *testing.T, phone, kind, id string) {
		if p, prob := phoneNumber(phone); prob == nil && p != "" {
			if again, prob := phoneNumber(p); prob != nil || again != p {
				t.Fatalf("%q taken as %q, which is not taken again (%q, %+v)", phone, p, again, prob)
			}
			if strings.Count(wire.MaskPhone(p), "*") < 4 {
				t.Fatalf("%q masks as %q", p, wire.MaskPhone(p))
			}
		}
		if n, prob := idNumber(kind, id, checkedAt); prob == nil && n != "" {
			if again, prob := idNumber(kind, n, checkedAt); prob != nil || again != n {
				t.Fatalf("%q taken as %q, which is not taken again (%q, %+v)", id, n, again, prob)
			}
			if strings.Count(wire.MaskID(n), "*") < 4 {
				t.Fatalf("%q masks as %q", n, wire.MaskID(n))
			}
		}
	})
}
