package collector

import (
	"reflect"
	"strings"
	"testing"
)

const regionsBase = "data_dir = \"d\"\n"

// TestRegionsConfigBuildsTheTree: the sites' paths come from [[regions]]
// and [[sites]] region, and a district monitor's token keeps its region.
func TestRegionsConfigBuildsTheTree(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, regionsBase+`
[[regions]]
id = "changzhou"
name = "常州市"
[[regions]]
id = "wujin"
name = "武进区"
parent = "changzhou"
[[sites]]
id = "sunshine-garden"
region = "wujin"
[[api_tokens]]
token = "0123456789abcdef0123456789abcdef"
user = "wujin-etl"
role = "monitor"
region = "wujin"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Regions().Path("sunshine-garden"); !reflect.DeepEqual(got, []string{"changzhou", "wujin"}) {
		t.Errorf("path %v", got)
	}
	if cfg.Tokens[0].Region != "wujin" {
		t.Errorf("token region %q", cfg.Tokens[0].Region)
	}
}

// TestRegionsConfigNamesEveryProblemsKey: an unknown parent, a cycle, a
// duplicate id, a site in an unknown region, a region for a role that
// has a site already, each a problem at its key.
func TestRegionsConfigNamesEveryProblemsKey(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, regionsBase+`
[[regions]]
id = "a"
parent = "b"
[[regions]]
id = "b"
parent = "a"
[[regions]]
id = "c"
parent = "nosuch"
[[regions]]
id = "c"
[[regions]]
id = "Bad Id"
[[sites]]
id = "s1"
region = "ghost"
[[api_tokens]]
token = "0123456789abcdef0123456789abcdef"
user = "etl"
role = "monitor"
region = "ghost"
`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`regions[0].parent: "b" leads back to "a"`, `regions[1].parent: "a" leads back to "b"`,
		`regions[2].parent: "nosuch" is not the id of any [[regions]] entry`,
		`regions[3].id: "c" is listed twice`, `regions[4].id: "Bad Id"`,
		`sites[0].region: "ghost" is not the id`, `api_tokens[0].region: "ghost" is not the id`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestOnlyCentralRolesTakeARegion(t *testing.T) {
	cfg := Default()
	cfg.DataDir = "d"
	cfg.RegionList = []RegionConfig{{ID: "wujin"}}
	cfg.Users = []UserConfig{{Name: "m", Role: "site_manager", Site: "s", Region: "wujin"}}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "users[0].region: a site_manager is limited to their site already") {
		t.Errorf("Validate = %v", err)
	}
}
