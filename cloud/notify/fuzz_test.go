package notify

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The robots' answers and the webhook's headers and body come from outside.

func FuzzRobotAnswer(f *testing.F) {
	for _, seed := range []string{`{"errcode":0,"errmsg":"ok"}`, `{"errcode":45009,"errmsg":"api freq out of limit"}`,
		`{"errcode":310000,"errmsg":"sign not match"}`, `{"errmsg":"ok"}`, `{"errcode":"0"}`, `null`, ``,
		`<html>502</html>`, `{"errcode":0e1}`, `{"errcode":-0}`, `{"errcode":1e400}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		err := robotAnswer(reply)
		if err != nil && len(err.Error()) > 600 {
			t.Errorf("error of %d bytes: a robot's answer must be clipped", len(err.Error()))
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	now := time.Unix(1648865707, 0)
	secret := "a-long-shared-secret"
	good := []byte(`{"title":"卡口【高】发热告警"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	f.Add(ts, "sha256="+WebhookSignature(secret, ts, good), good)
	f.Add(ts, "sha256=00", good)
	f.Add("", "", []byte{})
	f.Add("99999999999999999999", "sha256=", good)
	f.Add("-1", "sha256="+WebhookSignature(secret, "-1", good), good)
	f.Add(" 1648865707", "sha256="+WebhookSignature(secret, " 1648865707", good), good)
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		err := VerifyWebhook(secret, h, body, now)
		if err == nil && sig != "sha256="+WebhookSignature(secret, ts, body) {
			t.Fatalf("accepted a signature that is not the body's: ts %q sig %q", ts, sig)
		}
		if err == nil {
			sec, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || now.Sub(time.Unix(sec, 0)).Abs() > ReplayWindow {
				t.Fatalf("accepted timestamp %q outside the replay window", ts)
			}
		}
	})
}

func TestVerifyWebhookRefusesForgedStaleAndAlteredRequests(t *testing.T) {
	now := time.Unix(1648865707, 0)
	body := []byte(`{"alert":{"id":"fever-1"}}`)
	sign := func(at time.Time, b []byte, secret string) http.Header {
		h := http.Header{}
		ts := strconv.FormatInt(at.Unix(), 10)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, "sha256="+WebhookSignature(secret, ts, b))
		return h
	}
	if err := VerifyWebhook("s3cret", sign(now, body, "s3cret"), body, now); err != nil {
		t.Fatalf("a good request: %v", err)
	}
	for name, tc := range map[string]struct {
		h    http.Header
		body []byte
	}{
		"signed with another secret":      {sign(now, body, "guess"), body},
		"body altered after signing":      {sign(now, body, "s3cret"), []byte(`{"alert":{"id":"fever-2"}}`)},
		"replayed ten minutes later":      {sign(now.Add(-10*time.Minute), body, "s3cret"), body},
		"dated ten minutes in the future": {sign(now.Add(10*time.Minute), body, "s3cret"), body},
		"no headers":                      {http.Header{}, body},
	} {
		if err := VerifyWebhook("s3cret", tc.h, tc.body, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
