// Package credentials holds the data Diplomat issues and verifies: the VC Data
// Model envelopes (1.1 and 2.0), the European Learning Model (subpackage elm),
// JSON-LD document loading (jsonld), DIDs (did) and the securing mechanisms, one
// subpackage each (dataintegrity, jose, sdjwt, jades), all behind the Mechanism
// interface declared here.
//
// It is not a store and not a verifier: it signs with a crypto.Signer it is
// handed, verifies with public keys a KeyResolver hands it, and never imports
// keys, issuer or verifier. Nothing in it touches the network.
package credentials
