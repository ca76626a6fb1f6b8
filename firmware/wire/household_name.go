package wire

import "strings"

// NormaliseHousehold writes a household or a visitor's destination in the
// form passes carry (一户一卡: "3-2-501" for building 3, entrance 2, flat
// 501): the runs of ASCII letters and digits (full-width ones folded to
// ASCII, letters upper-cased), joined by '-'; everything else (号楼, 栋,
// 单元, 室, spaces, '/') only separates. So "3号楼2单元501室", "3栋2单元501",
// "3-2-501" and "３-２-５０１" are one household, and a visitor whose
// destination is a quarantined household is found by it. Text with no
// letter or digit gives "". At most 64 bytes are kept.
func NormaliseHousehold(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'A'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= 'a' && r <= 'z':
			r = r - 'a' + 'A'
		}
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			sep = b.Len() > 0
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteRune(r)
		if b.Len() >= 64 {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
