package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elmo"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/templates"
)

// ELMO is the Template of credentials mapped from ELMO transcripts
// (credentials/elmo): its records are the ones ELMORecords returns, one per
// ELMO report. Issue and Batch take it like any template, so an ELMO file
// is issued, registered, given a status index and made idempotent as a CSV
// row is: the same report issued again is the same credential.
var ELMO Template = elmoTemplate{}

// ELMOTemplateName is the name ELMO credentials are registered under.
const ELMOTemplateName = "elmo"

// Record members of an ELMO record.
const (
	elmoCredential = "credential" // the mapped credential, JSON text (checked by elmo.Import's writer)
	elmoSubject    = "subjectID"
	elmoEQF        = "eqf"
	elmoISCED      = "isced"
	elmoSource     = "report" // the XML path of the report, for messages
)

type elmoTemplate struct{}

func (elmoTemplate) Name() string { return ELMOTemplateName }

// Validate checks that rec came from ELMORecords.
func (elmoTemplate) Validate(rec templates.Record) []templates.FieldError {
	if c, ok := rec[elmoCredential].(string); !ok || !strings.HasPrefix(c, "{") || jsonx.Check([]byte(c), jsonx.Limits{}) != nil {
		return []templates.FieldError{{Item: rec.Item(), Field: elmoCredential, Message: "not a record of ELMORecords: it holds no mapped credential"}}
	}
	return nil
}

// Render writes the mapped credential with the issuing institution as its
// issuer, and the id and time of this issuance. The awarding bodies stay the
// ELMO report's issuer: the institution where the learning took place.
func (elmoTemplate) Render(rec templates.Record, inst templates.Institution, opts templates.RenderOptions) (*templates.Rendered, error) {
	src, ok := rec[elmoCredential].(string)
	if !ok {
		return nil, fmt.Errorf("elmo: the record holds no mapped credential")
	}
	org, err := templates.OrganisationJSON(inst, "en")
	if err != nil {
		return nil, fmt.Errorf("elmo: the issuing institution: %w", err)
	}
	id := opts.ID
	if id == "" {
		id = templates.NewID()
	}
	at := opts.IssuedAt
	if at.IsZero() {
		at = time.Now()
	}
	now, _ := json.Marshal(at.UTC().Truncate(time.Second).Format(time.RFC3339))
	idJSON, _ := json.Marshal(id)
	// The members are copied as they are, in their order, but for those
	// this issuance sets.
	out := make([]byte, 0, len(src)+len(org)+256)
	out = append(out, '{')
	put := func(name string, value []byte) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		q, _ := json.Marshal(name)
		out = append(append(append(out, q...), ':'), value...)
	}
	err = jsonx.Members([]byte(src), func(name string, value []byte) bool {
		switch name {
		case "id":
			put(name, idJSON)
		case "issuer":
			put(name, org)
		case "issuanceDate", "issued", "validFrom":
			put(name, now)
		default:
			put(name, value)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("elmo: the mapped credential: %v", err)
	}
	out = append(out, '}')
	r := &templates.Rendered{Credential: out, Types: []string{"VerifiableCredential", "EuropeanDigitalCredential"},
		Disclosable: []string{
			"credentialSubject.dateOfBirth",
			"credentialSubject.hasClaim[*].hasPart[*].provenBy",
			"credentialSubject.hasClaim[*].hasPart[*].creditReceived",
		}}
	r.SubjectID, _ = rec[elmoSubject].(string)
	switch n := rec[elmoEQF].(type) {
	case int:
		r.EQFLevel = n
	case float64:
		r.EQFLevel = int(n)
	}
	if fs, ok := rec[elmoISCED].([]string); ok {
		r.ISCEDFields = fs
	}
	return r, nil
}

// ELMORecords imports the ELMO document data (elmo.Import, with opts) and
// returns one record per report for the ELMO template, in document order,
// with the import's result: the mapping report of each record
// (Result.Credentials[k].Report) and the signature checks. A document that
// is refused is an error and gives no record.
func ELMORecords(ctx context.Context, data []byte, opts *elmo.Options) ([]templates.Record, *elmo.Result, error) {
	res, err := elmo.Import(ctx, data, opts)
	if err != nil {
		return nil, nil, err
	}
	recs := make([]templates.Record, 0, len(res.Credentials))
	for k, cv := range res.Credentials {
		rec := templates.Record{elmoCredential: string(cv.JSON), elmoSubject: cv.SubjectID, elmoEQF: cv.EQFLevel, elmoISCED: cv.ISCEDFields,
			elmoSource: cv.Report.Report, "@item": k + 1}
		recs = append(recs, rec)
	}
	return recs, res, nil
}

// IssueELMO imports the ELMO document data and issues one credential per
// report for profile p: what the service's issue endpoint does with an
// ELMO body. For many documents at once, give the records of each
// (ELMORecords) to Batch with the ELMO template.
func (i *Issuer) IssueELMO(ctx context.Context, data []byte, p Profile, opts *elmo.Options) ([]*Issued, *elmo.Result, error) {
	recs, res, err := ELMORecords(ctx, data, opts)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Issued, 0, len(recs))
	for k, rec := range recs {
		iss, err := i.Issue(ctx, ELMO, rec, p)
		if err != nil {
			return out, res, fmt.Errorf("report %s: %w", strconv.Itoa(k+1), err)
		}
		out = append(out, iss)
	}
	return out, res, nil
}
