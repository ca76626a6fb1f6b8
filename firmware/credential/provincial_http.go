package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// errNoAnswer: the service did not answer within the timeout (a timeout,
// counted by the breaker); errLaneCancelled: the lane stopped waiting
// (the unit shutting down), which says nothing about the service.
var (
	errNoAnswer      = errors.New("no answer in time")
	errLaneCancelled = errors.New("the lane stopped waiting")
)

// request asks the service once under one deadline that covers the
// connection, the request and reading the answer. Its errors are the
// breaker's failures; they never carry the URL (a GET's query holds the
// token), the headers (an app key) or the answer (a health record).
func (p *Provincial) request(ctx context.Context, field, value string) (answer, error) {
	tctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	req, err := p.newRequest(tctx, field, value)
	if err != nil {
		return answer{}, err
	}
	client := p.o.Client
	if client == nil {
		client = defaultHealthClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, p.why(ctx, tctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answer{}, fmt.Errorf("health service answered HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxProvincialAnswer+1))
	if err != nil {
		return answer{}, p.why(ctx, tctx, err)
	}
	return p.o.Answer.Map(b)
}

// why names a failed exchange without quoting it.
func (p *Provincial) why(lane, tctx context.Context, err error) error {
	switch {
	case errors.Is(lane.Err(), context.Canceled):
		return errLaneCancelled
	case tctx.Err() != nil:
		return errNoAnswer
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error quotes the URL, and a GET's URL holds the token
	}
	return fmt.Errorf("health service unreachable: %v", err)
}

func (p *Provincial) newRequest(ctx context.Context, field, value string) (*http.Request, error) {
	var req *http.Request
	var err error
	if p.o.Method == http.MethodGet {
		u, _ := url.Parse(p.o.URL) // checked by Problems
		q := u.Query()
		q.Set(field, value)
		u.RawQuery = q.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	} else {
		body, _ := json.Marshal(map[string]string{field: value}) // strings: cannot fail
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, p.o.URL, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return nil, errors.New("health service request could not be built: check url")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range p.o.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

// Compile-time proof of the seams the unit uses.
var (
	_ HealthVerifier = (*Provincial)(nil)
	_ IDLookup       = (*Provincial)(nil)
)
