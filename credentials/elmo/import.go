package elmo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/elm"
)

// The EWP imobility-tors get-response (Erasmus Without Paper, Incoming
// Mobility Transcripts of Records API, stable-v1 and stable-v2): a list of
// <tor>, each holding an <elmo> document of ELMO v1.
const (
	ewpTorsPrefix = "https://github.com/erasmus-without-paper/ewp-specs-api-imobility-tors/"
	elmoV2        = "https://github.com/emrex-eu/elmo-schemas/tree/v2"
)

// Errors an import wraps, for callers that branch.
var (
	// ErrInvalid is wrapped by the *InvalidError of a document that breaks
	// the ELMO schema.
	ErrInvalid = errors.New("elmo: the document is not valid ELMO")
	// ErrSignature is wrapped when a signed document's signature does not
	// verify, or a signature was required and is missing or untrusted.
	ErrSignature = errors.New("elmo: signature")
)

// MappingError is a report that the schema accepts but that cannot become
// a conforming ELM credential (an issuer without a name or a country, a code
// outside its vocabulary); Err names the element's path. It matches
// ErrMapping.
type MappingError struct {
	Err error
}

// ErrMapping is matched by every *MappingError.
var ErrMapping = errors.New("elmo: the report cannot be mapped to ELM")

func (e *MappingError) Error() string        { return "elmo: " + e.Err.Error() }
func (e *MappingError) Unwrap() error        { return e.Err }
func (e *MappingError) Is(target error) bool { return target == ErrMapping }

// InvalidError lists the schema violations of a refused document, each with
// its XML path, line and column. It wraps ErrInvalid.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "elmo: %d schema violation(s): ", len(e.Problems))
	for i, p := range e.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

func (e *InvalidError) Unwrap() error { return ErrInvalid }

// Options adjust Import. A nil *Options means the zero value.
type Options struct {
	// MaxBytes is the largest document read; zero means DefaultMaxBytes.
	MaxBytes int64
	// MaxDepth is the deepest element nesting; zero means DefaultMaxDepth.
	MaxDepth int
	// MaxElements is the most elements a document may have; zero means
	// DefaultMaxElements.
	MaxElements int
	// Language is the BCP 47 tag of text that has no xml:lang (names,
	// grades, titles without one); each such text is reported. Empty
	// means "en".
	Language string
	// Source names the input in the reports, such as its file name.
	Source string
	// Now is the clock that judges the signing certificate's validity
	// period. Nil means time.Now.
	Now func() time.Time
	// IssuedAt, when set, is written as the credential's issuance and
	// validity start; zero means the report's issueDate.
	IssuedAt time.Time
	// Trust, when set, is asked whether it knows a verified signer.
	// Nil: no one is asked, and the report says so.
	Trust SignerTrust
	// RequireSignature refuses a document without a verified signature.
	// The zero value accepts an unsigned document and says it is unsigned;
	// a signature that is present but does not verify is refused either
	// way.
	RequireSignature bool
	// RequireTrustedSigner refuses a document whose signer no trust source
	// knows (it implies RequireSignature).
	RequireTrustedSigner bool
}

// Result is what Import produced: one credential per report.
type Result struct {
	// Wrapped is true when the input was an EWP imobility-tors
	// get-response.
	Wrapped bool `json:"wrapped"`
	// Signatures has one entry per <elmo> document, in document order.
	Signatures []*Signature `json:"signatures"`
	// Credentials has one entry per report, in document order.
	Credentials []*Converted `json:"-"`
	// Warnings are what the reader went past (unknown elements and
	// namespaces, values outside the schema's open lists).
	Warnings []Problem `json:"warnings,omitempty"`
}

// Converted is one report mapped to an unsigned ELM credential.
type Converted struct {
	// Credential is the ELM credential (VC 1.1 with the edc-ap context,
	// EDC generic and converted profiles, unsigned).
	Credential *elm.EuropeanDigitalCredential
	// JSON is Credential as JSON.
	JSON []byte
	// Report says how the report was mapped.
	Report *Report
	// SubjectID is the learner's ESI, or "".
	SubjectID string
	// EQFLevel is the highest EQF level the report states, 0 if none.
	EQFLevel int
	// ISCEDFields are the ISCED-F codes the report states.
	ISCEDFields []string
}

// Report is the mapping report of one ELMO report: what was mapped, what
// has no home in ELM (never dropped in silence), what was adjusted.
type Report struct {
	Source string `json:"source,omitempty"`
	// Document is the XML path of the <elmo> element, Report that of the
	// report.
	Document string `json:"document"`
	Report   string `json:"report"`
	// MobilityID is the EWP omobility-id of a wrapped document.
	MobilityID string `json:"omobilityId,omitempty"`
	// CredentialID is the id of the credential the report became.
	CredentialID string `json:"credentialId"`
	// Signature is the document's signature check.
	Signature *Signature `json:"signature"`
	// Mapped counts the elements carried into the credential.
	Mapped int `json:"mappedElements"`
	// Unmapped lists the elements with no home in ELM, each once (the
	// topmost of a subtree), with the reason.
	Unmapped []Unmapped `json:"unmapped"`
	// Adjusted lists values that changed form on the way.
	Adjusted []Adjustment `json:"adjusted"`
	// Warnings are the reader's, for this document.
	Warnings []Problem `json:"warnings,omitempty"`
	// Profiles are the EDC profiles the credential declares and conforms
	// to.
	Profiles []string `json:"profiles"`
}

// Unmapped is an ELMO element that has no home in ELM.
type Unmapped struct {
	Path    string `json:"path"`
	Element string `json:"element"`
	Reason  string `json:"reason"`
}

// Adjustment is a value whose form changed in the mapping.
type Adjustment struct {
	Path   string `json:"path"`
	Change string `json:"change"`
}

// Import reads an ELMO document (a bare <elmo>, or an EWP imobility-tors
// get-response) and maps each of its reports to an ELM credential. It
// returns an error, and nothing else, when the document is not well-formed
// (*SyntaxError, naming line and column), breaks the ELMO schema
// (*InvalidError), carries a signature that does not verify (ErrSignature),
// or cannot be mapped to a conforming credential (*MappingError).
func Import(ctx context.Context, data []byte, opts *Options) (*Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	lim := limits{maxBytes: opts.MaxBytes, maxDepth: opts.MaxDepth, maxElements: opts.MaxElements}
	if lim.maxBytes <= 0 {
		lim.maxBytes = DefaultMaxBytes
	}
	if lim.maxDepth <= 0 {
		lim.maxDepth = DefaultMaxDepth
	}
	if lim.maxElements <= 0 {
		lim.maxElements = DefaultMaxElements
	}
	lang := opts.Language
	if lang == "" {
		lang = "en"
	}
	if _, err := languageConcept(lang); err != nil {
		return nil, fmt.Errorf("elmo: options: language %w", err)
	}
	root, err := parseTree(data, lim)
	if err != nil {
		return nil, err
	}
	docs, mobility, err := documents(root)
	if err != nil {
		return nil, err
	}
	ck := &checker{}
	for _, d := range docs {
		ck.attributes(d, elmoType)
		ck.sequence(d, elmoType.seq)
	}
	var errs, warns []Problem
	for _, p := range ck.problems {
		if p.Error {
			errs = append(errs, p)
		} else {
			warns = append(warns, p)
		}
	}
	if len(errs) > 0 {
		return nil, &InvalidError{Problems: errs}
	}
	res := &Result{Wrapped: root != docs[0], Warnings: warns}
	sum := sha256.Sum256(data)
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	for i, d := range docs {
		sig := verifySignature(data, d, now())
		if sig.Signed && !sig.Verified {
			return nil, sig.require(opts)
		}
		res.Signatures = append(res.Signatures, sig)
		q := SignerQuery{At: now()}
		for _, r := range d.all("report") {
			m := &mapper{lang: lang, digest: sum[:], rep: &Report{Source: opts.Source, Document: d.path(), Report: r.path(), MobilityID: mobility[i], Signature: sig},
				doc: d, report: r, schemes: map[string]*elm.GradingScheme{}, schemesUsed: map[string]bool{}, media: map[string]string{}}
			c, err := m.credential(opts.IssuedAt)
			if err != nil {
				return nil, &MappingError{Err: err}
			}
			// The evidence is the <elmo> document the report is in, as it
			// was signed: in an EWP response, its own bytes, never the
			// response's, which hold the other learners' transcripts.
			own := data
			if d.parent != nil {
				own = data[d.start:d.end]
			}
			m.evidence(c, own)
			if mobility[i] != "" {
				c.Identifier = elm.List(&elm.Identifier{Node: elm.Node{Type: elm.One("Identifier")}, Notation: mobility[i], SchemeName: "ewp-omobility-id"})
			}
			conv, err := m.finish(c, d, r, docs, warns)
			if err != nil {
				return nil, err
			}
			res.Credentials = append(res.Credentials, conv)
			q.EQFLevel = max(q.EQFLevel, conv.EQFLevel)
			for _, f := range conv.ISCEDFields {
				if !slices.Contains(q.ISCEDFields, f) {
					q.ISCEDFields = append(q.ISCEDFields, f)
				}
			}
		}
		if err := sig.askTrust(ctx, opts.Trust, q); err != nil {
			return nil, err
		}
		if err := sig.require(opts); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// documents finds the <elmo> documents: the root, or each tor/elmo of an
// EWP get-response, with the tor's omobility-id.
func documents(root *node) ([]*node, []string, error) {
	switch {
	case root.local == "elmo" && root.space == Namespace:
		return []*node{root}, []string{""}, nil
	case root.local == "elmo" && root.space == elmoV2:
		return nil, nil, &InvalidError{Problems: []Problem{{Path: "/elmo", Line: root.line, Column: root.col, Error: true, Message: "ELMO v2 (namespace " + elmoV2 + ") is not supported: Diplomat reads ELMO v1"}}}
	case root.local == "elmo":
		return nil, nil, &InvalidError{Problems: []Problem{{Path: "/elmo", Line: root.line, Column: root.col, Error: true, Message: fmt.Sprintf("<elmo> is in the namespace %q, not ELMO v1's %s", root.space, Namespace)}}}
	case strings.HasPrefix(root.space, ewpTorsPrefix) && strings.HasSuffix(root.local, "tors-get-response"):
		root.mark()
		var docs []*node
		var mob []string
		var probs []Problem
		for _, tor := range root.children {
			if tor.local != "tor" || tor.space != root.space {
				probs = append(probs, Problem{Path: tor.path(), Line: tor.line, Column: tor.col, Error: true, Message: fmt.Sprintf("unexpected <%s> in the get-response: it holds <tor> elements", tor.local)})
				continue
			}
			tor.mark()
			var doc *node
			id := ""
			for _, ch := range tor.children {
				switch {
				case ch.local == "omobility-id" && ch.space == root.space:
					ch.mark()
					id = ch.token()
				case ch.local == "elmo" && ch.space == Namespace:
					doc = ch
				case ch.local == "elmo" && ch.space == elmoV2:
					probs = append(probs, Problem{Path: ch.path(), Line: ch.line, Column: ch.col, Error: true, Message: "ELMO v2 (stable-v3 of the EWP API) is not supported: Diplomat reads ELMO v1"})
				}
			}
			if doc == nil {
				probs = append(probs, Problem{Path: tor.path(), Line: tor.line, Column: tor.col, Error: true, Message: "a <tor> without an ELMO v1 <elmo> document"})
				continue
			}
			docs = append(docs, doc)
			mob = append(mob, id)
		}
		if len(probs) > 0 {
			return nil, nil, &InvalidError{Problems: probs}
		}
		if len(docs) == 0 {
			return nil, nil, &InvalidError{Problems: []Problem{{Path: root.path(), Line: root.line, Column: root.col, Error: true, Message: "the get-response holds no transcript (<tor>)"}}}
		}
		return docs, mob, nil
	}
	return nil, nil, &InvalidError{Problems: []Problem{{Path: root.path(), Line: root.line, Column: root.col, Error: true,
		Message: fmt.Sprintf("the root element is <%s> (namespace %q): an ELMO document is an <elmo> of %s, or an EWP imobility-tors get-response", root.local, root.space, Namespace)}}}
}

// evidence embeds the original document: the EDC converted profile's
// evidence, and what keeps its signature checkable.
func (m *mapper) evidence(c *elm.EuropeanDigitalCredential, data []byte) {
	mo := &elm.MediaObject{
		Node:            elm.Node{Type: elm.One("MediaObject")},
		Content:         base64.StdEncoding.EncodeToString(data),
		ContentEncoding: vocabConceptBase64(),
		ContentType:     authorityConcept(fileTypeNS, "XML", "XML"),
		Title:           elm.Lang("en", "ELMO document the credential was converted from"),
	}
	c.Evidence = elm.List(&elm.Evidence{Node: elm.Node{Type: elm.One("Evidence")},
		DCType:           &elm.Concept{Node: elm.Node{Type: elm.One("Concept")}, PrefLabel: elm.Lang("en", "Converted from an ELMO transcript (EMREX / Erasmus Without Paper)")},
		EmbeddedEvidence: elm.List(mo)})
}

// finish reports what no mapping carried, checks the credential against
// the EDC profiles and writes it.
func (m *mapper) finish(c *elm.EuropeanDigitalCredential, doc, report *node, docs []*node, warns []Problem) (*Converted, error) {
	// Every element of this report, and of the document outside any
	// report, that nothing carried or reported.
	var walk func(n *node)
	walk = func(n *node) {
		switch {
		case n.local == "report" && n.space == Namespace && n != report:
			return
		case n.reported:
			return
		case n.unknown != "":
			m.unmapped(n, n.unknown)
			return
		case !n.used:
			m.unmapped(n, "no ELM home")
			return
		}
		m.rep.Mapped++
		for _, ch := range n.children {
			walk(ch)
		}
	}
	walk(doc)
	if tor := doc.parent; tor != nil {
		// The rest of an EWP <tor>: omobility-id is carried.
		for _, ch := range tor.children {
			if ch != doc {
				walk(ch)
			}
		}
	}
	prefix := doc.path()
	for _, w := range warns {
		if strings.HasPrefix(w.Path, prefix) {
			m.rep.Warnings = append(m.rep.Warnings, w)
		}
	}
	// Unmark, so that the next report of the same document is judged on
	// its own.
	var reset func(n *node)
	reset = func(n *node) {
		n.used, n.reported = false, false
		for _, ch := range n.children {
			reset(ch)
		}
	}
	reset(doc)
	if m.rep.Unmapped == nil {
		m.rep.Unmapped = []Unmapped{}
	}
	if m.rep.Adjusted == nil {
		m.rep.Adjusted = []Adjustment{}
	}
	// Conformance to the generic and converted profiles is the mapping's
	// contract, established by its tests (every example, and whatever the
	// fuzz target gets accepted), not re-checked on every import: the
	// verifier checks it on every credential it reads.
	out, err := elm.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("elmo: writing the credential: %w", err)
	}
	m.rep.Profiles = []string{string(elm.Generic), string(elm.Converted)}
	m.rep.CredentialID = c.ID
	subj := ""
	if c.CredentialSubject != nil {
		subj = c.CredentialSubject.ID
	}
	return &Converted{Credential: c, JSON: out, Report: m.rep, SubjectID: subj, EQFLevel: m.eqf, ISCEDFields: m.isced}, nil
}

// MarshalReport writes a mapping report as indented JSON.
func MarshalReport(r *Report) ([]byte, error) { return json.MarshalIndent(r, "", "  ") }
