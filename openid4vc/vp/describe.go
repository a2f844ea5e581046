package vp

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/piprate/json-gold/ld"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// maxCredential bounds one credential or presentation read here.
const maxCredential = jsonx.DefaultMaxBytes

// Describe returns what DCQL matching reads of a credential the wallet
// holds: its claims (every disclosure of an SD-JWT VC), type, issuer
// certificates and holder binding. format is dc+sd-jwt, jwt_vc_json or
// ldp_vc; contexts, when set, expands W3C types for type_values. Nothing is
// verified.
func Describe(ctx context.Context, format string, raw []byte, contexts *jsonld.Loader) (*dcql.Credential, error) {
	switch format {
	case dcql.FormatSDJWT:
		sd, err := sdjwt.Parse(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, err
		}
		return describeSDJWT(sd, false)
	case dcql.FormatJWTVC:
		vc, chain, err := jwtVC(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, err
		}
		c := describeW3C(ctx, dcql.FormatJWTVC, vc, contexts)
		c.AuthorityKeyIDs = akis(chain)
		return c, nil
	case dcql.FormatLDPVC:
		v, err := jsonx.DecodeAny(raw, jsonx.Limits{MaxBytes: maxCredential})
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errors.New("ldp_vc: not a JSON object")
		}
		return describeW3C(ctx, dcql.FormatLDPVC, m, contexts), nil
	}
	return nil, fmt.Errorf("format %q is not supported (dc+sd-jwt, jwt_vc_json, ldp_vc)", clip(format))
}

// describeSDJWT reads an SD-JWT VC; presented says whether it is a
// presentation (only its disclosures, which are recorded as Disclosed).
func describeSDJWT(sd *sdjwt.SDJWT, presented bool) (*dcql.Credential, error) {
	p, err := sd.Process()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(p.Claims)
	if err != nil {
		return nil, err
	}
	claims, err := jsonx.DecodeAny(b, jsonx.Limits{MaxBytes: maxCredential})
	if err != nil {
		return nil, err
	}
	vct, _ := sd.Payload["vct"].(string)
	iss, _ := sd.Payload["iss"].(string)
	_, hasCnf := sd.Payload["cnf"]
	c := &dcql.Credential{Format: dcql.FormatSDJWT, Claims: claims, VCT: vct, Issuer: iss, SelectiveDisclosure: true, HolderBinding: hasCnf}
	if presented {
		c.Presented = true
		c.HolderBinding = sd.KeyBinding != ""
		for _, d := range p.Disclosed {
			c.Disclosed = append(c.Disclosed, toDCQL(d.Path))
		}
	}
	if len(sd.Header.X5c) > 0 {
		var chain []*x509.Certificate
		for _, s := range sd.Header.X5c {
			if cert, err := parseB64Cert(s); err == nil {
				chain = append(chain, cert)
			}
		}
		c.AuthorityKeyIDs = akis(chain)
	}
	return c, nil
}

func toDCQL(p sdjwt.Path) dcql.Path {
	out := make(dcql.Path, len(p))
	for i, e := range p {
		switch v := e.(type) {
		case int:
			out[i] = v
		case float64:
			out[i] = int(v)
		case json.Number:
			n, _ := v.Int64()
			out[i] = int(n)
		default:
			out[i] = e
		}
	}
	return out
}

func toSDJWT(p dcql.Path) sdjwt.Path {
	out := make(sdjwt.Path, len(p))
	copy(out, p)
	return out
}

// jwtVC decodes a jwt_vc_json credential into the VC Data Model 1.1
// credential it encodes (section 6.3.1: iss, sub, jti, nbf, exp stand for
// issuer, credentialSubject.id, id, issuanceDate, expirationDate).
func jwtVC(token string) (map[string]any, []*x509.Certificate, error) {
	j, err := jwt.Parse(token, maxCredential)
	if err != nil {
		return nil, nil, fmt.Errorf("jwt_vc_json: %w", err)
	}
	raw, ok := j.Claims["vc"]
	if !ok {
		return nil, nil, errors.New("jwt_vc_json: no vc claim")
	}
	v, err := jsonx.DecodeAny(raw, jsonx.Limits{MaxBytes: maxCredential})
	if err != nil {
		return nil, nil, err
	}
	vc, ok := v.(map[string]any)
	if !ok {
		return nil, nil, errors.New("jwt_vc_json: vc is not an object")
	}
	if sub, _, _ := j.String("sub"); sub != "" {
		if cs, ok := vc["credentialSubject"].(map[string]any); ok {
			if _, has := cs["id"]; !has {
				cs["id"] = sub
			}
		}
	}
	if iss, _, _ := j.String("iss"); iss != "" {
		if _, has := vc["issuer"]; !has {
			vc["issuer"] = iss
		}
	}
	if jti, _, _ := j.String("jti"); jti != "" {
		if _, has := vc["id"]; !has {
			vc["id"] = jti
		}
	}
	chain, _ := j.X5C()
	return vc, chain, nil
}

// describeW3C reads a VC Data Model credential (a JSON object).
func describeW3C(ctx context.Context, format string, vc map[string]any, contexts *jsonld.Loader) *dcql.Credential {
	c := &dcql.Credential{Format: format, Claims: vc}
	c.Types = stringList(vc["type"])
	if contexts != nil {
		for _, t := range ExpandTypes(ctx, contexts, vc["@context"], c.Types) {
			if !slices.Contains(c.Types, t) {
				c.Types = append(c.Types, t)
			}
		}
	}
	switch iss := vc["issuer"].(type) {
	case string:
		c.Issuer = iss
	case map[string]any:
		c.Issuer, _ = iss["id"].(string)
	}
	for _, s := range subjects(vc) {
		if strings.HasPrefix(s, "did:") {
			c.HolderBinding = true
		}
	}
	return c
}

func subjects(vc map[string]any) []string {
	var out []string
	add := func(v any) {
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				out = append(out, id)
			}
		}
	}
	switch cs := vc["credentialSubject"].(type) {
	case []any:
		for _, e := range cs {
			add(e)
		}
	default:
		add(cs)
	}
	return out
}

func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ExpandTypes returns the fully expanded IRIs of types under the JSON-LD
// contexts of a credential (OpenID4VP 1.0 appendix B.1.1: type_values holds
// expanded types), with contexts only from l (never the network unless l
// was configured to fetch). It returns nil when they cannot be expanded.
func ExpandTypes(ctx context.Context, l *jsonld.Loader, contexts any, types []string) (out []string) {
	if contexts == nil || len(types) == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			out = nil // json-gold is third-party code: never a crash here
		}
	}()
	tl := make([]any, len(types))
	for i, t := range types {
		tl[i] = t
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = l.Bind(ctx)
	opts.ProcessingMode = ld.JsonLd_1_1
	expanded, err := ld.NewJsonLdProcessor().Expand(map[string]any{"@context": contexts, "type": tl}, opts)
	if err != nil || len(expanded) != 1 {
		return nil
	}
	node, _ := expanded[0].(map[string]any)
	for _, t := range stringList(node["@type"]) {
		out = append(out, t)
	}
	return out
}

// akis returns the base64url authority and subject key identifiers of a
// chain, for trusted_authorities of type aki.
func akis(chain []*x509.Certificate) []string {
	var out []string
	add := func(b []byte) {
		if len(b) == 0 {
			return
		}
		s := jwt.B64.EncodeToString(b)
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, c := range chain {
		add(c.AuthorityKeyId)
		add(c.SubjectKeyId)
	}
	return out
}

func parseB64Cert(s string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
