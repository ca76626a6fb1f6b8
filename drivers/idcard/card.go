package idcard

import "time"

// Card is what a second-generation resident ID card (居民身份证) holds in its
// text block, decoded from UCS-2 with the fixed-width padding trimmed. The
// photo is not read: the gate has no use for it and it is the most
// sensitive part of the card.
type Card struct {
	Name      string // 姓名, up to 15 characters
	Sex       string // 男, 女, 未知 or 未说明 (decoded from the GB/T 2261.1 code)
	Ethnicity string // 汉, 蒙古, … (decoded from the GB/T 3304 code); "" when the code is unknown
	Birth     string // YYYYMMDD
	Address   string // 住址, up to 35 characters
	Number    string // 公民身份号码, 18 characters, the last may be X
	Authority string // 签发机关
	// ValidFrom and ValidUntil are YYYYMMDD; ValidUntil is "长期" on a card
	// that never expires.
	ValidFrom  string
	ValidUntil string
}

// Expired reports whether the card's validity ended before the day of now
// (in now's location). A card valid "长期" never expires; a card whose end
// date cannot be read is treated as expired, so the guard looks at it.
func (c Card) Expired(now time.Time) bool {
	if c.ValidUntil == "长期" {
		return false
	}
	end, err := time.ParseInLocation("20060102", c.ValidUntil, now.Location())
	if err != nil {
		return true
	}
	y, m, d := now.Date()
	return end.Before(time.Date(y, m, d, 0, 0, 0, 0, now.Location()))
}
