package snapshot

import "github.com/diplomat-edu/diplomat/verifier"

func verifierQuery() verifier.TrustQuery {
	return verifier.TrustQuery{Issuer: "did:ebsi:zSomeone"}
}
