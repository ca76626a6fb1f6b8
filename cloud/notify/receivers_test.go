package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// receiver plays a WeCom robot, a DingTalk robot or a webhook receiver on
// loopback, checking each request the way the real service does, and
// keeps what it took.
type receiver struct {
	t      *testing.T
	kind   string
	secret string
	now    func() time.Time
	srv    *httptest.Server

	mu      sync.Mutex
	down    bool          // answer 502, as a proxy in front of a dead service does
	errcode int           // a robot's answer; 0 takes the message
	hold    chan struct{} // when set, each request waits for it to close
	got     []received
	refused []string // why requests were refused
}

// received is one message a receiver took.
type received struct {
	Title, Markdown, Delivery string
	Alert                     AlertFields
}

func newReceiver(t *testing.T, kind, secret string, now func() time.Time) *receiver {
	r := &receiver{t: t, kind: kind, secret: secret, now: now}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string {
	if r.kind == KindWeCom {
		return r.srv.URL + "/cgi-bin/webhook/send?key=test-key"
	}
	if r.kind == KindDingTalk {
		return r.srv.URL + "/robot/send?access_token=test-token"
	}
	return r.srv.URL + "/kakou"
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	hold, down, errcode := r.hold, r.down, r.errcode
	r.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-req.Context().Done():
			return
		}
	}
	if down {
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	body, _ := io.ReadAll(req.Body)
	msg, why := r.check(req, body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if why != "" {
		r.refused = append(r.refused, why)
		if r.kind == KindWebhook {
			http.Error(w, why, http.StatusUnauthorized)
		} else { // the robots answer 200 with an errcode
			json.NewEncoder(w).Encode(map[string]any{"errcode": 310000, "errmsg": why})
		}
		return
	}
	if r.kind == KindWebhook {
		r.got = append(r.got, msg)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if errcode == 0 {
		r.got = append(r.got, msg)
	}
	json.NewEncoder(w).Encode(map[string]any{"errcode": errcode, "errmsg": map[bool]string{true: "ok", false: "refused"}[errcode == 0]})
}

// check is the service's own check of a request; why is "" when it passes.
func (r *receiver) check(req *http.Request, body []byte) (m received, why string) {
	switch r.kind {
	case KindWeCom:
		var b struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		if req.URL.Query().Get("key") != "test-key" {
			return m, "invalid webhook url"
		}
		if json.Unmarshal(body, &b) != nil || b.MsgType != "markdown" || b.Markdown.Content == "" || len(b.Markdown.Content) > 4096 {
			return m, "invalid markdown message"
		}
		return received{Markdown: b.Markdown.Content}, ""
	case KindDingTalk:
		var b struct {
			MsgType  string                       `json:"msgtype"`
			Markdown struct{ Title, Text string } `json:"markdown"`
		}
		if why := r.checkDingTalkSign(req); why != "" {
			return m, why
		}
		if json.Unmarshal(body, &b) != nil || b.MsgType != "markdown" || b.Markdown.Title == "" || b.Markdown.Text == "" {
			return m, "invalid markdown message"
		}
		return received{Title: b.Markdown.Title, Markdown: b.Markdown.Text}, ""
	}
	if err := VerifyWebhook(r.secret, req.Header, body, r.now()); err != nil {
		return m, err.Error()
	}
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		return m, "body is not JSON"
	}
	return received{Title: b.Title, Markdown: b.Markdown, Alert: b.Alert, Delivery: req.Header.Get(HeaderDelivery)}, ""
}

// checkDingTalkSign is DingTalk's 加签 check: the timestamp within an
// hour, the sign the base64 HMAC-SHA256 of timestamp+"\n"+secret.
func (r *receiver) checkDingTalkSign(req *http.Request) string {
	q := req.URL.Query()
	if q.Get("access_token") != "test-token" {
		return "token is not exist"
	}
	ms, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return "timestamp missing"
	}
	if d := r.now().Sub(time.UnixMilli(ms)); d > time.Hour || d < -time.Hour {
		return "timestamp outside the hour"
	}
	mac := hmac.New(sha256.New, []byte(r.secret))
	mac.Write([]byte(q.Get("timestamp") + "\n" + r.secret))
	if q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		return "sign not match"
	}
	return ""
}

func (r *receiver) set(fn func(r *receiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r)
}

func (r *receiver) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) refusals() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.refused...)
}
