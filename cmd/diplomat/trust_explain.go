package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/verifier"
)

// trustExplainOptions are the flags of "trust explain": those of verify
// that choose the trust sources, and two policy overrides.
type trustExplainOptions struct {
	verify verifyOptions
	accept string
	grace  time.Duration
}

func newTrustExplainCommand(a *app) *cobra.Command {
	o := &trustExplainOptions{}
	c := &cobra.Command{
		Use:   "explain CREDENTIAL",
		Short: "Say, step by step, why each trust source does or does not trust a credential's issuer",
		Long: "Verify the credential as 'diplomat verify' does, then print what every trust source (the\n" +
			"store's trust registry, the imported ETSI trusted lists, EBSI TIR snapshots and lists of\n" +
			"trusted entities, and with --ebsi-tir the live EBSI registry) answered about its issuer,\n" +
			"with its steps. Exit code 0 when one of them trusts the issuer, 1 otherwise.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.explainTrust(cmd.Context(), o, args[0])
		},
	}
	c.Flags().StringVar(&o.accept, "accept", "", "lowest eSeal level trusted: qualified or advanced (default: the policy's trust.eSeals, else qualified)")
	c.Flags().DurationVar(&o.grace, "grace", 0, "use lists up to this long past their NextUpdate, e.g. 72h (default: the policy's trust.listGrace)")
	c.Flags().StringVar(&o.verify.policy, "policy", "", "read the verification policy from `FILE` (YAML or JSON, see docs/policy.md)")
	c.Flags().StringVar(&o.verify.documents, "documents", "", "answer did:web documents and status lists from `DIR`, laid out as HOST/PATH, instead of the network (as verify --documents)")
	o.verify.live.addFlags(c)
	return c
}

// recordingTrust asks every trust source and keeps every answer, so that
// explain can show each; towards the verifier it answers as the first
// source that vouches, or else the last one asked.
type recordingTrust struct {
	sources []verifier.TrustSource
	answers []*verifier.TrustAnswer
}

func (r *recordingTrust) Trust(ctx context.Context, q verifier.TrustQuery) (*verifier.TrustAnswer, error) {
	var pick *verifier.TrustAnswer
	for _, s := range r.sources {
		an, err := s.Trust(ctx, q)
		if err != nil {
			return nil, err
		}
		r.answers = append(r.answers, an)
		if pick == nil || !pick.Trusted {
			pick = an
		}
	}
	if pick == nil {
		return &verifier.TrustAnswer{Reason: "no trust source is configured"}, nil
	}
	return pick, nil
}

func (a *app) explainTrust(ctx context.Context, o *trustExplainOptions, file string) error {
	if o.accept != "" && o.accept != "qualified" && o.accept != "advanced" {
		return usagef(fmt.Sprintf("--accept %q: want qualified or advanced", o.accept))
	}
	if o.grace < 0 {
		return usagef("--grace must not be negative")
	}
	opts, err := a.verifierOptions(&o.verify, func(p *verifier.Policy) {
		if o.accept != "" {
			p.Trust.ESeals = o.accept
		}
		if o.grace > 0 {
			p.Trust.ListGrace = verifier.Duration(o.grace)
		}
	})
	if err != nil {
		return err
	}
	rec := &recordingTrust{sources: opts.Trust}
	opts.Trust = []verifier.TrustSource{rec}
	v, err := verifier.New(opts)
	if err != nil {
		return err
	}
	data, err := a.readInput(file)
	if err != nil {
		return err
	}
	rep, err := v.Verify(ctx, data, verifier.Request{})
	if err != nil {
		return err
	}
	trusted := false
	for _, an := range rec.answers {
		trusted = trusted || an.Trusted
	}
	proof := rep.Check(verifier.CheckProof)
	if a.json {
		if err := a.printJSON(map[string]any{"issuer": rep.Issuer, "issuerVerified": rep.IssuerVerified, "sealedBy": rep.SealedBy,
			"format": rep.Format, "verdict": rep.Verdict, "trusted": trusted, "answers": rec.answers}); err != nil {
			return err
		}
	} else {
		if proof == nil || proof.Result != verifier.Passed {
			msg := "the credential could not be read"
			if proof != nil {
				msg = proof.Message
			}
			fmt.Fprintf(a.stdout, "credential: %s, signature NOT verified: %s\nno trust question arises\n", orDash(rep.Format), msg)
			return &silentError{code: 1}
		}
		fmt.Fprintf(a.stdout, "credential: %s, signature verified\n", rep.Format)
		fmt.Fprintf(a.stdout, "issuer: %s\n", orDash(strings.TrimSpace(headlineIssuer(rep))))
		if len(rec.answers) == 0 {
			fmt.Fprintln(a.stdout, "no trust source answered: add trusted issuers or import a trust list")
		}
		for _, an := range rec.answers {
			verdict := "NOT TRUSTED"
			if an.Trusted {
				verdict = "TRUSTED"
			}
			fmt.Fprintf(a.stdout, "\n%s: %s", orDash(an.Source), verdict)
			if an.Level != "" {
				fmt.Fprintf(a.stdout, " (%s)", an.Level)
			}
			fmt.Fprintln(a.stdout)
			if an.Entity != "" {
				fmt.Fprintf(a.stdout, "  entity: %s", an.Entity)
				if an.Country != "" {
					fmt.Fprintf(a.stdout, " (%s)", an.Country)
				}
				fmt.Fprintln(a.stdout)
			}
			if an.Scope != "" {
				fmt.Fprintf(a.stdout, "  scope: %s\n", an.Scope)
			}
			for i, st := range an.Steps {
				fmt.Fprintf(a.stdout, "  %d. %s\n", i+1, st)
			}
			if len(an.Steps) == 0 && an.Reason != "" {
				fmt.Fprintf(a.stdout, "  %s\n", an.Reason)
			}
		}
	}
	if !trusted {
		return &silentError{code: 1}
	}
	return nil
}
