package send_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/report/send"
	"github.com/xuri/excelize/v2"
)

func testExport(t *testing.T) send.Export {
	t.Helper()
	p, err := zeroDef.PeriodFor("2026-11-23", cst)
	if err != nil {
		t.Fatal(err)
	}
	r := report.Build(p, []report.SiteInput{{Site: "west-village", Name: "西村", Facility: "village"}})
	zeroDef.Name(&r)
	r.Stamp(cut)
	e, err := send.NewExport(r)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// smtpServer is a local SMTP server (go-smtp) that keeps what it receives.
type smtpServer struct {
	mu   sync.Mutex
	msgs []smtpMsg
	addr string
}

type smtpMsg struct {
	from string
	to   []string
	data []byte
	tls  bool
}

type smtpSession struct {
	srv *smtpServer
	c   *smtp.Conn
	msg smtpMsg
}

func (s *smtpSession) Reset()        { s.msg = smtpMsg{} }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.msg.data = b
	_, s.msg.tls = s.c.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.msg)
	s.srv.mu.Unlock()
	return err
}

// startSMTP serves SMTP on a loopback port, offering STARTTLS with cert
// when it is set.
func startSMTP(t *testing.T, cert *tls.Certificate) *smtpServer {
	t.Helper()
	ss := &smtpServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: ss, c: c}, nil
	}))
	srv.Domain = "localhost"
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ss
}

func TestMailCarriesSubjectTextAndBothFilesOverSTARTTLS(t *testing.T) {
	// httptest's certificate is for 127.0.0.1: a real one to STARTTLS with.
	tlsSrv := httptest.NewTLSServer(nil)
	defer tlsSrv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	ss := startSMTP(t, &tlsSrv.TLS.Certificates[0])
	m := &send.Mail{Recipient: "county", To: []string{"a@example.gov.cn", "b@example.gov.cn"},
		Server: &send.SMTP{Addr: ss.addr, From: "kakou@example.gov.cn", TLS: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}}}
	e := testExport(t)
	if err := m.Send(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(ss.msgs) != 1 {
		t.Fatalf("%d messages", len(ss.msgs))
	}
	got := ss.msgs[0]
	if !got.tls || got.from != "kakou@example.gov.cn" || !slices.Equal(got.to, m.To) {
		t.Fatalf("envelope %+v (tls %v)", got.to, got.tls)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != "零报告 2026-11-22 12:00 — 2026-11-23 12:00" {
		t.Errorf("subject %q, %v", subj, err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q", msg.Header.Get("Content-Type"))
	}
	parts := map[string][]byte{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(decodeBase64(p))
		parts[cmpOr(p.FileName(), "text")] = b
	}
	if !strings.Contains(string(parts["text"]), "零报告") || !strings.Contains(string(parts["text"]), "站点 1 个") {
		t.Errorf("text part %q", parts["text"])
	}
	if csv := parts["kakou-zero-2026-11-23.csv"]; !bytes.Equal(csv, e.Files[0].Data) {
		t.Errorf("the CSV attachment differs from the export")
	}
	x, err := excelize.OpenReader(bytes.NewReader(parts["kakou-zero-2026-11-23.xlsx"]))
	if err != nil {
		t.Fatalf("the XLSX attachment does not open: %v", err)
	}
	if rows, _ := x.GetRows("零报告"); len(rows) != 4 || rows[1][2] != "零报告" {
		t.Errorf("XLSX rows %q", rows)
	}
}

// Without STARTTLS on offer the password is never sent: net/smtp refuses
// PLAIN in the clear to anyone but localhost, and the mail fails with why.
func TestMailWithoutTLSStillDeliversWithoutAPassword(t *testing.T) {
	ss := startSMTP(t, nil)
	m := &send.Mail{Recipient: "county", To: []string{"a@example.gov.cn"}, Server: &send.SMTP{Addr: ss.addr, From: "kakou@example.gov.cn"}}
	if err := m.Send(ctx, testExport(t)); err != nil || len(ss.msgs) != 1 || ss.msgs[0].tls {
		t.Fatalf("plain delivery: %v, %d messages", err, len(ss.msgs))
	}
}

func TestMailToADeadServerSaysWhichServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	m := &send.Mail{Recipient: "county", To: []string{"a@example.gov.cn"}, Server: &send.SMTP{Addr: addr, From: "k@example.gov.cn"}}
	if err := m.Send(ctx, testExport(t)); err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %v, want one naming %s", err, addr)
	}
}

func TestWebhookWithTheWrongSecretIsRefusedByTheReceiver(t *testing.T) {
	rc := newReceiver(t, time.Now)
	w := &send.Webhook{Recipient: "district", URL: rc.srv.URL, Secret: []byte("not the secret")}
	if err := w.Send(ctx, testExport(t)); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("error %v, want the receiver's 401", err)
	}
	if err := rc.sink("district", time.Now).Send(ctx, testExport(t)); err != nil || rc.got() != 1 {
		t.Errorf("with the secret: %v", err)
	}
}

func TestVerifyRefusesAStaleOrAlteredRequest(t *testing.T) {
	body := []byte(`{"report":"zero"}`)
	ts, sig := send.Sign(secret, cut, body)
	for _, tt := range []struct {
		name     string
		ts, sig  string
		body     []byte
		now      time.Time
		accepted bool
	}{
		{"as signed", ts, sig, body, cut.Add(time.Minute), true},
		{"replayed an hour later", ts, sig, body, cut.Add(time.Hour), false},
		{"body altered", ts, sig, []byte(`{"report":"daily"}`), cut, false},
		{"timestamp altered", "1", sig, body, time.Unix(1, 0), false},
		{"timestamp not a number", "yesterday", sig, body, cut, false},
	} {
		err := send.Verify(secret, tt.ts, tt.sig, tt.body, tt.now, 5*time.Minute)
		if (err == nil) != tt.accepted {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// Readers of the drop directory see the old file or the new, whole,
// never a part; no temporary file is left behind.
func TestDirDropIsAtomic(t *testing.T) {
	dir := t.TempDir()
	d := &send.Dir{Recipient: "archive", Path: dir}
	old := testExport(t)
	if err := d.Send(ctx, old); err != nil {
		t.Fatal(err)
	}
	newer := testExport(t)
	newer.Files[0].Data = bytes.Repeat([]byte("新"), 1<<20) // 3 MB: many writes
	path := filepath.Join(dir, "kakou-zero-2026-11-23.csv")
	stop := make(chan struct{})
	var torn []int
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err == nil && !bytes.Equal(b, old.Files[0].Data) && !bytes.Equal(b, newer.Files[0].Data) {
				torn = append(torn, len(b))
			}
		}
	})
	for range 5 {
		if err := d.Send(ctx, newer); err != nil {
			t.Fatal(err)
		}
		if err := d.Send(ctx, old); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(torn) > 0 {
		t.Errorf("a reader saw %d partial files (sizes %v)", len(torn), torn[:min(len(torn), 5)])
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"kakou-zero-2026-11-23.csv", "kakou-zero-2026-11-23.xlsx"}) {
		t.Errorf("directory holds %v", names)
	}
}

func TestDirDropIntoAMissingDirectorySaysWhere(t *testing.T) {
	d := &send.Dir{Recipient: "archive", Path: filepath.Join(t.TempDir(), "gone")}
	if err := d.Send(ctx, testExport(t)); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("error %v", err)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func decodeBase64(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, r)
}
