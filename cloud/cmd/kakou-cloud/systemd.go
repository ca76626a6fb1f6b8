package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"time"
)

// The collector tells systemd how it is (cloud/README.md "Under systemd")
// through firmware/sdnotify: READY=1 once it serves, a status line,
// STOPPING=1, and WATCHDOG=1 only while its own /healthz answers.

// healthy asks the collector's own /healthz, which reads the store. The
// certificate is not checked: this is our own listener on loopback, and
// the question is whether it answers, not who it is.
func healthy(base string) error {
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // our own listener
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %s", resp.Status)
	}
	return nil
}
