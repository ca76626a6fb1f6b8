// Package provincialsim is a simulated provincial health-code service
// (健康码) for the demo and the tests: an http.Handler that answers the
// way such services do, not the way Kakou would like them to. Requests are
// POSTed as JSON (or sent as a GET query) to [Path] with an app key in the
// X-App-Key header, asking by scanned token ("qrToken") or by ID number
// ("idCard"); answers are nested JSON with the colour as a number:
//
//	{"code": 0, "msg": "成功", "traceId": "…",
//	 "data": {"color": 0, "colorName": "绿码", "hsjc": {"sampleTime": "2026-12-06T08:00:00+08:00", "result": "阴性"},
//	          "xck": 1, "updateTime": 1765000000}}
//
// color is 0 green, 1 yellow, 2 red, 9 expired (the code must be
// refreshed) and -1 not found. [Config] is the matching unit config.
//
// Modes make it misbehave on purpose: slow (Latency), failing (HTTP 500),
// hanging until the caller gives up, or answering 10 MB.
package provincialsim

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Path is where the service answers.
const Path = "/api/v2/hc/query"

// Colours as the service numbers them.
const (
	Green    = 0
	Yellow   = 1
	Red      = 2
	Expired  = 9
	NotFound = -1
)

// Record is what the service knows about one person.
type Record struct {
	Color  int
	Sample time.Time // last negative nucleic-acid sampling; zero: none
	Travel bool      // 行程卡 fine
}

// Mode is how the service misbehaves.
type Mode int

const (
	Normal Mode = iota
	Fail        // HTTP 500 to everything
	Hang        // never answers; the caller must give up
	Huge        // 10 MB of JSON
)

// Service is the simulated service. The zero value is not usable: call New.
type Service struct {
	appKey string
	mu     sync.Mutex
	tokens map[string]Record
	ids    map[string]Record
	mode   Mode
	delay  time.Duration
	calls  atomic.Int64
}

// New is a service with no one on it that wants appKey in X-App-Key.
func New(appKey string) *Service {
	return &Service{appKey: appKey, tokens: map[string]Record{}, ids: map[string]Record{}}
}

// SetToken puts a scanned token on the service.
func (s *Service) SetToken(token string, r Record) { s.mu.Lock(); s.tokens[token] = r; s.mu.Unlock() }

// SetID puts an ID number on the service.
func (s *Service) SetID(id string, r Record) { s.mu.Lock(); s.ids[id] = r; s.mu.Unlock() }

// SetMode makes the service misbehave, or behave again (Normal).
func (s *Service) SetMode(m Mode) { s.mu.Lock(); s.mode = m; s.mu.Unlock() }

// SetLatency delays every answer by d.
func (s *Service) SetLatency(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// Calls is how many requests reached the service.
func (s *Service) Calls() int64 { return s.calls.Load() }

type query struct {
	QRToken string `json:"qrToken"`
	IDCard  string `json:"idCard"`
}

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.mu.Lock()
	mode, delay := s.mode, s.delay
	s.mu.Unlock()
	// Read the request before waiting: net/http notices a caller that gave
	// up only once the body is read, and a hanging service must end when
	// its caller does.
	q, ok := readQuery(r)
	if !s.wait(r, mode, delay) {
		return
	}
	switch {
	case r.URL.Path != Path:
		http.NotFound(w, r)
		return
	case subtle.ConstantTimeCompare([]byte(r.Header.Get("X-App-Key")), []byte(s.appKey)) != 1:
		reply(w, http.StatusUnauthorized, map[string]any{"code": 40101, "msg": "appKey无效"})
		return
	case mode == Fail:
		reply(w, http.StatusInternalServerError, map[string]any{"code": 50000, "msg": "系统繁忙"})
		return
	case mode == Huge:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":0,"data":{"color":0,"pad":"`+strings.Repeat("x", 10<<20)+`"}}`)
		return
	}
	if !ok {
		reply(w, http.StatusBadRequest, map[string]any{"code": 40001, "msg": "参数错误"})
		return
	}
	reply(w, http.StatusOK, s.answer(q))
}

// wait applies the latency or the hang; false: the caller gave up.
func (s *Service) wait(r *http.Request, mode Mode, delay time.Duration) bool {
	if mode == Hang {
		<-r.Context().Done()
		return false
	}
	if delay <= 0 {
		return true
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func readQuery(r *http.Request) (query, bool) {
	var q query
	if r.Method == http.MethodGet {
		q = query{QRToken: r.URL.Query().Get("qrToken"), IDCard: r.URL.Query().Get("idCard")}
	} else if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&q); err != nil {
		return q, false
	}
	return q, (q.QRToken == "") != (q.IDCard == "")
}

func (s *Service) answer(q query) map[string]any {
	s.mu.Lock()
	rec, ok := s.tokens[q.QRToken]
	if q.IDCard != "" {
		rec, ok = s.ids[strings.ToUpper(q.IDCard)]
	}
	s.mu.Unlock()
	data := map[string]any{"color": NotFound, "colorName": "未查询到"}
	if ok {
		data = map[string]any{"color": rec.Color, "colorName": colorNames[rec.Color],
			"xck": boolNum(rec.Travel), "updateTime": time.Now().Unix()}
		if !rec.Sample.IsZero() {
			data["hsjc"] = map[string]any{"sampleTime": rec.Sample.Format(time.RFC3339), "result": "阴性"}
		}
	}
	return map[string]any{"code": 0, "msg": "成功", "traceId": "sim-" + time.Now().Format("150405.000"), "data": data}
}

var colorNames = map[int]string{Green: "绿码", Yellow: "黄码", Red: "红码", Expired: "已过期"}

func boolNum(b bool) int {
	if b {
		return 1
	}
	return 0
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
