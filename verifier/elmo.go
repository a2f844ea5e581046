package verifier

import (
	"context"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/elmo"
)

// ELMOTrust asks trust sources about the signer of an ELMO document: it is
// the elmo.SignerTrust of Import and of the ELMO issuance
// (issuer.IssueELMO). The signer is judged as a seal (profile edc, by its
// certificate path), for an ELM credential at the document's highest EQF
// level and in its ISCED-F fields.
type ELMOTrust struct {
	// Sources are asked in order; the first that trusts the signer
	// answers.
	Sources []TrustSource
}

var _ elmo.SignerTrust = ELMOTrust{}

// TrustSigner answers q: Known when a source trusts the signing
// certificate's path; otherwise the sources' reasons, joined.
func (t ELMOTrust) TrustSigner(ctx context.Context, q elmo.SignerQuery) (*elmo.SignerAnswer, error) {
	if len(q.Chain) == 0 {
		return &elmo.SignerAnswer{Reason: "the signature names no certificate"}, nil
	}
	tq := TrustQuery{Key: q.Chain[0].PublicKey, Chain: q.Chain, Types: []string{"VerifiableCredential", "EuropeanDigitalCredential"},
		Profile: "edc", EQFLevel: q.EQFLevel, ISCEDFields: q.ISCEDFields, IssuedAt: q.At}
	var reasons []string
	for _, s := range t.Sources {
		ans, err := s.Trust(ctx, tq)
		if err != nil {
			return nil, err
		}
		if ans.Trusted {
			return &elmo.SignerAnswer{Known: true, Source: ans.Source, Entity: ans.Entity, Reason: ans.Reason}, nil
		}
		if ans.Reason != "" {
			reasons = append(reasons, ans.Source+": "+ans.Reason)
		}
	}
	if len(t.Sources) == 0 {
		reasons = append(reasons, "no trust source is configured")
	}
	return &elmo.SignerAnswer{Reason: strings.Join(reasons, "; ")}, nil
}
