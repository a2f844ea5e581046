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

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/credentials/jades"
)

func orUnknown(s string) string {
	if s == "" {
		return "unknown mechanism"
	}
	return s
}

type exportELMOOptions struct {
	out string
}

func newExportELMOCommand(a *app) *cobra.Command {
	o := &exportELMOOptions{}
	c := &cobra.Command{
		Use:   "elmo CREDENTIAL [--out FILE]",
		Short: "Write an ELM transcript as an ELMO document for EMREX clients",
		Long: "Read an ELM credential — JSON as 'diplomat import elmo' writes it or with a Data Integrity\n" +
			"proof, sealed with JAdES (profile edc), or a vc+jwt / jwt_vc_json JWT — and write the ELMO v1\n" +
			"document (unsigned) of its first learning achievement: the learner, one report, its course\n" +
			"units with credits, grades, levels and terms. The document is checked against the ELMO schema\n" +
			"before it is written. The credential's proof is not checked here: verify it first with\n" +
			"'diplomat verify'. See docs/elmo.md.",
		Example: `  diplomat export elmo transcript.json --out transcript.xml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := a.readInput(args[0])
			if err != nil {
				return err
			}
			c, err := elmCredential(data)
			if err != nil {
				return withHint(fmt.Errorf("%s: %w", args[0], err), "export reads an ELM credential as JSON, sealed with JAdES (edc), or a vc+jwt or jwt_vc_json JWT")
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

// elmCredential reads the ELM credential of a JSON document, a JAdES
// signature (JWS JSON, profile edc) or a JWT, without checking its proof.
func elmCredential(data []byte) (*elm.EuropeanDigitalCredential, error) {
	data = bytes.TrimSpace(data)
	if f, err := credentials.Detect(data); err == nil {
		switch {
		case f.Mechanism == "jades":
			// The sealed ELM credential is the JWS payload (b64 false, as
			// EDC seals, or base64url).
			j, err := jades.Parse(data, 0)
			if err != nil {
				return nil, fmt.Errorf("a JAdES-sealed credential (profile edc) whose JWS cannot be read: %v", err)
			}
			c, err := elm.Parse(j.Payload)
			if err != nil {
				return nil, fmt.Errorf("the ELM credential sealed in this JAdES signature (profile edc): %w", err)
			}
			return c, nil
		case f.Serialization == credentials.SerializationSDJWT:
			return nil, fmt.Errorf("an SD-JWT VC (%s, profile eudi) holds its claims as selective disclosures, not as an ELM credential; export the transcript issued with another profile (edc, ebsi, w3c), or the unsigned credential 'diplomat import elmo' writes", f.Mechanism)
		case f.Serialization == credentials.SerializationJWSJSON || f.Serialization == credentials.SerializationJWSJSONFlattened:
			return nil, fmt.Errorf("a JWS JSON signature (%s) that is not a JAdES seal: export reads JAdES-sealed ELM credentials (profile edc)", orUnknown(f.Mechanism))
		}
	}
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
