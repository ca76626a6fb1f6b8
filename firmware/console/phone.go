package console

import (
	"fmt"
	"strings"
)

// phoneNumber checks a visitor's phone and returns the form it is stored
// and hashed in: a mainland mobile as its 11 digits (as every phone was
// stored before, and as a tracer types it at the centre), any other
// number as + and its country code (E.164). Only mobiles are taken: a
// tracer must reach the person, not a switchboard. Messages never repeat
// the number; they end up in logs.
func phoneNumber(s string) (string, *fieldProblem) {
	c := strings.NewReplacer("(", "", ")", "").Replace(compact(s))
	if c == "" {
		return "", nil
	}
	intl := false
	switch {
	case strings.HasPrefix(c, "+"):
		intl, c = true, c[1:]
	case strings.HasPrefix(c, "00"):
		intl, c = true, c[2:]
	}
	if !allDigits(c) {
		return "", problem("只能填数字，可在前面加国家区号，如 +86、+852",
			"digits only, optionally after a country code such as +86 or +852")
	}
	if !intl {
		if len(c) == 13 && strings.HasPrefix(c, "861") {
			return mainlandMobile(c[2:], true)
		}
		return mainlandMobile(c, false)
	}
	switch {
	case strings.HasPrefix(c, "86"):
		return mainlandMobile(c[2:], true)
	case strings.HasPrefix(c, "852"):
		return localMobile("+852", c[3:], 8, "23", "", "香港", "Hong Kong")
	case strings.HasPrefix(c, "853"):
		return localMobile("+853", c[3:], 8, "", "6", "澳门", "Macau")
	case strings.HasPrefix(c, "886"):
		return localMobile("+886", strings.TrimPrefix(c[3:], "0"), 9, "", "9", "台湾", "Taiwan")
	}
	if len(c) < 8 || len(c) > 15 || c[0] == '0' {
		return "", problem("国际号码格式：+ 国家区号 + 号码，共 8–15 位数字",
			"an international number is + with the country code and the number: 8 to 15 digits")
	}
	return "+" + c, nil
}

var landline = problem("这是固定电话：请填写手机号，流调需要联系到本人",
	"this is a landline: give a mobile number, tracing must reach the person")

// mainlandMobile checks 11 digits 1[3-9]…; coded says +86 was typed, so
// any other length is a landline with its area code.
func mainlandMobile(d string, coded bool) (string, *fieldProblem) {
	switch {
	case len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		return d, nil
	case d != "" && d[0] == '0', coded && len(d) >= 9 && len(d) <= 11 && d[0] != '1',
		coded && len(d) == 10 && strings.HasPrefix(d, "10"): // Beijing's area code
		return "", landline
	case !coded && (len(d) == 7 || len(d) == 8):
		return "", problem("7–8 位是固定电话，请填写手机号；港澳号码请加 +852、+853",
			"7 or 8 digits is a landline: give a mobile; a Hong Kong or Macau number needs +852 or +853")
	case len(d) == 11:
		return "", problem("不是手机号：大陆手机号为 11 位，以 13–19 开头",
			"not a mobile number: a mainland mobile has 11 digits starting 13 to 19")
	case len(d) < 11:
		return "", problem(fmt.Sprintf("位数不够：大陆手机号为 11 位（现有 %d 位）", len(d)),
			fmt.Sprintf("too short: a mainland mobile has 11 digits (%d typed)", len(d)))
	}
	return "", problem("位数太多：大陆手机号为 11 位；境外号码请以 + 和国家区号开头",
		"too long: a mainland mobile has 11 digits; a number abroad starts with + and its country code")
}

// localMobile checks a Hong Kong, Macau or Taiwan number after its
// country code: digits long, not starting with a landline digit, starting
// with a mobile digit when mobiles is not empty.
func localMobile(code, d string, digits int, landlines, mobiles, zh, en string) (string, *fieldProblem) {
	if len(d) != digits {
		return "", problem(fmt.Sprintf("%s号码在 %s 后为 %d 位数字（现有 %d 位）", zh, code, digits, len(d)),
			fmt.Sprintf("a %s number has %d digits after %s (%d typed)", en, digits, code, len(d)))
	}
	if strings.ContainsRune(landlines, rune(d[0])) {
		return "", landline
	}
	if mobiles != "" && !strings.ContainsRune(mobiles, rune(d[0])) {
		return "", problem(fmt.Sprintf("不是%s手机号：%s手机号以 %s 开头", zh, zh, mobiles),
			fmt.Sprintf("not a %s mobile: they start with %s", en, mobiles))
	}
	return code + d, nil
}
