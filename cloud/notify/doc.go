// Package notify tells people about alerts: it delivers each alert the
// collector stores to the WeCom (企业微信) and DingTalk (钉钉) group robots
// and signed JSON webhooks configured for its site or region, and
// escalates it to the next level's channels when nobody acknowledges it in
// time (docs/product.md "Numbers worth knowing": fever patients reach a
// higher office within 30–60 minutes).
//
// Nothing here runs on ingest's path. Ingest stores an alert as it always
// did; a Notifier polls the store for alerts it has not planned yet
// (store.NotifyPlan), queues one notification per alert, channel and
// escalation level in the store's outbox, and sends what is due on its own
// goroutines. The outbox's key makes each notification go out once across
// restarts and across collectors sharing PostgreSQL; a lease gives it to
// one sender at a time; a failed send is retried with exponential backoff
// and jitter until it is delivered or GiveUpAfter has passed. A dead
// webhook costs rows in the outbox, not memory: at most Workers sends are
// held in memory at once.
//
// Delivery is at least once: a collector that dies after a receiver took a
// message but before the store recorded it sends it again when its lease
// runs out. The webhook's X-Kakou-Delivery header is the same on every
// attempt, so a receiver can drop the repeat.
package notify
