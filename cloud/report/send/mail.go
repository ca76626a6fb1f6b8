package send

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMTP is the mail server reports are sent through ([report_delivery.smtp]).
type SMTP struct {
	Addr     string // host:port, e.g. smtp.example.gov.cn:587
	From     string // the sender's address
	Username string // for AUTH PLAIN, only ever over TLS (or to localhost)
	Password string
	// TLS is what STARTTLS trusts; nil: the system's roots, for the host
	// of Addr. STARTTLS is used whenever the server offers it.
	TLS *tls.Config
}

// Mail sends the export as an e-mail with the CSV and XLSX attached.
type Mail struct {
	Recipient string
	To        []string
	Server    *SMTP
	Now       func() time.Time // time.Now unless set: the Date header
}

func (m *Mail) Name() string { return m.Recipient }

// Send mails e to every address of m in one message.
func (m *Mail) Send(ctx context.Context, e Export) error {
	msg, err := m.message(e)
	if err != nil {
		return fmt.Errorf("mail %s: %w", m.Recipient, err)
	}
	if err := m.Server.send(ctx, m.To, msg); err != nil {
		return fmt.Errorf("mail %s via %s: %w", m.Recipient, m.Server.Addr, err)
	}
	return nil
}

// send hands msg to the server for to: STARTTLS when offered, AUTH when
// a user name is set, the whole conversation bounded by ctx.
func (s *SMTP) send(ctx context.Context, to []string, msg []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(2 * time.Minute))
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("kakou-cloud"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		// net/smtp's PLAIN refuses to send the password in the clear to
		// anyone but localhost.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("RCPT %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// message is the MIME message: a short text in Chinese and the files.
func (m *Mail) message(e Export) ([]byte, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", m.Server.From)
	h("To", strings.Join(m.To, ", "))
	h("Subject", mime.BEncoding.Encode("UTF-8", subject(e)))
	h("Date", now().Format(time.RFC1123Z))
	h("Message-ID", "<"+messageID()+"@kakou>")
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/mixed; boundary="`+mw.Boundary()+`"`)
	buf.WriteString("\r\n")
	text, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return nil, err
	}
	writeBase64(text, []byte(summary(e)))
	for _, f := range e.Files {
		part, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(mediaType(f.ContentType), map[string]string{"name": f.Name})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": f.Name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		writeBase64(part, f.Data)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// summary is the mail's text: what the attachments hold, at a glance.
func summary(e Export) string {
	t := e.Report.Total
	zero := 0
	for _, r := range e.Report.Sites {
		if r.ZeroReport {
			zero++
		}
	}
	return fmt.Sprintf("%s\r\n\r\n站点 %d 个，零报告 %d 个，数据不完整 %d 个；通行 %d 人次，发热 %d 人次。\r\n详见附件（CSV 与 Excel 内容相同）。\r\n\r\n—— Kakou 卡口\r\n",
		subject(e), len(e.Report.Sites), zero, t.IncompleteSites, t.Total, t.Fever)
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "application/octet-stream"
	}
	return mt
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045).
func writeBase64(w interface{ Write([]byte) (int, error) }, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	w.Write([]byte(enc + "\r\n"))
}

func messageID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
