package notify

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/kakou/kakou/cloud/store"
)

// Channel kinds.
const (
	KindWeCom    = "wecom"    // 企业微信 group robot
	KindDingTalk = "dingtalk" // 钉钉 group robot, signed (加签) when Secret is set
	KindWebhook  = "webhook"  // any HTTPS endpoint; JSON signed with HMAC-SHA256
)

// Channel is one place notifications go, and which alerts go there.
type Channel struct {
	Name string // unique; the outbox names a notification's channel by it
	Kind string // KindWeCom, KindDingTalk or KindWebhook
	URL  string // the robot's webhook address (its key is in it) or the receiver's
	// Secret signs: DingTalk's 加签 secret (SEC…), or the webhook's HMAC key.
	// WeCom robots have none: their key is in URL.
	Secret string
	// Sites and Regions choose the alerts by where they happened: a site
	// id, or a region id anywhere in the site's scope path (Options.Scope).
	// Both empty: every site.
	Sites, Regions []string
	// MinSeverity is the lowest severity sent here ("" sends all).
	MinSeverity string
	// Kinds, if any, are the only alert kinds sent here.
	Kinds []string
	// Level is the escalation level the channel serves: 0 hears of an
	// alert at once, 1 when it went unacknowledged past its kind's
	// deadline, 2 after twice that, and so on.
	Level int
}

// Check says what is wrong with c, if anything; it does no I/O.
func (c Channel) Check() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("name is required")
	case c.Kind != KindWeCom && c.Kind != KindDingTalk && c.Kind != KindWebhook:
		return fmt.Errorf("kind %q: want wecom, dingtalk or webhook", c.Kind)
	case c.Level < 0 || c.Level > 9:
		return fmt.Errorf("level %d: want 0 (at once) to 9", c.Level)
	case c.MinSeverity != "" && store.SeverityRank(c.MinSeverity) == 0:
		return fmt.Errorf("min_severity %q: want high, medium or low", c.MinSeverity)
	case c.Kind == KindWebhook && c.Secret == "":
		return fmt.Errorf("a webhook needs a secret to sign with (secret_env)")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("url: want the https:// address the robot or receiver gave you")
	}
	return nil
}

// wants reports whether an alert of a at a site with scope path goes to c.
func (c Channel) wants(a store.Alert, scope []string) bool {
	if store.SeverityRank(a.Severity) < store.SeverityRank(c.MinSeverity) {
		return false
	}
	if len(c.Kinds) > 0 && !slices.Contains(c.Kinds, a.Kind) {
		return false
	}
	if len(c.Sites) == 0 && len(c.Regions) == 0 {
		return true
	}
	if slices.Contains(c.Sites, a.Site) {
		return true
	}
	for _, r := range scope {
		if slices.Contains(c.Regions, r) {
			return true
		}
	}
	return false
}
