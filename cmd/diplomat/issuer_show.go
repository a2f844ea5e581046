package main

import (
	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

func newIssuerShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show the issuer configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			cfg, err := issuer.LoadConfig(s)
			if err != nil {
				return notConfigured(err)
			}
			return a.showConfig(cfg)
		},
	}
}
