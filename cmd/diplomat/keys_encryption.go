package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/server"
)

func newKeysEncryptionCommand(a *app) *cobra.Command {
	return newGroupCommand("encryption", "Show or rotate the key wallets encrypt OpenID4VCI credential requests to",
		"The service's OpenID4VCI metadata publishes one key (credential_request_encryption) that wallets\n"+
			"encrypt credential requests to. It is made in the store when the service first starts, and is the\n"+
			"same on every node sharing the store and across restarts; its private part is sealed like a\n"+
			"signing key's. Rotating it makes a new key; the one before keeps decrypting for --grace. Nodes\n"+
			"publish the new key once restarted: restart every node within the grace period.",
		newKeysEncryptionShowCommand(a),
		newKeysEncryptionRotateCommand(a))
}

// encKeyView is the JSON form of an encryption key version.
type encKeyView struct {
	ID       string     `json:"id"`
	State    string     `json:"state"`
	Created  time.Time  `json:"created"`
	Retired  *time.Time `json:"retired,omitempty"`
	NotAfter *time.Time `json:"decryptsUntil,omitempty"`
}

func newEncKeyView(k keys.EncryptionKey, now time.Time) encKeyView {
	v := encKeyView{ID: k.ID, State: "current", Created: k.Created}
	if !k.Current() {
		retired, until := k.Retired, k.NotAfter
		v.Retired, v.NotAfter, v.State = &retired, &until, "retired"
		if !now.Before(until) {
			v.State = "expired"
		}
	}
	return v
}

func (a *app) printEncKeys(ks []keys.EncryptionKey) error {
	now := time.Now()
	if a.json {
		views := make([]encKeyView, 0, len(ks))
		for _, k := range ks {
			views = append(views, newEncKeyView(k, now))
		}
		return a.printJSON(views)
	}
	rows := [][]string{{"ID", "STATE", "CREATED", "DECRYPTS UNTIL"}}
	for _, k := range ks {
		v := newEncKeyView(k, now)
		until := "-"
		if v.NotAfter != nil {
			until = v.NotAfter.UTC().Format(time.RFC3339)
		}
		rows = append(rows, []string{v.ID, v.State, day(v.Created), until})
	}
	return a.table(rows)
}

func newKeysEncryptionShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "List the request encryption key versions (no passphrase needed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.existingStore()
			if err != nil {
				return err
			}
			ks, err := s.EncryptionKeyVersions(server.EncryptionKeySet)
			if err != nil {
				return withHint(err, "'diplomat serve' makes the key when it first starts, 'diplomat keys encryption rotate' now")
			}
			return a.printEncKeys(ks)
		},
	}
}

type keysEncryptionRotateOptions struct {
	grace time.Duration
}

func newKeysEncryptionRotateCommand(a *app) *cobra.Command {
	o := &keysEncryptionRotateOptions{}
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new request encryption key; the one before decrypts for --grace",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.grace < 0 {
				return usagef(fmt.Sprintf("--grace %s: give a duration of 0 or more (0: the key before stops at once)", o.grace))
			}
			s, err := a.unlockedStore()
			if err != nil {
				return err
			}
			ks, err := s.RotateEncryptionKey(server.EncryptionKeySet, o.grace)
			if err != nil {
				return err
			}
			if a.json {
				return a.printEncKeys(ks)
			}
			fmt.Fprintf(a.stdout, "new request encryption key %s\n", ks[0].ID)
			if len(ks) > 1 && ks[1].NotAfter.After(ks[1].Retired) {
				fmt.Fprintf(a.stdout, "%s decrypts until %s\n", ks[1].ID, ks[1].NotAfter.UTC().Format(time.RFC3339))
			}
			a.stderrf("hint: restart every node of the service before then, so that they publish the new key\n")
			return nil
		},
	}
	c.Flags().DurationVar(&o.grace, "grace", 24*time.Hour, "how long the key before keeps decrypting requests (0: not at all)")
	return c
}
