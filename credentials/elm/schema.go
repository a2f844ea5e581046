package elm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaSource hands out JSON Schema documents by id. Nothing is fetched by
// this package: the caller decides where schemas come from (files shipped
// with the application, a store, an opt-in fetch of the EBSI Trusted Schemas
// Registry).
type SchemaSource interface {
	// Schema returns the schema document whose id (URL) is id: a
	// credentialSchema id, or a URL another schema refers to with $ref. It
	// must return an error wrapping fs.ErrNotExist when it has no such
	// schema.
	Schema(ctx context.Context, id string) ([]byte, error)
}

var (
	// ErrUnknownSchema is wrapped by errors about a schema the SchemaSource
	// does not have.
	ErrUnknownSchema = errors.New("unknown JSON schema")
	// ErrSchemaInvalid is wrapped by errors saying a credential does not
	// validate against its JSON Schema.
	ErrSchemaInvalid = errors.New("credential does not match its JSON schema")
)

// jsonSchemaTypes are the credentialSchema types validated with JSON Schema.
func isJSONSchemaType(types []string) bool {
	for _, t := range types {
		switch t {
		case "JsonSchema", "JsonSchemaValidator2018", "FullJsonSchemaValidator2021", "JsonSchemaCredential":
			return true
		}
	}
	return false
}

// JSONSchemaIDs returns the ids of the credential's credentialSchema entries
// that are JSON Schemas (types JsonSchema, JsonSchemaValidator2018,
// FullJsonSchemaValidator2021).
func JSONSchemaIDs(c *EuropeanDigitalCredential) []string {
	var ids []string
	for _, cs := range c.CredentialSchema.Items {
		if cs != nil && isJSONSchemaType(cs.Type.Items) && !slices.Contains(ids, cs.ID) {
			ids = append(ids, cs.ID)
		}
	}
	return ids
}

// ValidateJSONSchema validates the credential JSON in data against each of
// its credentialSchema entries of a JSON Schema type, with schemas from src.
// A credential without such entries passes. A schema src does not have is an
// error wrapping ErrUnknownSchema that names its id; a credential that does
// not validate is an error wrapping ErrSchemaInvalid whose message lists
// every failure with the instance path and the schema keyword path.
func ValidateJSONSchema(ctx context.Context, data []byte, src SchemaSource) error {
	c, err := Parse(data)
	if err != nil {
		return err
	}
	ids := JSONSchemaIDs(c)
	if len(ids) == 0 {
		return nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("elm: %w", err)
	}
	var missing string
	comp := jsonschema.NewCompiler()
	comp.UseLoader(loaderFunc(func(url string) (any, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := src.Schema(ctx, url)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && missing == "" {
				missing = url
			}
			return nil, err
		}
		return jsonschema.UnmarshalJSON(bytes.NewReader(b))
	}))
	for _, id := range ids {
		sch, err := comp.Compile(id)
		if err != nil {
			if missing != "" {
				return fmt.Errorf("elm: credentialSchema %q: %w %q", id, ErrUnknownSchema, missing)
			}
			return fmt.Errorf("elm: credentialSchema %q: %w", id, err)
		}
		if err := sch.Validate(doc); err != nil {
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				return fmt.Errorf("elm: credentialSchema %q: %w", id, err)
			}
			return fmt.Errorf("elm: %w %q: %s", ErrSchemaInvalid, id, describe(ve))
		}
	}
	return nil
}

type loaderFunc func(url string) (any, error)

func (f loaderFunc) Load(url string) (any, error) { return f(url) }

// describe lists the leaf failures of a validation error, separated by
// "; ": "/credentialSubject: missing property 'id' (schema …#/properties/…)".
func describe(ve *jsonschema.ValidationError) string {
	var lines []string
	p := message.NewPrinter(language.English)
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		inst := "/" + strings.Join(e.InstanceLocation, "/")
		lines = append(lines, fmt.Sprintf("%s: %s (schema %s)", inst, e.ErrorKind.LocalizedString(p), e.SchemaURL))
	}
	walk(ve)
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("and %d more", len(lines)-20))
	}
	return strings.Join(lines, "; ")
}
