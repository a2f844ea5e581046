package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func newTrustExportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "export [FILE]",
		Short: "Write the trusted issuers as JSON (to stdout, or FILE) for 'trust import'",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			data, err := s.ExportTrust()
			if err != nil {
				return err
			}
			if len(args) == 0 || args[0] == "-" {
				_, err = a.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(args[0], data, 0o644); err != nil {
				return fmt.Errorf("writing %s: %v", args[0], err)
			}
			a.stderrf("wrote the trust registry to %s\n", args[0])
			return nil
		},
	}
}
