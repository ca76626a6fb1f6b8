package firstboot

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
)

// ID checks a site, unit or gateway id as the wire contract wants it
// (it is part of every MQTT topic), and says what to type instead.
func ID(example string) func(string) error {
	return func(s string) error {
		if err := wire.ValidateID(s); err != nil {
			return fmt.Errorf("编号无效 / not a valid id: %v; 只用小写字母、数字、- 和 _ / type only a-z, 0-9, '-' and '_', e.g. %s", err, example)
		}
		return nil
	}
}

// HTTPS checks an enrollment URL. The token and the credential the centre
// answers with cross it, so plain http:// is refused.
func HTTPS(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "":
		return fmt.Errorf("不是网址 / %q is not an address: type the collector's address, e.g. https://kakou.example.gov.cn:8443", s)
	case u.Scheme != "https":
		return fmt.Errorf("必须是 https:// / %q is not https://: the token and the device's password cross it; type https://%s", s, u.Host)
	case u.Path != "" && u.Path != "/":
		return fmt.Errorf("只要地址，不要路径 / %q has a path: type only https://%s", s, u.Host)
	}
	return nil
}

// BrokerURL checks an MQTT broker address as the unit's config does.
func BrokerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !slices.Contains([]string{"tcp", "ssl", "tls", "mqtt", "mqtts", "ws", "wss"}, u.Scheme) {
		return fmt.Errorf("不是 MQTT 地址 / %q is not a broker URL: type ssl://host:8883 (or tcp://192.168.1.10:1883 for a site gateway on the LAN)", s)
	}
	return nil
}

// File checks that a file exists, or "none" for no file.
func File(s string) error {
	if s == "none" {
		return nil
	}
	if _, err := os.Stat(s); err != nil {
		return fmt.Errorf("找不到文件 / cannot read %s: %v; copy the centre's CA certificate there, or type none to trust the system's roots", s, errors.Unwrap(err))
	}
	return nil
}

// OneOf checks that the answer is one of the choices.
func OneOf(choices ...string) func(string) error {
	return func(s string) error {
		if !slices.Contains(choices, s) {
			return fmt.Errorf("请输入 / type one of: %s", strings.Join(choices, ", "))
		}
		return nil
	}
}

// Token checks only the shape of a one-time token; the centre judges it.
func Token(s string) error {
	if strings.ContainsAny(s, " \t") || len(s) > 512 {
		return errors.New("令牌有误 / this is not a token: paste the whole token from kakou-cloud enroll-token, without spaces")
	}
	return nil
}

// BrokerURLs checks one broker URL, or a cluster's nodes separated by
// commas, as -broker takes them.
func BrokerURLs(s string) error {
	urls := SplitBrokers(s)
	for _, u := range urls {
		if err := BrokerURL(u); err != nil {
			return err
		}
	}
	if err := delivery.CheckBrokers(urls); err != nil {
		return fmt.Errorf("MQTT 地址列表有误 / %v", err)
	}
	return nil
}

// SplitBrokers splits a comma-separated -broker into its URLs.
func SplitBrokers(s string) []string {
	var urls []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}
