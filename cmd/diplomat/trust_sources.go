package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust"
	"github.com/diplomat-edu/diplomat/verifier/trust/ebsi"
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

// storeTrust returns the trust sources of a store, in the order they are
// asked: its trust registry, then the European lists imported into it
// (ETSI, EBSI TIR, LoTE); and the resolvers of the did:ebsi keys whose DID
// documents the TIR snapshots hold, to ask after the verifier's own.
func storeTrust(s *keys.Store, lo snapshot.LoadOptions) ([]verifier.TrustSource, []verifier.KeyResolver, error) {
	trust := []verifier.TrustSource{verifier.RegistrySource{Registry: s}}
	eu, err := loadEuropeanSources(s, lo)
	if err != nil {
		return nil, nil, err
	}
	if len(eu.All()) > 0 {
		trust = append(trust, eu)
	}
	var resolvers []verifier.KeyResolver
	for _, e := range eu.EBSI {
		resolvers = append(resolvers, e.Resolver())
	}
	return trust, resolvers, nil
}

func newTrustSourcesCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sources",
		Short: "List the European trust lists imported: kind, name, sequence, dates, entities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if done, err2 := a.noStoreYet(err, []snapshot.Meta{}, "no trust lists imported yet; import one with 'diplomat trust import --format etsi-tl|ebsi-tir|lote FILE'"); done {
				return err2
			}
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

// liveTIROptions are the flags that turn on the live EBSI Trusted Issuers
// Registry client. Off unless --ebsi-tir is given: nothing is fetched.
type liveTIROptions struct {
	tir         string
	didRegistry string
	roots       []string
	timeout     time.Duration
}

func (o *liveTIROptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.tir, "ebsi-tir", "", "ask the EBSI Trusted Issuers Registry API v5 at `URL` about did:ebsi issuers no TIR snapshot holds (e.g. https://api-pilot.ebsi.eu/trusted-issuers-registry/v5)")
	f.StringVar(&o.didRegistry, "ebsi-did-registry", "", "fetch accreditors' DID documents from the DID Registry API v5 at `URL` (default: the --ebsi-tir host's /did-registry/v5)")
	f.StringArrayVar(&o.roots, "ebsi-root", nil, "with --ebsi-tir: a `DID` whose authorisation of a RootTAO ends a chain (repeat the flag)")
	f.DurationVar(&o.timeout, "ebsi-timeout", 10*time.Second, "with --ebsi-tir: the time each registry request may take")
}

// source returns the live TIR source, or nil when --ebsi-tir is not given.
func (o *liveTIROptions) source() (*ebsi.Source, error) {
	if o.tir == "" {
		if len(o.roots) > 0 || o.didRegistry != "" {
			return nil, usagef("--ebsi-root and --ebsi-did-registry need --ebsi-tir URL")
		}
		return nil, nil
	}
	if len(o.roots) == 0 {
		return nil, usagef("--ebsi-tir needs at least one --ebsi-root DID (the EBSI Support Office's DID in production)")
	}
	c, err := ebsi.NewClient(ebsi.ClientOptions{BaseURL: o.tir, DIDRegistry: o.didRegistry, Timeout: o.timeout})
	if err != nil {
		return nil, usagef(strings.TrimPrefix(err.Error(), trust.ErrMalformed.Error()+": "))
	}
	return ebsi.NewLiveSource(c, ebsi.Options{Roots: o.roots}), nil
}

func dayOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}
