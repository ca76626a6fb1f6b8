package console

import (
	"fmt"
	"regexp"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// idDocument is one kind of document a visitor registers with: its names
// and how its number is checked (n is compacted: upper-case, no spaces).
type idDocument struct {
	zh, en string
	check  func(n string, now time.Time) *fieldProblem
}

// idDocuments are the documents the form offers (wire.Visitor.IDKind);
// wire.IDNone, no document, is handled by the form itself.
var idDocuments = map[string]idDocument{
	wire.IDResident:     {"居民身份证", "resident ID card", residentID},
	wire.IDHKMOPermit:   {"港澳居民来往内地通行证", "HK/Macau residents' permit to the mainland", shaped(hkmoPermitRe, "号码为 H 或 M 加 8 位或 10 位数字", "H or M and 8 or 10 digits")},
	wire.IDTWPermit:     {"台湾居民来往大陆通行证", "Taiwan residents' permit to the mainland", shaped(twPermitRe, "号码为 8 位数字", "8 digits")},
	wire.IDHMTResidence: {"港澳台居民居住证", "residence permit for HK/Macau/Taiwan residents", hmtResidence},
	wire.IDForeignPR:    {"外国人永久居留身份证", "foreign permanent resident ID card", foreignPR},
	wire.IDPassport:     {"护照", "passport", shaped(passportRe, "号码为 5–17 位字母或数字", "5 to 17 letters or digits")},
}

var (
	hkmoPermitRe  = regexp.MustCompile(`^[HM]([0-9]{8}|[0-9]{10})$`)
	twPermitRe    = regexp.MustCompile(`^[0-9]{8}$`)
	passportRe    = regexp.MustCompile(`^[A-Z0-9]{5,17}$`)
	oldForeignPR  = regexp.MustCompile(`^[A-Z]{3}[0-9]{12}$`) // the 15-character card issued until 2023
	identityShape = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
)

func shaped(re *regexp.Regexp, zh, en string) func(string, time.Time) *fieldProblem {
	return func(n string, _ time.Time) *fieldProblem {
		if !re.MatchString(n) {
			return problem(zh, en)
		}
		return nil
	}
}

// idNumber checks the number of a document of kind and returns it as it
// is stored and hashed: upper-case, without spaces or dashes.
func idNumber(kind, s string, now time.Time) (string, *fieldProblem) {
	n := compact(s)
	if n == "" {
		return "", nil
	}
	d, ok := idDocuments[kind]
	if !ok {
		return "", problem("请先选择证件类型", "choose the kind of document first")
	}
	if p := d.check(n, now); p != nil {
		return "", problem(d.zh+p.ZH, "a "+d.en+": "+p.EN)
	}
	return n, nil
}

// residentID is 居民身份证 (GB 11643-1999): a region code, a birth date,
// a sequence and an ISO 7064 MOD 11-2 check character.
func residentID(n string, now time.Time) *fieldProblem {
	if len(n) == 15 && allDigits(n) {
		return problem("：这是 15 位第一代身份证，2013 年起已停用。请出示 18 位身份证，或改选其他证件、无证件",
			"this is a 15-digit first-generation card, invalid since 2013: ask for the 18-character card, or choose another document or no ID")
	}
	if p := identityNumber(n, now); p != nil {
		return p
	}
	switch {
	case n[0] == '8':
		return problem("：以 81、82、83 开头的是港澳台居民居住证，请改选该证件类型",
			"a number starting 81, 82 or 83 is a residence permit for HK/Macau/Taiwan residents: choose that kind")
	case n[0] == '9':
		return problem("：以 9 开头的是外国人永久居留身份证，请改选该证件类型",
			"a number starting with 9 is a foreign permanent resident ID card: choose that kind")
	case !provinces[n[:2]]:
		return problem("：前 2 位不是省级行政区划代码，请逐位核对", "the first 2 digits are no province's code: check each character")
	}
	return nil
}

// provinces are the province codes of GB/T 2260 that resident ID cards
// carry (71, Taiwan, is not issued).
var provinces = map[string]bool{}

func init() {
	for _, p := range []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
		"35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
		"63", "64", "65"} {
		provinces[p] = true
	}
}

// hmtResidence is 港澳台居民居住证 (2018): a GB 11643 number whose region
// code is 810000 (Hong Kong), 820000 (Macau) or 830000 (Taiwan).
func hmtResidence(n string, now time.Time) *fieldProblem {
	if p := identityNumber(n, now); p != nil {
		return p
	}
	if r := n[:6]; r != "810000" && r != "820000" && r != "830000" {
		return problem("：号码以 810000、820000 或 830000 开头", "the number starts 810000, 820000 or 830000")
	}
	return nil
}

// foreignPR is 外国人永久居留身份证: since 2023 a GB 11643 number starting
// with 9; the 15-character card before it (3 letters, 12 digits) is still
// carried until it expires.
func foreignPR(n string, now time.Time) *fieldProblem {
	if oldForeignPR.MatchString(n) {
		return nil
	}
	if p := identityNumber(n, now); p != nil {
		return p
	}
	if n[0] != '9' {
		return problem("：18 位号码以 9 开头（旧版为 3 个字母加 12 位数字）",
			"an 18-character number starts with 9 (the older card: 3 letters and 12 digits)")
	}
	return nil
}

// identityNumber checks what every GB 11643 number shares: 17 digits and
// a check character, a real birth date at characters 7-14 not after
// today, and the check character itself.
func identityNumber(n string, now time.Time) *fieldProblem {
	if len(n) != 18 {
		return problem(fmt.Sprintf("：号码为 18 位（现有 %d 位）", len(n)),
			fmt.Sprintf("the number has 18 characters (%d typed)", len(n)))
	}
	if !identityShape.MatchString(n) {
		return problem("：前 17 位是数字，最后一位是数字或 X", "17 digits, then a digit or X")
	}
	born, err := time.Parse("20060102", n[6:14])
	switch {
	case err != nil || born.Year() < 1900:
		return problem("：第 7–14 位的出生日期不成立，请逐位核对", "characters 7-14 are no real birth date: check each character")
	case clockSet(now) && born.After(now):
		return problem("：第 7–14 位的出生日期在今天之后，请逐位核对", "characters 7-14 give a birth date after today: check each character")
	}
	if checkCharacter(n[:17]) != n[17] {
		return problem("：校验位不符，有一位输错了，请逐位核对", "the check character does not match: one character is mistyped, check each one")
	}
	return nil
}

// clockSet reports whether now can be trusted to say what "the future"
// is: a Pi without a real-time clock boots in 1970 until NTP syncs, and a
// visitor must not be refused for that.
func clockSet(now time.Time) bool { return now.Year() >= 2024 }

// checkCharacter is the ISO 7064 MOD 11-2 check character of GB 11643's
// 17 digits: Σ digit·2^(17-i) mod 11, mapped through "10X98765432".
func checkCharacter(digits string) byte {
	sum, w := 0, 1
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(digits[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}
