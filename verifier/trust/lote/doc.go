// Package lote reads ETSI TS 119 602 lists of trusted entities (LoTE, the
// JSON lists of the EUDI wallet ecosystem: PID providers, wallet providers,
// attestation providers) and answers the verifier's trust question with them.
//
// A list arrives as plain JSON ({"LoTE": {...}}) or as a compact JWS whose
// payload is that JSON and whose header carries x5c and/or x5t#S256. Import
// checks the JWS signature (ES256/384/512, RS256/384/512, PS256/384/512 — never
// none or HMAC) with the certificate the header names, and that certificate
// against the pinned ones: it is pinned itself, or it chains to a pinned
// certificate. A plain list is accepted only when the caller says so.
//
// Source matches a credential's X.509 chain or key against the entities'
// service certificates: a certificate listed directly (direct trust), or the
// certificate of a CA that issued one of the chain (trust as CA).
//
// It is not a LoTE publisher, and it does not follow pointers to other lists.
package lote
