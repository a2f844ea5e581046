package main

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

func newIssuedShowCommand(a *app) *cobra.Command {
	var credential bool
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show the register entry of one credential",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			if credential {
				data, err := issuer.Credential(s, args[0])
				if err != nil {
					return err
				}
				_, err = a.stdout.Write(append(data, '\n'))
				return err
			}
			e, err := issuer.Lookup(s, args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(e)
			}
			rows := [][]string{{"FIELD", "VALUE"},
				{"id", e.ID}, {"template", e.Template}, {"profile", e.Profile}, {"proof", e.Proof},
				{"issued", e.Issued.Format(time.RFC3339)}, {"status", e.State},
				{"status list", e.StatusList}, {"status index", strconv.Itoa(e.StatusIndex)},
				{"key", e.KeyName + " (" + e.KeyID + ")"}, {"subject hash", e.SubjectHash}}
			if e.VerificationMethod != "" {
				rows = append(rows, []string{"verification method", e.VerificationMethod})
			}
			if e.Reason != "" {
				rows = append(rows, []string{"reason", e.Reason}, []string{"changed", e.Changed.Format(time.RFC3339)})
			}
			return a.table(rows)
		},
	}
	c.Flags().BoolVar(&credential, "credential", false, "print the stored credential (only when the store keeps credentials)")
	return c
}
