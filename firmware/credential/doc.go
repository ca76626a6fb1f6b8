// Package credential reads and checks what a person showed the scanner.
// Everything that arrives here came from outside, so [Verifier.Check] (and
// the format-only [Decode] beneath it) accept any bytes and never fail: what
// cannot be placed is an "unknown" credential, which the policy turns into a
// registration rather than a crash or a silent pass.
//
// # Codes
//
// Kakou's own QR payloads start with a scheme version and a kind:
//
//	KK1.P.<claims>.<sig>   signed pass (出入证/通行证), verified offline
//	KK1.H.<claims>.<sig>   signed health code (健康码), verified offline
//	KK1.HQ.<token>         health-code query token, asked online
//	KK1.V.<form>           visitor pre-registration, unsigned
//	KAKOU1:PASS:<ref>      legacy pass, format only ("unverified")
//	KAKOU1:VISIT:<ref>     legacy visitor reference ("preregistered")
//	HC1:<base45>           EU Digital COVID Certificate, verified offline
//	                       against a trust list (firmware/credential/dcc)
//
// <claims> and <form> are base64url (no padding) of a JSON object; <sig> is
// base64url of an Ed25519 signature over the ASCII bytes of the code up to
// and including the claims ("KK1.P.<claims>"). Signing the kind prefix
// keeps a health authority's signature from ever passing as a pass. Unknown
// JSON fields are refused: a claim the unit does not understand may be a
// restriction it would otherwise ignore. A code is at most [MaxCode] bytes.
//
// # Passes
//
// A site office or a bureau holds an issuer key ([GenerateIssuer],
// [IssuePass]; the "kakou-unit pass" tool in firmware/cmd/kakou-unit signs
// and draws them on the issuer's machine); units know issuers' public keys by id
// ([LoadIssuers]). A pass names a role (docs/product.md "People
// treated differently"), optionally a household (一户一卡) and a site; a pass
// without a site is valid everywhere, which is how commerce-bureau supply
// passes are "accepted everywhere with one standard". The unit checks, in
// order: issuer, signature, revocation, site, then the validity window
// with [ClockSkew] of slack.
//
// A Raspberry Pi has no real-time clock and boots in 1970 until NTP syncs.
// While the clock is not synchronised the validity window is not checked at
// all — neither "not yet valid" (every pass would be) nor "expired" (none
// would be, and a pretended answer is worse than none): the pass is judged on
// signature, revocation and site, and the entry records clock_synced=false.
// The same holds for a health code's age and for the end of a roster period.
//
// # Health codes
//
// [HealthVerifier] is the seam. [OfflineHealth] checks signed codes against
// the health authority's keys and a maximum age; [OnlineHealth] asks the
// authority's service about a query token within a hard timeout, so a slow
// server costs the lane at most that long (docs/product.md "What
// people complained about": terminals that stalled 15 s). [HealthRouter] sends each code to the one that can answer.
//
// # Routes and provincial services
//
// A real province's health code is a URL (https://jkm.example.gov.cn/hc?t=…)
// or a bare token that carries no verdict: only the province's service
// knows the colour. The unit's config lists [Route]s (a prefix, a URL host
// and path, or a regexp) to named verifiers; [HealthRouter] takes the first
// that matches, and [Verifier.Check] asks it ([HealthRouter.Matches]) before
// calling a code unknown, after Kakou's own prefixes, so a broad route can
// never take a pass. A URL route compares the parsed host exactly and
// refuses URLs with a user, the usual shapes of a look-alike link.
//
// [Provincial] asks one such service: the request and answer fields are
// mapped in config ([ProvincialOpts], [AnswerMap]) because every province
// names them differently; it asks by scanned token or, for a person without
// a phone, by ID number ([IDLookup]). Three things keep a lane moving when
// the service does not:
//
//   - one deadline ([ProvincialOpts].Timeout, at most 2 s) covers the
//     connection, the request and reading at most 16 KiB of answer;
//   - definite answers are kept for CacheTTL in an LRU
//     (github.com/hashicorp/golang-lru/v2), keyed by a hash of what was asked,
//     so a person scanning twice costs one request and the cache never holds
//     a token; a timeout or a failure is not kept, so it is asked again. The
//     package's expirable LRU was not used: its cleanup goroutine cannot be
//     stopped and its clock cannot be set in a test, so entries carry their
//     own time and are checked against ProvincialOpts.Now;
//   - a circuit breaker (github.com/sony/gobreaker/v2) opens after
//     BreakerFailures failures in a row: for BreakerCooldown nobody waits
//     for a dead service, the status is timeout at once and the policy's
//     offline rule decides, and [Provincial.Available] says so for the
//     console; then one request tries again (half-open).
//
// Only the status, the sampling time, the travel flag and the verifier's
// name leave the adapter; the answer, the token and the app key are never in
// an error, a log line or an entry ([Presented].Verifier travels as the
// entry's credential.verifier).
//
// # Same-day sampling records
//
// A signed health code carries the sampling time of the holder's last
// negative test (nat). Where the policy's [checks.hold] same_day_sampling
// is on, such a code whose sampling time falls on the unit's current day
// (by a synced clock, never in the future beyond [ClockSkew]) and whose
// status the policy accepts is a same-day sampling record: it releases a
// person held for sampling under that code (firmware/policy hold.go).
// There is no code kind of its own: the sampling point updates the
// holder's health code.
//
// # Visitors and the centre's roster
//
// A visitor's pre-registration only fills in the guard's form; it proves
// nothing and is not signed. Its Subject is a hash reference, never the name.
// The centre pushes its roster of people in home quarantine, health
// monitoring and returnees ([Roster]); [Verifier.Watch] gives the one in
// use. A pass whose signature verified is matched by its id and household,
// a pre-registration by the hashes of its ID and phone ([Verifier.Hashes])
// and its destination, and a hit is [Presented].Watch, so a quarantined
// holder raises an alert at any gate, even a wrong-site one.
//
// # Concurrency
//
// A Verifier and a Roster are read-only once in use and safe for
// concurrent Check calls. To apply a new revocation, build a new Verifier
// and swap it in (an atomic.Pointer in the caller); a new roster is swapped
// in behind Verifier.Watch.
package credential
