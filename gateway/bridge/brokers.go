package bridge

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/kakou/kakou/firmware/delivery"
)

// pickBrokers leaves Broker or Brokers, whichever is given, in Brokers and
// its first URL in Broker, which check and the logs name.
func pickBrokers(o *Options) error {
	switch {
	case o.Broker != "" && len(o.Brokers) > 0:
		return errors.New("bridge: both Broker and Brokers given: give one cloud broker, or the list of a cluster's nodes")
	case len(o.Brokers) == 0:
		o.Brokers = []string{o.Broker}
	}
	for _, b := range o.Brokers {
		if u, err := url.Parse(b); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("bridge: cloud broker %q: want scheme://host:port, e.g. tcp://cloud.example:1883", b)
		}
	}
	if err := delivery.CheckBrokers(o.Brokers); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	o.Broker = o.Brokers[0]
	return nil
}
