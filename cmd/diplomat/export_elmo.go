package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/credentials/elmo"
)

type exportELMOOptions struct {
	out string
}

func newExportELMOCommand(a *app) *cobra.Command {
	o := &exportELMOOptions{}
	c := &cobra.Command{
		Use:   "elmo CREDENTIAL [--out FILE]",
		Short: "Write an ELM transcript as an ELMO document for EMREX clients",
		Long: "Read an ELM credential — JSON as 'diplomat import elmo' writes it or with a Data Integrity\n" +
			"proof, or a vc+jwt / jwt_vc_json JWT — and write the ELMO v1 document (unsigned) of its first\n" +
			"learning achievement: the learner, one report, its course units with credits, grades, levels\n" +
			"and terms. The document is checked against the ELMO schema before it is written. The\n" +
			"credential's proof is not checked here: verify it first with 'diplomat verify'. See docs/elmo.md.",
		Example: `  diplomat export elmo transcript.json --out transcript.xml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := a.readInput(args[0])
			if err != nil {
				return err
			}
			c, err := elmCredential(data)
			if err != nil {
				return withHint(fmt.Errorf("%s: %w", args[0], err), "export reads an ELM credential as JSON, or a vc+jwt or jwt_vc_json JWT")
			}
			out, err := elmo.Export(c, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if o.out == "" {
				_, err = a.stdout.Write(out)
				return err
			}
			return writeAll(filepath.Dir(o.out), []outFile{{o.out, out}})
		},
	}
	c.Flags().StringVar(&o.out, "out", "", "the ELMO file to write (default: stdout)")
	return c
}

// elmCredential reads the ELM credential of a JSON document or a JWT.
func elmCredential(data []byte) (*elm.EuropeanDigitalCredential, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		return elm.Parse(data)
	}
	parts := strings.Split(string(data), ".")
	if len(parts) != 3 || strings.Contains(string(data), "~") {
		return nil, errors.New("neither JSON nor a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("the JWT payload is not base64url")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errors.New("the JWT payload is not a JSON object")
	}
	if vc, ok := claims["vc"]; ok { // jwt_vc_json
		return elm.Parse(vc)
	}
	return elm.Parse(payload) // vc+jwt: the payload is the credential
}
