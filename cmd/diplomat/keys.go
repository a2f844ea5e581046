package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/keys"
)

func newKeysCommand(a *app) *cobra.Command {
	return newGroupCommand("keys", "Create and look after the institution's signing keys and eSeals",
		"",
		newKeysCreateCommand(a),
		newKeysListCommand(a),
		newKeysShowCommand(a),
		newKeysRotateCommand(a),
		newKeysExportCommand(a),
		newKeysImportCommand(a),
		newKeysCSRCommand(a),
		newKeysDestroyCommand(a),
		newKeysEncryptionCommand(a))
}

// keyView is the JSON form of a key version for --json output.
type keyView struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Type      keys.KeyType     `json:"type"`
	Purpose   keys.Purpose     `json:"purpose"`
	State     keys.State       `json:"state"`
	Created   time.Time        `json:"created"`
	Retired   *time.Time       `json:"retired,omitempty"`
	Destroyed *time.Time       `json:"destroyed,omitempty"`
	Imported  bool             `json:"imported,omitempty"`
	Test      bool             `json:"testSeal,omitempty"`
	Awaiting  bool             `json:"awaitingCertificate,omitempty"`
	DIDKey    string           `json:"didKey,omitempty"`
	DIDJWK    string           `json:"didJwk,omitempty"`
	Chain     []*keys.CertInfo `json:"certificates,omitempty"`
}

func newKeyView(k *keys.Key, withChain bool) keyView {
	v := keyView{ID: k.ID, Name: k.Name, Type: k.Type, Purpose: k.Purpose, State: k.State,
		Created: k.Created, Imported: k.Imported, Test: k.Test, Awaiting: k.AwaitingCertificate}
	if !k.Retired.IsZero() {
		v.Retired = &k.Retired
	}
	if !k.Destroyed.IsZero() {
		v.Destroyed = &k.Destroyed
	}
	if len(k.Chain) == 0 {
		v.DIDKey, _ = k.KeyDID()
		v.DIDJWK, _ = k.JWKDID()
	}
	if withChain {
		for _, c := range k.Chain {
			v.Chain = append(v.Chain, keys.Describe(c))
		}
	}
	return v
}

// kind is a short human description of what a key is.
func kind(k *keys.Key) string {
	switch {
	case k.Test:
		return "eSeal (TEST, not qualified)"
	case len(k.Chain) > 0:
		return "eSeal"
	case k.AwaitingCertificate:
		return "awaiting certificate (CSR made)"
	}
	return "DID key"
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func printCertInfo(a *app, i int, c *keys.CertInfo) {
	label := "certificate"
	if i > 0 {
		label = fmt.Sprintf("issuer %d", i)
	}
	w := a.stdout
	fmt.Fprintf(w, "%s:\n", label)
	if c.Test {
		fmt.Fprintf(w, "  TEST CERTIFICATE: self-made for demonstrations, not a qualified seal\n")
	}
	fmt.Fprintf(w, "  subject:   %s\n", c.Subject)
	fmt.Fprintf(w, "  issuer:    %s\n", c.Issuer)
	fmt.Fprintf(w, "  valid:     %s to %s\n", day(c.NotBefore), day(c.NotAfter))
	fmt.Fprintf(w, "  key:       %s\n", c.KeyType)
	if len(c.KeyUsage) > 0 || len(c.ExtKeyUsage) > 0 {
		fmt.Fprintf(w, "  key usage: %s\n", strings.Join(append(append([]string{}, c.KeyUsage...), c.ExtKeyUsage...), ", "))
	}
	if c.OrganizationIdentifier != "" {
		fmt.Fprintf(w, "  organizationIdentifier: %s\n", c.OrganizationIdentifier)
	}
	if c.QC != nil {
		fmt.Fprintf(w, "  QC statements: %s\n", qcSummary(c.QC))
	}
	fmt.Fprintf(w, "  sha256:    %s\n", c.SHA256)
	for _, warn := range c.Warnings {
		fmt.Fprintf(a.stderr, "warning: %s\n", warn)
	}
}

func qcSummary(q *keys.QCStatements) string {
	var parts []string
	if q.Compliance {
		parts = append(parts, "QcCompliance (EU qualified)")
	}
	if len(q.Types) > 0 {
		parts = append(parts, "QcType "+strings.Join(q.Types, "/"))
	}
	if q.SSCD {
		parts = append(parts, "QcSSCD")
	}
	if q.RetentionYears > 0 {
		parts = append(parts, fmt.Sprintf("retention %d years", q.RetentionYears))
	}
	if len(q.Legislation) > 0 {
		parts = append(parts, "legislation "+strings.Join(q.Legislation, ","))
	}
	if len(q.Semantics) > 0 {
		parts = append(parts, "semantics "+strings.Join(q.Semantics, ","))
	}
	if len(parts) == 0 {
		return "present, none recognised"
	}
	return strings.Join(parts, ", ")
}
