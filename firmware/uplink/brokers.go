package uplink

import (
	"errors"
	"fmt"

	"github.com/kakou/kakou/firmware/delivery"
)

// pickBrokers checks Broker or Brokers, whichever is given, and leaves the
// list in Brokers and its first URL in Broker: TLS is loaded once for the
// list (delivery.CheckBrokers keeps it all TLS or all plain), and Broker
// names it in loadTLS's errors.
func pickBrokers(o *Options) error {
	switch {
	case o.Broker != "" && len(o.Brokers) > 0:
		return errors.New("uplink: both Broker and Brokers given: give one broker, or the list of a cluster's nodes")
	case len(o.Brokers) == 0:
		o.Brokers = []string{o.Broker}
	}
	for _, b := range o.Brokers {
		if err := checkBroker(b); err != nil {
			return err
		}
	}
	if err := delivery.CheckBrokers(o.Brokers); err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	o.Broker = o.Brokers[0]
	return nil
}
