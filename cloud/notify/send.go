package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The generic webhook's headers (SECURITY.md "Alert webhooks").
const (
	// HeaderTimestamp is the Unix time in seconds the request was signed at.
	HeaderTimestamp = "X-Kakou-Timestamp"
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256, keyed with the
	// channel's secret, of the timestamp, a ".", and the body.
	HeaderSignature = "X-Kakou-Signature"
	// HeaderDelivery names the notification (alert id/channel/level), the
	// same on every attempt, so a receiver can drop a repeat.
	HeaderDelivery = "X-Kakou-Delivery"
)

// ReplayWindow is how far a receiver should accept a webhook's timestamp
// from its own clock; VerifyWebhook applies it.
const ReplayWindow = 5 * time.Minute

// maxReply bounds how much of a receiver's answer is read.
const maxReply = 64 << 10

// send delivers m to c once, at now. A robot that answers 200 with an
// errcode other than 0 has not taken the message.
func send(ctx context.Context, hc *http.Client, c Channel, m Message, delivery string, now time.Time) error {
	switch c.Kind {
	case KindWeCom:
		body := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": clip(m.Markdown, 4000)}}
		return postRobot(ctx, hc, c.URL, body)
	case KindDingTalk:
		body := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": clip(m.Markdown, 4000)}}
		u := c.URL
		if c.Secret != "" {
			u = DingTalkSigned(c.URL, c.Secret, now)
		}
		return postRobot(ctx, hc, u, body)
	case KindWebhook:
		return postWebhook(ctx, hc, c, m, delivery, now)
	}
	return fmt.Errorf("unknown channel kind %q", c.Kind)
}

// DingTalkSigned is u with DingTalk's 加签: timestamp (ms) and sign, the
// base64 HMAC-SHA256 of timestamp+"\n"+secret keyed with secret, URL-encoded.
// DingTalk refuses a timestamp more than an hour from its clock.
func DingTalkSigned(u, secret string, now time.Time) string {
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	sep := "&"
	if pu, err := url.Parse(u); err == nil && pu.RawQuery == "" {
		sep = "?"
	}
	return u + sep + "timestamp=" + ts + "&sign=" + url.QueryEscape(sign)
}

// robotReply is how both robots answer: errcode 0 means taken.
type robotReply struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func postRobot(ctx context.Context, hc *http.Client, u string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	reply, err := post(ctx, hc, u, b, nil)
	if err != nil {
		return err
	}
	return robotAnswer(reply)
}

// robotAnswer reads a robot's answer: nil only for errcode 0.
func robotAnswer(reply []byte) error {
	var r robotReply
	if err := json.Unmarshal(reply, &r); err != nil || r.ErrCode == nil {
		return fmt.Errorf("the robot's answer is not {\"errcode\":…}: %s", shown(reply))
	}
	if *r.ErrCode != 0 {
		return fmt.Errorf("the robot refused the message: errcode %d %s", *r.ErrCode, shown([]byte(r.ErrMsg)))
	}
	return nil
}

// webhookBody is what the generic webhook receives.
type webhookBody struct {
	Title    string      `json:"title"`
	Markdown string      `json:"markdown"`
	Alert    AlertFields `json:"alert"`
	SentAt   time.Time   `json:"sent_at"`
}

func postWebhook(ctx context.Context, hc *http.Client, c Channel, m Message, delivery string, now time.Time) error {
	b, err := json.Marshal(webhookBody{Title: m.Title, Markdown: m.Markdown, Alert: m.Alert, SentAt: now.UTC()})
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, "sha256="+WebhookSignature(c.Secret, ts, b))
	h.Set(HeaderDelivery, delivery)
	_, err = post(ctx, hc, c.URL, b, h)
	return err
}

// WebhookSignature is the hex HMAC-SHA256 of ts + "." + body keyed with secret.
func WebhookSignature(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Errors VerifyWebhook returns.
var (
	ErrBadSignature = errors.New("notify: webhook signature does not match")
	ErrStale        = errors.New("notify: webhook timestamp outside the replay window")
)

// VerifyWebhook checks a webhook request as a receiver should: the
// signature over the timestamp and the exact body, in constant time, and
// the timestamp within ReplayWindow of now. Receivers in Go may call it;
// SECURITY.md shows the same in a few lines of any language.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrStale, HeaderTimestamp, clip(ts, 40))
	}
	want := "sha256=" + WebhookSignature(secret, ts, body)
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(want)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > ReplayWindow || d < -ReplayWindow {
		return fmt.Errorf("%w: signed %s from now", ErrStale, d.Round(time.Second))
	}
	return nil
}

// post sends one JSON request and returns the answer's body; anything
// but a 2xx is an error naming the status.
func post(ctx context.Context, hc *http.Client, u string, body []byte, h http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "kakou-cloud")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, redact(err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", redact(err))
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, shown(reply))
	}
	return reply, nil
}

// shown is a receiver's text as the log and the outbox keep it: quoted,
// and at most about 300 bytes however many bytes a quote expands.
func shown(b []byte) string {
	return clip(strconv.QuoteToGraphic(clip(string(b), 200)), 300)
}

// redact drops the URL from a transport error: a robot's URL holds its
// key, and errors go to the log and the outbox.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
