package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultHealthTimeout bounds an online health check. A lane moves a
// person every 1.5-3 s; the verifier must never be the bottleneck
// (docs/product.md "What people complained about": terminals that stalled
// 15 s waiting for a server).
const DefaultHealthTimeout = 2 * time.Second

// maxQueryToken bounds the token after KK1.HQ.; maxHealthAnswer bounds
// what the unit reads back.
const (
	maxQueryToken   = 512
	maxHealthAnswer = 4 << 10
)

// OnlineHealth asks the health authority's service about a code. It POSTs
// {"code": "<code>"} as JSON and expects 200 with
// {"status": "green|yellow|red|expired|not_found", "nat": <unix s>, "trv": <bool>}.
// Anything else is verify_failed; no answer within Timeout is timeout.
//
// Only query tokens (KK1.HQ.) need it — see [HealthRouter]; given a signed
// code it asks the service too, which is how a unit without the
// authority's keys can still check one.
type OnlineHealth struct {
	URL     string
	Timeout time.Duration // 0: DefaultHealthTimeout
	Client  *http.Client  // nil: a plain client; the timeout comes from the context
}

var defaultHealthClient = &http.Client{}

type healthQuery struct {
	Code string `json:"code"`
}

type healthAnswer struct {
	Status string `json:"status"`
	NAT    int64  `json:"nat"`
	TRV    *bool  `json:"trv"`
}

var answerStatus = map[string]Status{"green": StatusGreen, "yellow": StatusYellow,
	"red": StatusRed, "expired": StatusExpired, "not_found": StatusNotFound}

// Verify implements HealthVerifier. It returns within Timeout: the
// request, the connection and the body read all run under one deadline.
func (o *OnlineHealth) Verify(ctx context.Context, code []byte) (Presented, error) {
	if o == nil || o.URL == "" {
		return healthResult(StatusVerifyFailed, "no verifier"), nil
	}
	if err := checkHealthCode(code); err != nil {
		return healthResult(StatusMalformed, err.Error()), nil
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultHealthTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a, err := o.ask(ctx, code)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return healthResult(StatusTimeout, "no answer within "+timeout.String()),
				fmt.Errorf("credential: health service: no answer within %s: %w", timeout, err)
		}
		return healthResult(StatusVerifyFailed, "health service: "+err.Error()),
			fmt.Errorf("credential: health service: %w", err)
	}
	return answerFacts(code, a), nil
}

// checkHealthCode refuses what should not be sent out: a query token is
// base64url; a signed code is at most MaxCode.
func checkHealthCode(code []byte) error {
	s := string(code)
	if len(s) > MaxCode {
		return fmt.Errorf("code longer than %d bytes", MaxCode)
	}
	if tok, ok := strings.CutPrefix(s, HealthQueryPrefix); ok {
		if tok == "" || len(tok) > maxQueryToken || strings.Trim(tok, b64Alphabet) != "" {
			return fmt.Errorf("query token: want 1-%d base64url characters", maxQueryToken)
		}
		return nil
	}
	if _, err := openSigned(s, HealthCodePrefix); err != nil {
		return err
	}
	return nil
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (o *OnlineHealth) ask(ctx context.Context, code []byte) (healthAnswer, error) {
	body, err := json.Marshal(healthQuery{Code: string(code)})
	if err != nil {
		return healthAnswer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(body))
	if err != nil {
		return healthAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	client := o.Client
	if client == nil {
		client = defaultHealthClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return healthAnswer{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return healthAnswer{}, fmt.Errorf("HTTP %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxHealthAnswer+1))
	if err != nil {
		return healthAnswer{}, err
	}
	return parseAnswer(b)
}

// parseAnswer accepts extra fields (the service may grow) but not an
// unknown status or a negative time.
func parseAnswer(b []byte) (healthAnswer, error) {
	if len(b) > maxHealthAnswer {
		return healthAnswer{}, fmt.Errorf("answer longer than %d bytes", maxHealthAnswer)
	}
	var a healthAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return healthAnswer{}, fmt.Errorf("answer: %w", err)
	}
	if answerStatus[a.Status] == "" {
		return healthAnswer{}, fmt.Errorf("answer: unknown status %q", a.Status)
	}
	if a.NAT < 0 {
		return healthAnswer{}, errors.New("answer: negative nat")
	}
	return a, nil
}

func answerFacts(code []byte, a healthAnswer) Presented {
	p := healthResult(answerStatus[a.Status], "")
	p.Wire.Subject = shortRef(string(code))
	p.TravelCardOK = a.TRV
	if a.NAT > 0 {
		p.NucleicAcidAt = time.Unix(a.NAT, 0).UTC()
	}
	return p
}
