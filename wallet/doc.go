// Package wallet is the student's side of Diplomat: a wallet that receives
// credentials over OpenID4VCI, keeps them exactly as received in the
// student's own encrypted store, and presents them over OpenID4VP (or in a
// file for e-mail), showing a verifier only what it asks for.
//
// A Wallet works on a keys.Store of its own (not an institution's): the
// holder keys (Ed25519 or P-256, named by did:jwk or did:key) are keys of
// that store, the credentials are sealed under its master key (keys.Store
// SealData) with their metadata beside them in the clear (title, issuer,
// format, dates, status), and the issuers and verifiers the student trusts
// are its trust registry (and any European trust list imported into it).
//
// Receiving is Receive, then Incoming's Redeem (pre-authorized code) or
// Authorize and Exchange (authorization code with PKCE), then Fetch, which
// verifies every credential with the verifier library, and Keep, which
// stores what the student accepts. Presenting is Prepare, which fetches and
// verifies the request, matches its DCQL query, re-checks the chosen
// credentials' status and builds the presentations, and Pending's Send or
// Decline once the student has seen exactly what would be shared. Nothing
// is stored or sent before those last steps, and nothing at all on an
// error.
//
// It is not a protocol implementation (openid4vc/vci and openid4vc/vp are),
// not a verifier (verifier is) and not a user interface: it never prompts,
// prints or logs; cmd/diplomat's wallet commands do.
package wallet
