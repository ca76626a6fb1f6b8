package send

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The webhook's signature headers, the same as the alert notifications'
// (cloud/notify): the receiver recomputes
// hex(HMAC-SHA256(secret, timestamp + "." + body)) and refuses a request
// whose timestamp is stale, so a captured request cannot be replayed.
const (
	HeaderTimestamp = "X-Kakou-Timestamp"
	HeaderSignature = "X-Kakou-Signature"
)

// Webhook POSTs the export as JSON: the report itself and its files in
// base64, signed.
type Webhook struct {
	Recipient string
	URL       string
	Secret    []byte
	Client    *http.Client     // http.DefaultClient's transport with a timeout unless set
	Now       func() time.Time // time.Now unless set
}

// webhookBody is what a webhook receives.
type webhookBody struct {
	Report  string          `json:"report"`
	Date    string          `json:"date"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"` // the report as GET /api/v1/reports/{id} serves it
	Files   []webhookFile   `json:"files"`
}

type webhookFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"` // base64 in JSON
}

func (w *Webhook) Name() string { return w.Recipient }

// Send POSTs e; any 2xx answer is delivery.
func (w *Webhook) Send(ctx context.Context, e Export) error {
	body := webhookBody{Report: reportID(e), Date: e.Report.Date, Subject: subject(e), Data: e.JSON}
	for _, f := range e.Files {
		body.Files = append(body.Files, webhookFile(f))
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.Recipient, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.Recipient, err)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts, sig := Sign(w.Secret, now(), b)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, sig)
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.Recipient, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: the receiver answered %s: %q", w.Recipient, resp.Status, msg)
	}
	return nil
}

// Sign is the signature headers' values for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(t.Unix(), 10)
	return timestamp, mac(secret, timestamp, body)
}

// mac is hex(HMAC-SHA256(secret, timestamp + "." + body)).
func mac(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signed request as a receiver should: the signature is
// the body's under secret, and the timestamp within maxAge of now.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, maxAge time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("send: timestamp %q is not unix seconds", timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("send: timestamp %s is %v from now; more than %v: a replay, or a clock to fix", timestamp, d, maxAge)
	}
	// Over the timestamp as received: "+17…" or "017…" must not pass
	// with the signature of "17…".
	if !hmac.Equal([]byte(mac(secret, timestamp, body)), []byte(signature)) {
		return fmt.Errorf("send: the signature does not match the body; check the shared secret")
	}
	return nil
}

// reportID is the export's report id: "daily" for the daily report.
func reportID(e Export) string {
	if e.Report.ID == "" {
		return "daily"
	}
	return e.Report.ID
}
