// Package dcc verifies EU Digital COVID Certificates (HC1) offline: the
// one widely deployed health certificate signed to an open specification
// (the eHealth Network's "Electronic Health Certificates" specification).
//
// A code is "HC1:" + Base45 (RFC 9285) of a zlib stream of a COSE_Sign1
// message (RFC 9052; tagged 18, optionally inside CWT tag 61, or untagged)
// whose payload is a CBOR Web Token: 1 issuing country, 4 expiry, 6 issue
// time, -260/1 the certificate (one vaccination, test or recovery entry).
// It is signed ES256 (ECDSA P-256) or PS256 (RSA-PSS), and the key is
// found on a [Trust] list by kid: the first 8 bytes of the SHA-256 of the
// signer certificate's DER.
//
// COSE is parsed here with github.com/fxamacker/cbor/v2 and verified with
// crypto/ecdsa and crypto/rsa rather than through a COSE library: the
// specification's own test cases carry the kid in either header with a
// precedence rule, the algorithm sometimes unprotected, and both tags or
// none, and the Sig_structure is a few lines.
//
// [Verifier] implements credential.HealthVerifier: the unit's credential
// verifier sends every "HC1:" code to it. See README.md for what is and is
// not checked.
package dcc
