package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// loadEuropeanSources builds the trust sources of the European lists held
// in the store (none imported: no source).
func loadEuropeanSources(db snapshot.DB, opts snapshot.LoadOptions) (*snapshot.Sources, error) {
	srcs, err := snapshot.New(db, nil).Load(opts)
	if err != nil {
		return nil, fmt.Errorf("%w; the store's trust lists cannot be read (re-import them with 'diplomat trust import')", err)
	}
	return srcs, nil
}

// ebsiResolvers resolves keys with first, then with the DID documents of the
// held TIR snapshots (did:ebsi issuers).
func ebsiResolvers(srcs *snapshot.Sources, first credentials.KeyResolver) credentials.KeyResolver {
	rs := resolvers{first}
	for _, e := range srcs.EBSI {
		rs = append(rs, e.Resolver())
	}
	return rs
}

func newTrustSourcesCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sources",
		Short: "List the European trust lists imported: kind, name, sequence, dates, entities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openStore()
			if err != nil {
				return err
			}
			metas, err := snapshot.New(s, nil).List()
			if err != nil {
				return err
			}
			if a.json {
				if metas == nil {
					metas = []snapshot.Meta{}
				}
				return a.printJSON(metas)
			}
			if len(metas) == 0 {
				a.stderrf("no trust lists imported yet; import one with 'diplomat trust import --format etsi-tl|ebsi-tir|lote FILE'\n")
				return nil
			}
			rows := [][]string{{"KIND", "NAME", "SEQUENCE", "ISSUED", "NEXT UPDATE", "ENTITIES", "SIGNED BY"}}
			for _, m := range metas {
				signer := m.Signer
				if signer == "" {
					signer = "-"
				}
				if m.Kind == snapshot.KindEBSI {
					signer = fmt.Sprintf("per record; roots %v", m.Roots)
				}
				rows = append(rows, []string{m.Kind, m.Name, fmt.Sprint(m.Sequence), dayOrDash(m.Issued), dayOrDash(m.NextUpdate), fmt.Sprint(m.Entities), signer})
			}
			return a.table(rows)
		},
	}
}
