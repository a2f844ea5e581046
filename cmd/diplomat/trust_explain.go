package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// trustExplainOptions are the flags of "trust explain".
type trustExplainOptions struct {
	accept string
	grace  time.Duration
}

func newTrustExplainCommand(a *app) *cobra.Command {
	var o trustExplainOptions
	c := &cobra.Command{
		Use:   "explain CREDENTIAL",
		Short: "Say, step by step, why the imported European trust lists do or do not trust a credential's issuer",
		Long: "Verify the credential's signature (JAdES, jwt_vc_json or vc+jwt), then ask every imported\n" +
			"trust list (ETSI trusted lists, EBSI TIR snapshots, lists of trusted entities) about its\n" +
			"issuer and print each answer with its steps. Exit code 0 when one of them trusts the\n" +
			"issuer, 1 otherwise.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.explainTrust(cmd.Context(), o, args[0])
		},
	}
	c.Flags().StringVar(&o.accept, "accept", "qualified", "lowest eSeal level trusted: qualified or advanced")
	c.Flags().DurationVar(&o.grace, "grace", 0, "use lists up to this long past their NextUpdate (e.g. 72h)")
	return c
}

func (a *app) explainTrust(ctx context.Context, o trustExplainOptions, file string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.accept != "qualified" && o.accept != "advanced" {
		return usagef(fmt.Sprintf("--accept %q: want qualified or advanced", o.accept))
	}
	data, err := a.readInput(file)
	if err != nil {
		return err
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	srcs, err := loadEuropeanSources(s, snapshot.LoadOptions{Accept: o.accept, Grace: o.grace})
	if err != nil {
		return err
	}
	q, format, err := trustQueryOf(ctx, data, srcs)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	answers, err := srcs.Explain(ctx, q)
	if err != nil {
		return err
	}
	trusted := false
	for _, an := range answers {
		trusted = trusted || an.Trusted
	}
	if a.json {
		if err := a.printJSON(map[string]any{"issuer": q.Issuer, "format": format, "trusted": trusted, "answers": answers}); err != nil {
			return err
		}
	} else {
		who := q.Issuer
		if len(q.Chain) > 0 {
			who = q.Chain[0].Subject.String()
		}
		fmt.Fprintf(a.stdout, "credential: %s, signature verified\n", format)
		fmt.Fprintf(a.stdout, "issuer: %s\n", who)
		if len(answers) == 0 {
			fmt.Fprintln(a.stdout, "no European trust list is imported: nothing vouches for this issuer")
		}
		for _, an := range answers {
			verdict := "NOT TRUSTED"
			if an.Trusted {
				verdict = "TRUSTED"
			}
			fmt.Fprintf(a.stdout, "\n%s: %s", an.Source, verdict)
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
		}
	}
	if !trusted {
		return &silentError{code: 1}
	}
	return nil
}

// resolvers tries did:key and did:jwk, then the DID documents of the held
// TIR snapshots.
type resolvers []credentials.KeyResolver

func (rs resolvers) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	var first error
	for _, r := range rs {
		vm, err := r.ResolveKey(ctx, id)
		if err == nil {
			return vm, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// trustQueryOf verifies the credential and returns what the trust sources are
// asked about it.
func trustQueryOf(ctx context.Context, data []byte, srcs *snapshot.Sources) (verifier.TrustQuery, string, error) {
	var q verifier.TrustQuery
	f, err := credentials.Detect(data)
	if err != nil {
		return q, "", err
	}
	var m credentials.Mechanism
	switch f.Mechanism {
	case jades.Name:
		m = &jades.Mechanism{}
	case jose.FormatJWTVC:
		m = jose.JWTVCJSON{}
	case jose.TypVC:
		m = jose.VCJWT{}
	default:
		return q, "", fmt.Errorf("a %q credential: trust explain reads JAdES, jwt_vc_json and vc+jwt credentials", f.Mechanism)
	}
	v, err := m.Verify(ctx, data, ebsiResolvers(srcs, did.Resolver{}), credentials.VerifyOptions{})
	if err != nil {
		return q, "", fmt.Errorf("the signature does not verify, so no trust question arises: %w", err)
	}
	var doc struct {
		Issuer       json.RawMessage `json:"issuer"`
		Type         json.RawMessage `json:"type"`
		IssuanceDate string          `json:"issuanceDate"`
		ValidFrom    string          `json:"validFrom"`
	}
	_ = json.Unmarshal(v.Document, &doc)
	q = verifier.TrustQuery{Issuer: v.Issuer, KeyID: v.KeyID, Key: v.Key, Chain: v.Chain, IssuedAt: v.Signed, Credential: v.Document}
	if q.Issuer == "" {
		var id struct{ ID string }
		if json.Unmarshal(doc.Issuer, &q.Issuer) != nil && json.Unmarshal(doc.Issuer, &id) == nil {
			q.Issuer = id.ID
		}
	}
	if json.Unmarshal(doc.Type, &q.Types) != nil {
		var one string
		if json.Unmarshal(doc.Type, &one) == nil {
			q.Types = []string{one}
		}
	}
	if q.IssuedAt.IsZero() {
		for _, s := range []string{doc.ValidFrom, doc.IssuanceDate} {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				q.IssuedAt = t
				break
			}
		}
	}
	if strings.HasPrefix(f.Mechanism, "jades") {
		q.Profile = "edc"
	}
	return q, f.Mechanism, nil
}

func dayOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}
