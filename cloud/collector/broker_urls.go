package collector

// BrokerURL is where units publish: the embedded broker's address, the
// external broker's, or, for a cluster ([broker] urls), its first node.
// Tools that dial one broker (loadgen, tests) take it; the status line and
// the logs show BrokerURLs.
func (c *Collector) BrokerURL() string {
	if urls := c.BrokerURLs(); len(urls) > 0 {
		return urls[0]
	}
	return ""
}

// BrokerURLs are every broker units may publish to: the embedded broker,
// the external one, or a cluster's nodes in their listed order.
func (c *Collector) BrokerURLs() []string {
	switch {
	case c.broker != nil:
		return []string{c.brokerURL}
	case len(c.cfg.Broker.URLs) > 0:
		return c.cfg.Broker.URLs
	case c.cfg.Broker.URL != "":
		return []string{c.cfg.Broker.URL}
	}
	return nil
}
