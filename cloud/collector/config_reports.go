package collector

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/report"
)

// ReportDef is one [[reports]] entry: a named report with its own cut,
// columns, sites and recipients (docs/product.md "Reporting deadlines").
type ReportDef struct {
	ID      string   `toml:"id"`       // URL and file name: a-z, 0-9, - and _
	Title   string   `toml:"title"`    // Chinese, as the offices file it
	TitleEN string   `toml:"title_en"` // optional, for lang=en
	Cut     string   `toml:"cut"`      // "HH:MM" local time; the period is the 24 hours before it
	Columns []string `toml:"columns"`  // column keys (cloud/report/README.md); empty: the daily report's
	// Scope: site ids and region ids (city, district, street, community)
	// the report covers; empty: every site.
	Scope []string `toml:"scope"`
	// Recipients name [[report_recipients]] entries; empty: the report is
	// served by the API only.
	Recipients []string `toml:"recipients"`
}

// RecipientConfig is one [[report_recipients]] entry: exactly one of
// webhook, email or dir.
type RecipientConfig struct {
	Name string `toml:"name"`
	// Webhook is POSTed the report as signed JSON with its files; Secret
	// signs it (X-Kakou-Signature, see cloud/report/README.md).
	Webhook string `toml:"webhook"`
	Secret  string `toml:"secret"`
	// Email addresses get the CSV and XLSX attached, through
	// [report_delivery.smtp].
	Email []string `toml:"email"`
	// Dir gets the files dropped in (written whole, then renamed);
	// CreateDir makes it if missing — leave it off for a mounted share,
	// so an unmounted share fails loudly instead of filling a local disk.
	Dir       string `toml:"dir"`
	CreateDir bool   `toml:"create_dir"`
}

// DeliveryConfig is the [report_delivery] table.
type DeliveryConfig struct {
	// CatchUp is how far back a cut missed while the collector was down
	// is still delivered when it comes back ("72h" unless set).
	CatchUp string     `toml:"catch_up"`
	SMTP    SMTPConfig `toml:"smtp"`
}

// SMTPConfig is the mail server reports are sent through. The
// environment variable KAKOU_SMTP_PASSWORD overrides Password, so the
// password need not sit in the file. STARTTLS is used when offered, and
// the password is only ever sent over TLS.
type SMTPConfig struct {
	Addr     string `toml:"addr"` // host:port, e.g. "smtp.example.gov.cn:587"
	From     string `toml:"from"`
	Username string `toml:"username"`
	Password string `toml:"password"`
}

// Bounds of [report_delivery] catch_up.
const (
	defaultCatchUp = 72 * time.Hour
	maxCatchUp     = 30 * 24 * time.Hour
)

// CatchUpDuration is catch_up, or its default.
func (d DeliveryConfig) CatchUpDuration() (time.Duration, error) {
	if d.CatchUp == "" {
		return defaultCatchUp, nil
	}
	v, err := time.ParseDuration(d.CatchUp)
	if err != nil || v < time.Hour || v > maxCatchUp {
		return 0, fmt.Errorf("%q: want a duration from 1h to 720h, e.g. \"72h\"", d.CatchUp)
	}
	return v, nil
}

// SMTPPassword is the password, KAKOU_SMTP_PASSWORD first.
func (s SMTPConfig) SMTPPassword() string {
	if p := os.Getenv("KAKOU_SMTP_PASSWORD"); p != "" {
		return p
	}
	return s.Password
}

// ReportDefs are the reports the collector serves and delivers: the
// configured ones, and the daily report at [report] cut unless one of
// them is named daily.
func (c Config) ReportDefs() []report.Def {
	var defs []report.Def
	for _, r := range c.Reports {
		defs = append(defs, report.Def{ID: r.ID, Title: r.Title, TitleEN: r.TitleEN, Cut: r.Cut,
			Columns: r.Columns, Scope: r.Scope})
	}
	if !slices.ContainsFunc(defs, func(d report.Def) bool { return d.ID == report.DailyID }) {
		h, m, _ := c.Report.CutAt() // checked by Validate
		defs = append([]report.Def{api.DailyDef([2]int{h, m})}, defs...)
	}
	return defs
}

// minSecretLen is the shortest webhook secret accepted: shorter ones can
// be guessed offline from one signed request.
const minSecretLen = 16

func (c Config) validateReports(bad func(key, format string, args ...any)) {
	ids := map[string]bool{}
	names := map[string]bool{}
	for i, r := range c.Recipients {
		key := fmt.Sprintf("report_recipients[%d]", i)
		if r.Name == "" || names[r.Name] {
			bad(key+".name", "%q: each recipient needs a name of its own (the delivery log shows it)", r.Name)
		}
		names[r.Name] = true
		c.validateRecipient(key, r, bad)
	}
	for i, r := range c.Reports {
		key := fmt.Sprintf("reports[%d]", i)
		if err := report.CheckID(r.ID); err != nil {
			bad(key+".id", "%v", err)
		} else if ids[r.ID] {
			bad(key+".id", "%q is named twice", r.ID)
		}
		ids[r.ID] = true
		if _, _, err := report.ParseCut(r.Cut); err != nil {
			bad(key+".cut", "%v", err)
		}
		if len(r.Columns) > 0 {
			if err := report.CheckColumns(r.Columns); err != nil {
				bad(key+".columns", "%v", err)
			}
		}
		if r.Title == "" && r.ID != report.DailyID {
			bad(key+".title", "is required: the files and mails are titled with it, e.g. \"零报告\"")
		}
		for _, s := range r.Scope {
			if s == "" {
				bad(key+".scope", "an empty id; name sites or regions, or leave scope out for every site")
			}
		}
		for _, name := range r.Recipients {
			if !names[name] {
				bad(key+".recipients", "%q is not a [[report_recipients]] name", name)
			}
		}
	}
	if _, err := c.Delivery.CatchUpDuration(); err != nil {
		bad("report_delivery.catch_up", "%v", err)
	}
}

func (c Config) validateRecipient(key string, r RecipientConfig, bad func(key, format string, args ...any)) {
	kinds := 0
	for _, set := range []bool{r.Webhook != "", len(r.Email) > 0, r.Dir != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		bad(key, "set exactly one of webhook, email or dir (one recipient, one way to reach it)")
	}
	if r.Webhook != "" {
		u, err := url.Parse(r.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key+".webhook", "is not an http(s) URL")
		}
		if len(r.Secret) < minSecretLen {
			bad(key+".secret", "must be at least %d characters: the receiver checks each request's signature with it", minSecretLen)
		}
	} else if r.Secret != "" {
		bad(key+".secret", "is for a webhook recipient")
	}
	for _, addr := range r.Email {
		if _, err := mail.ParseAddress(addr); err != nil {
			bad(key+".email", "%q is not an e-mail address", addr)
		}
	}
	if len(r.Email) > 0 {
		s := c.Delivery.SMTP
		if checkHostPort(s.Addr) != nil {
			bad("report_delivery.smtp.addr", "%q: mail recipients need the SMTP server's host:port, e.g. \"smtp.example.gov.cn:587\"", s.Addr)
		}
		if _, err := mail.ParseAddress(s.From); err != nil {
			bad("report_delivery.smtp.from", "%q: mail recipients need the sender's address", s.From)
		}
	}
	if r.Dir != "" && !filepath.IsAbs(r.Dir) && !r.CreateDir {
		// A relative path is resolved from where the collector starts:
		// fine for the demo, which creates it; a trap for a share.
		bad(key+".dir", "%q: give an absolute path (or set create_dir = true for a local folder)", r.Dir)
	}
	if r.CreateDir && r.Dir == "" {
		bad(key+".create_dir", "is for a dir recipient")
	}
}
