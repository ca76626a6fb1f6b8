package credential

// DCCPrefix starts an EU Digital COVID Certificate (HC1). The verifier
// lives in firmware/credential/dcc, which imports this package; the
// Verifier reaches it through its DCC field, a HealthVerifier, so this
// package does not depend on CBOR or COSE.
//
// A certificate is a health code to the policy: kind health_code, judged
// by [checks.health_code]'s accept list like a provincial code, with the
// issuing country as Issuer. A kind of its own would make every policy and
// every count at the centre learn a second word for the same decision.
const DCCPrefix = "HC1:"
