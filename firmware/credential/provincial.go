package credential

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/sony/gobreaker/v2"
)

// ProvincialOpts describe a provincial health-code service (健康码) and how
// the unit asks it. The request and answer shapes differ by province, so
// they are mapped here rather than coded: the unit sends one field (the
// scanned token, or an ID number from a card) and reads back a status.
type ProvincialOpts struct {
	Name   string // the verifier's name, recorded with every answer
	URL    string // http:// or https://
	Method string // "POST" (JSON body, the default) or "GET" (query string)
	// TokenField is the request field that carries the token; TokenFrom
	// says where the token is: "code" (the whole scanned code, the
	// default) or "url_query:<name>" (that query parameter of the scanned
	// URL, e.g. url_query:t for https://jkm.example.gov.cn/hc?t=…).
	TokenField string
	TokenFrom  string
	// IDField is the request field for an ID number (the card path,
	// LookupID); "" when the service cannot be asked by ID number.
	IDField string
	// Headers are sent with every request (an app key). They are secrets:
	// never logged, never in an error.
	Headers map[string]string
	Answer  AnswerMap

	Timeout         time.Duration // 0: DefaultHealthTimeout; at most MaxProvincialTimeout
	CacheTTL        time.Duration // 0: no cache
	CacheSize       int           // 0: DefaultCacheSize when CacheTTL is set
	BreakerFailures int           // consecutive failures that open the breaker; 0: DefaultBreakerFailures
	BreakerCooldown time.Duration // how long it stays open; 0: DefaultBreakerCooldown

	Client *http.Client     // nil: a plain client; the timeout comes from the context
	Now    func() time.Time // nil: time.Now; the cache's clock
}

// Defaults and bounds for ProvincialOpts.
const (
	MaxProvincialTimeout   = 2 * time.Second // the lane's online ceiling
	DefaultCacheSize       = 1024
	MaxCacheSize           = 100_000
	MaxCacheTTL            = 10 * time.Minute
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
)

// Problems lists what is wrong with o, each as "key: reason" with the
// config key at fault, so the unit's config reports them all at once.
func (o ProvincialOpts) Problems() []string {
	var p []string
	bad := func(key, format string, args ...any) { p = append(p, key+": "+fmt.Sprintf(format, args...)) }
	if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		bad("url", "%q: want the service's http:// or https:// URL", o.URL)
	}
	if o.Method != "" && o.Method != http.MethodPost && o.Method != http.MethodGet {
		bad("method", "%q: want POST or GET", o.Method)
	}
	if o.TokenField == "" && o.IDField == "" {
		bad("token_field", "required (or id_field): the request field that carries the scanned token, e.g. \"qrcode\"")
	}
	if _, err := tokenParam(o.TokenFrom); err != nil {
		bad("token_from", "%v", err)
	}
	for k := range o.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n\t") {
			bad("headers", "%q is not a header name", k)
		}
	}
	if err := o.Answer.Check(); err != nil {
		key, reason, _ := strings.Cut(err.Error(), ": ")
		bad(key, "%s", reason)
	}
	if o.Timeout < 0 || o.Timeout > MaxProvincialTimeout {
		bad("timeout", "%s: at most %s: the lane waits for it, and the policy's offline rule decides when it runs out", o.Timeout, MaxProvincialTimeout)
	}
	if o.CacheTTL < 0 || o.CacheTTL > MaxCacheTTL {
		bad("cache_ttl", "%s: 0 (no cache) to %s; 60s is usual: a code changes colour within minutes", o.CacheTTL, MaxCacheTTL)
	}
	if o.CacheSize < 0 || o.CacheSize > MaxCacheSize {
		bad("cache_size", "%d: 0 (default %d) to %d", o.CacheSize, DefaultCacheSize, MaxCacheSize)
	}
	if o.BreakerFailures < 0 || o.BreakerFailures > 100 {
		bad("breaker_failures", "%d: 0 (default %d) to 100", o.BreakerFailures, DefaultBreakerFailures)
	}
	if o.BreakerCooldown < 0 || o.BreakerCooldown > time.Hour {
		bad("breaker_cooldown", "%s: 0 (default %s) to 1h", o.BreakerCooldown, DefaultBreakerCooldown)
	}
	return p
}

// tokenParam is the query parameter token_from names; "" for the whole code.
func tokenParam(from string) (string, error) {
	if from == "" || from == "code" {
		return "", nil
	}
	if q, ok := strings.CutPrefix(from, "url_query:"); ok && q != "" && !strings.ContainsAny(q, "&=# ") {
		return q, nil
	}
	return "", fmt.Errorf("%q: want \"code\" or \"url_query:<name>\" (e.g. url_query:t)", from)
}

// Provincial asks a provincial health-code service, by scanned token
// (Verify) or by ID number (LookupID). Every call returns within Timeout.
// Definite answers are cached by a hash of what was asked; consecutive
// failures open a circuit breaker, and while it is open the answer is
// timeout without asking, so the policy's offline rule decides at once
// instead of every person waiting out the timeout.
type Provincial struct {
	o       ProvincialOpts
	param   string
	cache   *lru.Cache[[32]byte, cached]
	breaker *gobreaker.CircuitBreaker[answer]
}

type cached struct {
	a  answer
	at time.Time
}

// NewProvincial checks o and builds the adapter.
func NewProvincial(o ProvincialOpts) (*Provincial, error) {
	if p := o.Problems(); len(p) > 0 {
		return nil, fmt.Errorf("credential: provincial service %s: %s", o.Name, strings.Join(p, "; "))
	}
	if o.Method == "" {
		o.Method = http.MethodPost
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultHealthTimeout
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.BreakerFailures == 0 {
		o.BreakerFailures = DefaultBreakerFailures
	}
	if o.BreakerCooldown == 0 {
		o.BreakerCooldown = DefaultBreakerCooldown
	}
	param, _ := tokenParam(o.TokenFrom)
	p := &Provincial{o: o, param: param}
	if o.CacheTTL > 0 {
		p.cache, _ = lru.New[[32]byte, cached](o.CacheSize) // size > 0: cannot fail
	}
	n := uint32(o.BreakerFailures)
	p.breaker = gobreaker.NewCircuitBreaker[answer](gobreaker.Settings{
		Name:        o.Name,
		MaxRequests: 1, // half-open: one request tries the service
		Timeout:     o.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= n },
		// The lane giving up (the person left, the unit stopping) says
		// nothing about the service.
		IsExcluded: func(err error) bool { return errors.Is(err, errLaneCancelled) },
	})
	return p, nil
}

// Name is the verifier's name.
func (p *Provincial) Name() string { return p.o.Name }

// Available reports whether the service is being asked; false while the
// breaker is open, with what to tell the guard.
func (p *Provincial) Available() (bool, string) {
	if p.breaker.State() == gobreaker.StateOpen {
		return false, fmt.Sprintf("%s: not answering (%d failures in a row); health codes judged by the policy's offline rule", p.o.Name, p.o.BreakerFailures)
	}
	return true, ""
}

// maxToken bounds a token sent out; a provincial token is tens of bytes.
const maxToken = 512

// Verify implements HealthVerifier: it asks about the scanned code's token.
func (p *Provincial) Verify(ctx context.Context, code []byte) (Presented, error) {
	if p == nil {
		return healthResult(StatusVerifyFailed, "no verifier"), nil
	}
	if p.o.TokenField == "" {
		return p.result(healthResult(StatusVerifyFailed, "this service is asked by ID number only")), nil
	}
	tok, err := p.token(string(code))
	if err != nil {
		return p.result(healthResult(StatusMalformed, err.Error())), nil
	}
	pr, err := p.ask(ctx, "token", p.o.TokenField, tok)
	if pr.Status != StatusTimeout && pr.Status != StatusVerifyFailed {
		pr.Wire.Subject = shortRef(p.o.Name + "\x00" + tok)
	}
	return pr, err
}

// LookupID implements IDLookup: it asks about an ID number from a card.
// The answer carries no Subject: the caller keys the person by its own
// hash of the number (Privacy), never by anything derived here.
func (p *Provincial) LookupID(ctx context.Context, idNumber string) (Presented, error) {
	if p == nil || p.o.IDField == "" {
		return healthResult(StatusVerifyFailed, "this service is not asked by ID number"), nil
	}
	if !plausibleID(idNumber) {
		return p.result(healthResult(StatusMalformed, "not an ID number: want 18 characters, digits and a final X")), nil
	}
	return p.ask(ctx, "id", p.o.IDField, strings.ToUpper(idNumber))
}

// CanLookupID reports whether the service is asked by ID number.
func (p *Provincial) CanLookupID() bool { return p.o.IDField != "" }

func plausibleID(s string) bool {
	if len(s) != 18 {
		return false
	}
	return strings.Trim(s[:17], "0123456789") == "" && strings.Trim(s[17:], "0123456789Xx") == ""
}

// token is what the service is asked about: the whole code, or the
// query parameter token_from names.
func (p *Provincial) token(code string) (string, error) {
	tok := code
	if p.param != "" {
		u, err := url.Parse(code)
		if err != nil {
			return "", errors.New("code is not a URL")
		}
		if tok = u.Query().Get(p.param); tok == "" {
			return "", fmt.Errorf("URL has no %s parameter", p.param)
		}
	}
	if len(tok) > maxToken || !utf8.ValidString(tok) || strings.ContainsFunc(tok, isControl) {
		return "", fmt.Errorf("token: want 1-%d printable characters", maxToken)
	}
	return tok, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ask answers from the cache, or through the breaker from the service.
func (p *Provincial) ask(ctx context.Context, kind, field, value string) (Presented, error) {
	key := sha256.Sum256([]byte(p.o.Name + "\x00" + kind + "\x00" + value))
	now := p.now()
	if p.cache != nil {
		if c, ok := p.cache.Get(key); ok && now.Sub(c.at) < p.o.CacheTTL && !now.Before(c.at) {
			return p.presented(c.a), nil
		}
	}
	a, err := p.breaker.Execute(func() (answer, error) { return p.request(ctx, field, value) })
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return p.result(healthResult(StatusTimeout, "health service unavailable: not asked while it keeps failing")),
			fmt.Errorf("credential: %s: not asked: %w", p.o.Name, err)
	case errors.Is(err, errNoAnswer), errors.Is(err, errLaneCancelled):
		return p.result(healthResult(StatusTimeout, "no answer within "+p.o.Timeout.String())),
			fmt.Errorf("credential: %s: %w", p.o.Name, err)
	case err != nil:
		return p.result(healthResult(StatusVerifyFailed, err.Error())), fmt.Errorf("credential: %s: %w", p.o.Name, err)
	}
	if p.cache != nil {
		p.cache.Add(key, cached{a: a, at: now}) // a is a definite answer: request says so
	}
	return p.presented(a), nil
}

func (p *Provincial) now() time.Time {
	if p.o.Now != nil {
		return p.o.Now()
	}
	return time.Now()
}

// presented is a mapped answer as the verifier's result.
func (p *Provincial) presented(a answer) Presented {
	pr := p.result(healthResult(a.Status, a.Note))
	pr.NucleicAcidAt = a.NAT
	if a.Travel != nil { // a copy: the cache keeps the original
		t := *a.Travel
		pr.TravelCardOK = &t
	}
	return pr
}

func (p *Provincial) result(pr Presented) Presented {
	pr.Verifier = p.o.Name
	return pr
}
