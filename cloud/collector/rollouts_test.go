package collector

import (
	"strings"
	"testing"
)

// TestUpdatesBaseURLMustBeThePublicHTTPSAddressAlone: every signed push
// names base_url, so anything but https://host[:port] is refused at its
// key, and base_url without dir says to name the folder.
func TestUpdatesBaseURLMustBeThePublicHTTPSAddressAlone(t *testing.T) {
	for _, tc := range []struct{ url, dir, want string }{
		{"http://kakou.example.cn", "u", "updates.base_url"},
		{"https://", "u", "updates.base_url"},
		{"https://kakou.example.cn/updates", "u", "updates.base_url"},
		{"https://kakou.example.cn/?x=1", "u", "updates.base_url"},
		{"https://user:pw@kakou.example.cn", "u", "updates.base_url"},
		{"https://kakou.example.cn:8443", "", "updates.dir"},
		{"://", "u", "updates.base_url"},
	} {
		_, err := LoadConfig(writeConfig(t, regionsBase+"[updates]\ndir = \""+tc.dir+"\"\nbase_url = \""+tc.url+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("base_url %q dir %q: %v, want a problem at %s", tc.url, tc.dir, err, tc.want)
		}
	}
	for _, ok := range []string{"https://kakou.example.cn:8443", "https://kakou.example.cn/", "https://10.0.0.5"} {
		if _, err := LoadConfig(writeConfig(t, regionsBase+"[updates]\ndir = \"u\"\nbase_url = \""+ok+"\"\n")); err != nil {
			t.Errorf("base_url %q: %v", ok, err)
		}
	}
}
