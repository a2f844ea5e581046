package main

import (
	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/issuer"
)

type statusChangeOptions struct{ reason string }

func (o *statusChangeOptions) AddFlags(c *cobra.Command, required bool) {
	c.Flags().StringVar(&o.reason, "reason", "", "why, kept in the register (a short note, no personal data)")
	if required {
		_ = c.MarkFlagRequired("reason")
	}
}

func newRevokeCommand(a *app) *cobra.Command {
	return newStatusChangeCommand(a, "revoke", "Revoke a credential for good (sets its revocation bit)", true,
		func(i *issuer.Issuer, id, reason string) (*issuer.Entry, error) { return i.Revoke(id, reason) })
}

func newSuspendCommand(a *app) *cobra.Command {
	return newStatusChangeCommand(a, "suspend", "Suspend a credential until it is reinstated (sets its suspension bit)", false,
		func(i *issuer.Issuer, id, reason string) (*issuer.Entry, error) { return i.Suspend(id, reason) })
}

func newReinstateCommand(a *app) *cobra.Command {
	return newStatusChangeCommand(a, "reinstate", "Lift the suspension of a credential (a revoked one stays revoked)", false,
		func(i *issuer.Issuer, id, reason string) (*issuer.Entry, error) { return i.Reinstate(id, reason) })
}

func newStatusChangeCommand(a *app, verb, short string, reasonRequired bool, change func(*issuer.Issuer, string, string) (*issuer.Entry, error)) *cobra.Command {
	o := &statusChangeOptions{}
	c := &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Long: short + ".\nThe change is recorded in the register at once; verifiers see it when the status lists are\n" +
			"published again with 'diplomat status publish'. See docs/status.md.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			i, err := issuer.New(s, nil)
			if err != nil {
				return notConfigured(err)
			}
			e, err := change(i, args[0], o.reason)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(e)
			}
			a.stderrf("%s is now %s (status list %s, index %d); publish the lists with 'diplomat status publish'\n", e.ID, e.State, e.StatusList, e.StatusIndex)
			return nil
		},
	}
	o.AddFlags(c, reasonRequired)
	return c
}
