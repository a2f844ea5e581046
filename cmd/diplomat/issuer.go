package main

import (
	"errors"
	"sort"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

func newIssuerCommand(a *app) *cobra.Command {
	return newGroupCommand("issuer", "Configure the issuing institution once per store",
		"",
		newIssuerInitCommand(a), newIssuerShowCommand(a))
}

func notConfigured(err error) error {
	if errors.Is(err, issuer.ErrNotConfigured) {
		return withHint(errors.New("the store has no issuer configuration"), "run 'diplomat issuer init --institution FILE --status-url URL' first")
	}
	return err
}

func (a *app) showConfig(cfg *issuer.Config) error {
	if a.json {
		return a.printJSON(cfg)
	}
	inst := cfg.Institution
	rows := [][]string{{"FIELD", "VALUE"}}
	for _, lang := range sortedKeys(inst.LegalName) {
		rows = append(rows, []string{"legal name (" + lang + ")", inst.LegalName[lang]})
	}
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, []string{k, v})
		}
	}
	add("legal identifier", inst.LegalIdentifier)
	add("country", inst.Country)
	add("homepage", inst.Homepage)
	add("did", inst.DID)
	for _, prof := range issuer.Profiles() {
		name := cfg.Keys[prof]
		if name == "" {
			name = "(none recorded: the best fitting key when issuing)"
		}
		add("key for "+prof, name)
	}
	add("status lists", cfg.StatusBaseURL+"/<profile>/<n>/<purpose>")
	keep := "no (register entries only)"
	if cfg.KeepCredentials {
		keep = "yes"
	}
	add("keeps credentials", keep)
	return a.table(rows)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
