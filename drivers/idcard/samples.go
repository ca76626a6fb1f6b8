package idcard

// SampleCards are made-up cards for the simulator, the demo and the tests:
// no real person. Every number starts with a region code in 99, which GB/T
// 2260 does not allocate, so none can be anyone's number; the check digits
// are valid, the birth dates agree with the numbers, the names and
// authorities name no real place. They cover a man and a woman, an expired
// card, a card valid 长期, a number ending in X, a name with the middle
// dot of a transliterated name, and an ethnicity other than 汉.
func SampleCards() []Card {
	return []Card{
		{
			Name: "张示例", Sex: "男", Ethnicity: "汉", Birth: "19850312",
			Address: "示例省示例市和平区幸福路1号", Number: "990101198503120010",
			Authority: "示例市公安局和平分局", ValidFrom: "20150601", ValidUntil: "20350601",
		},
		{
			// Expired: the guard must be told.
			Name: "李样本", Sex: "女", Ethnicity: "回", Birth: "19920718",
			Address: "示例省样本县城关镇新村路28号", Number: "990102199207180247",
			Authority: "样本县公安局", ValidFrom: "20120301", ValidUntil: "20220301",
		},
		{
			Name: "王测试", Sex: "男", Ethnicity: "蒙古", Birth: "19580101",
			Address: "示例自治区测试旗草原街3号", Number: "990203195801010172",
			Authority: "测试旗公安局", ValidFrom: "20100505", ValidUntil: longTerm,
		},
		{
			Name: "阿依古丽·测试", Sex: "女", Ethnicity: "维吾尔", Birth: "20050909",
			Address: "示例自治区演示市团结路66号演示小区5栋2单元301室", Number: "99030420050909006X",
			Authority: "演示市公安局", ValidFrom: "20210909", ValidUntil: "20310909",
		},
	}
}
