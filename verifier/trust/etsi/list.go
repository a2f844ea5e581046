package etsi

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// Namespaces and URIs of ETSI TS 119 612.
const (
	nsTSL = "http://uri.etsi.org/02231/v2#"

	// TypeLOTL is the TSLType of the EU List of Trusted Lists.
	TypeLOTL = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"

	svcPrefix = "http://uri.etsi.org/TrstSvc/Svctype/"
	// ServiceCAQC is the service type of a CA issuing qualified certificates.
	ServiceCAQC = svcPrefix + "CA/QC"
	// ServiceCAPKC is the service type of a CA issuing non-qualified certificates.
	ServiceCAPKC = svcPrefix + "CA/PKC"

	extPrefix = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
	// ForeSeals, ForeSignatures and ForWebSiteAuthentication are the
	// additional service information saying what a CA/QC service's
	// qualified certificates are for.
	ForeSeals                = extPrefix + "ForeSeals"
	ForeSignatures           = extPrefix + "ForeSignatures"
	ForWebSiteAuthentication = extPrefix + "ForWebSiteAuthentication"
)

// DefaultMaxBytes is the largest list Parse and Import read when the options
// say nothing (the LOTL is about 400 KB, the largest national lists a few MB).
const DefaultMaxBytes = 32 << 20

// maxDepth bounds the XML nesting accepted; trusted lists nest about 15 deep.
const maxDepth = 64

// List is a trusted list as read: its scheme information, its pointers to
// other lists (the LOTL's are the national lists) and its trust service
// providers.
type List struct {
	// Type is the normalised TSLType, TypeLOTL for the List of Trusted Lists.
	Type string
	// Territory is the SchemeTerritory, e.g. "SE" or "EU".
	Territory string
	// Operator is the scheme operator's name (English if given).
	Operator string
	// SequenceNumber is TSLSequenceNumber; 0 when absent.
	SequenceNumber int64
	// IssueDate and NextUpdate are ListIssueDateTime and NextUpdate; zero
	// when absent (NextUpdate is absent on a closed list).
	IssueDate  time.Time
	NextUpdate time.Time
	// Pointers are the PointersToOtherTSL.
	Pointers []Pointer
	// Providers are the trust service providers.
	Providers []Provider
	// Warnings are parts of the list that were skipped (an identity that
	// does not decode), in words.
	Warnings []string
}

// IsLOTL reports whether the list is a List of Trusted Lists.
func (l *List) IsLOTL() bool { return l.Type == TypeLOTL }

// Name is how Diplomat names the list: "etsi-tl:" and the territory.
func (l *List) Name() string {
	if l.IsLOTL() {
		return "etsi-lotl:" + l.Territory
	}
	return "etsi-tl:" + l.Territory
}

// Services returns the number of services the list holds.
func (l *List) Services() int {
	n := 0
	for _, p := range l.Providers {
		n += len(p.Services)
	}
	return n
}

// Pointer is one OtherTSLPointer: where another list is and which
// certificates may sign it.
type Pointer struct {
	Territory    string
	Type         string // normalised TSLType
	MimeType     string
	Location     string
	Operator     string
	Certificates []*x509.Certificate
}

// Provider is one trust service provider.
type Provider struct {
	Name       string
	TradeNames []string
	// Country is the country of the provider's first postal address.
	Country  string
	Services []Service
}

// Service is one trust service with its current state first and its history
// after, newest first.
type Service struct {
	// Type is the normalised ServiceTypeIdentifier of the current state.
	Type string
	Name string
	// Certificates, SubjectNames and SKIs are the service's digital
	// identities (those of every history instance, for matching).
	Certificates []*x509.Certificate
	SubjectNames []string
	SKIs         [][]byte
	// States are the current state and the history, newest first.
	States []State
}

// State is a service's status from a starting time on.
type State struct {
	Type string // normalised ServiceTypeIdentifier
	// Status is the normalised ServiceStatus URI.
	Status string
	Start  time.Time
	// Qualifications are the Qualifications extension's elements.
	Qualifications []Qualification
	// AdditionalInfo are the normalised AdditionalServiceInformation URIs
	// (ForeSeals, ForeSignatures, ...).
	AdditionalInfo []string
}

// Qualification is one QualificationElement: qualifiers that apply to the
// certificates matching its criteria.
type Qualification struct {
	// Qualifiers are normalised qualifier URIs, e.g. ".../QCWithQSCD".
	Qualifiers []string
	// Assert is the criteria list's assert attribute: "all", "atLeastOne"
	// or "none".
	Assert string
	// KeyUsage are key usage criteria: bit name to the value required.
	KeyUsage []map[string]bool
	// Policies are certificate policy OIDs criteria (each set must all be
	// present).
	Policies [][]string
	// Unknown is true when the criteria list holds criteria Diplomat does
	// not evaluate; such an element is not applied.
	Unknown bool
}

// StatusName is the last segment of a status URI: "granted", "withdrawn".
func StatusName(status string) string { return trust.LastSegment(status) }

// Parse reads a trusted list without checking its signature: for lists
// already verified (a snapshot from the store) or to inspect one. maxBytes
// bounds the input; zero means DefaultMaxBytes. Errors wrap trust.ErrMalformed.
func Parse(data []byte, maxBytes int) (*List, error) {
	root, err := readXML(data, maxBytes)
	if err != nil {
		return nil, err
	}
	return parseRoot(root)
}

// readXML checks the input's size, depth and absence of DTDs, then builds the
// element tree.
func readXML(data []byte, maxBytes int) (*etree.Element, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(data) > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the limit of %d", trust.ErrMalformed, len(data), maxBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: XML: %v", trust.ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return nil, fmt.Errorf("%w: XML nested deeper than %d at <%s>", trust.ErrMalformed, maxDepth, t.Name.Local)
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return nil, fmt.Errorf("%w: XML has a DOCTYPE or other directive, which trusted lists never need", trust.ErrMalformed)
		}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("%w: XML: %v", trust.ErrMalformed, err)
	}
	root := doc.Root()
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", trust.ErrMalformed)
	}
	return root, nil
}

func parseRoot(root *etree.Element) (*List, error) {
	if root.Tag != "TrustServiceStatusList" || root.NamespaceURI() != nsTSL {
		return nil, fmt.Errorf("%w: root element is <%s> in %q, want <TrustServiceStatusList> in %q", trust.ErrMalformed, root.Tag, root.NamespaceURI(), nsTSL)
	}
	l := &List{}
	if si := child(root, "SchemeInformation"); si != nil {
		if err := parseSchemeInfo(l, si); err != nil {
			return nil, err
		}
	}
	if tspl := child(root, "TrustServiceProviderList"); tspl != nil {
		for i, tsp := range children(tspl, "TrustServiceProvider") {
			p, err := parseProvider(l, tsp, i)
			if err != nil {
				return nil, err
			}
			l.Providers = append(l.Providers, p)
		}
	}
	return l, nil
}

func parseSchemeInfo(l *List, si *etree.Element) error {
	l.Type = trust.NormalizeURI(text(child(si, "TSLType")))
	l.Territory = strings.ToUpper(text(child(si, "SchemeTerritory")))
	l.Operator = name(child(si, "SchemeOperatorName"))
	if s := text(child(si, "TSLSequenceNumber")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: SchemeInformation/TSLSequenceNumber %q is not a number", trust.ErrMalformed, s)
		}
		l.SequenceNumber = n
	}
	var err error
	if l.IssueDate, err = dateTime(child(si, "ListIssueDateTime"), "SchemeInformation/ListIssueDateTime"); err != nil {
		return err
	}
	if nu := child(si, "NextUpdate"); nu != nil {
		if l.NextUpdate, err = dateTime(child(nu, "dateTime"), "SchemeInformation/NextUpdate/dateTime"); err != nil {
			return err
		}
	}
	if ptrs := child(si, "PointersToOtherTSL"); ptrs != nil {
		for i, p := range children(ptrs, "OtherTSLPointer") {
			ptr, err := parsePointer(l, p, i)
			if err != nil {
				return err
			}
			l.Pointers = append(l.Pointers, ptr)
		}
	}
	return nil
}

// ParsePointers reads a PointersToOtherTSL element on its own (as in an
// excerpt of the LOTL). Errors wrap trust.ErrMalformed.
func ParsePointers(data []byte) ([]Pointer, error) {
	root, err := readXML(data, 0)
	if err != nil {
		return nil, err
	}
	if root.Tag != "PointersToOtherTSL" {
		return nil, fmt.Errorf("%w: root element is <%s>, want <PointersToOtherTSL>", trust.ErrMalformed, root.Tag)
	}
	var l List
	var out []Pointer
	for i, p := range children(root, "OtherTSLPointer") {
		ptr, err := parsePointer(&l, p, i)
		if err != nil {
			return nil, err
		}
		out = append(out, ptr)
	}
	return out, nil
}

func parsePointer(l *List, p *etree.Element, i int) (Pointer, error) {
	var ptr Pointer
	ptr.Location = text(child(p, "TSLLocation"))
	if ids := child(p, "ServiceDigitalIdentities"); ids != nil {
		for _, sdi := range children(ids, "ServiceDigitalIdentity") {
			certs, _, _ := digitalIDs(l, sdi, fmt.Sprintf("OtherTSLPointer[%d]", i))
			ptr.Certificates = append(ptr.Certificates, certs...)
		}
	}
	if ai := child(p, "AdditionalInformation"); ai != nil {
		for _, oi := range children(ai, "OtherInformation") {
			for _, c := range oi.ChildElements() {
				switch c.Tag {
				case "TSLType":
					ptr.Type = trust.NormalizeURI(text(c))
				case "SchemeTerritory":
					ptr.Territory = strings.ToUpper(text(c))
				case "MimeType":
					ptr.MimeType = text(c)
				case "SchemeOperatorName":
					ptr.Operator = name(c)
				}
			}
		}
	}
	return ptr, nil
}

func parseProvider(l *List, tsp *etree.Element, i int) (Provider, error) {
	var p Provider
	info := child(tsp, "TSPInformation")
	if info == nil {
		return p, fmt.Errorf("%w: TrustServiceProvider[%d] has no TSPInformation", trust.ErrMalformed, i)
	}
	p.Name = name(child(info, "TSPName"))
	if tn := child(info, "TSPTradeName"); tn != nil {
		for _, n := range children(tn, "Name") {
			p.TradeNames = append(p.TradeNames, text(n))
		}
	}
	if addr := child(info, "TSPAddress"); addr != nil {
		if pas := child(addr, "PostalAddresses"); pas != nil {
			if pa := child(pas, "PostalAddress"); pa != nil {
				p.Country = text(child(pa, "CountryName"))
			}
		}
	}
	svcs := child(tsp, "TSPServices")
	if svcs == nil {
		return p, nil
	}
	for j, s := range children(svcs, "TSPService") {
		where := fmt.Sprintf("TrustServiceProvider[%d]/TSPService[%d]", i, j)
		si := child(s, "ServiceInformation")
		if si == nil {
			return p, fmt.Errorf("%w: %s has no ServiceInformation", trust.ErrMalformed, where)
		}
		var svc Service
		svc.Name = name(child(si, "ServiceName"))
		st, err := parseState(l, &svc, si, where)
		if err != nil {
			return p, err
		}
		svc.Type = st.Type
		svc.States = append(svc.States, st)
		if h := child(s, "ServiceHistory"); h != nil {
			for k, hi := range children(h, "ServiceHistoryInstance") {
				st, err := parseState(l, &svc, hi, fmt.Sprintf("%s/ServiceHistoryInstance[%d]", where, k))
				if err != nil {
					return p, err
				}
				svc.States = append(svc.States, st)
			}
		}
		sortStates(svc.States)
		p.Services = append(p.Services, svc)
	}
	return p, nil
}

// sortStates orders states newest first (lists usually are, but the order
// is what the lookup relies on).
func sortStates(s []State) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Start.After(s[j-1].Start); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func parseState(l *List, svc *Service, el *etree.Element, where string) (State, error) {
	var st State
	st.Type = trust.NormalizeURI(text(child(el, "ServiceTypeIdentifier")))
	st.Status = trust.NormalizeURI(text(child(el, "ServiceStatus")))
	if st.Status == "" {
		return st, fmt.Errorf("%w: %s has no ServiceStatus", trust.ErrMalformed, where)
	}
	var err error
	if st.Start, err = dateTime(child(el, "StatusStartingTime"), where+"/StatusStartingTime"); err != nil {
		return st, err
	}
	if st.Start.IsZero() {
		return st, fmt.Errorf("%w: %s has no StatusStartingTime", trust.ErrMalformed, where)
	}
	if sdi := child(el, "ServiceDigitalIdentity"); sdi != nil {
		certs, names, skis := digitalIDs(l, sdi, where)
		for _, c := range certs {
			if !hasCert(svc.Certificates, c) {
				svc.Certificates = append(svc.Certificates, c)
			}
		}
		svc.SubjectNames = append(svc.SubjectNames, names...)
		svc.SKIs = append(svc.SKIs, skis...)
	}
	if exts := child(el, "ServiceInformationExtensions"); exts != nil {
		for _, ext := range children(exts, "Extension") {
			for _, c := range ext.ChildElements() {
				switch c.Tag {
				case "AdditionalServiceInformation":
					if u := trust.NormalizeURI(text(child(c, "URI"))); u != "" {
						st.AdditionalInfo = append(st.AdditionalInfo, u)
					}
				case "Qualifications":
					for _, qe := range children(c, "QualificationElement") {
						st.Qualifications = append(st.Qualifications, parseQualification(qe))
					}
				}
			}
		}
	}
	return st, nil
}

func parseQualification(qe *etree.Element) Qualification {
	var q Qualification
	if qs := child(qe, "Qualifiers"); qs != nil {
		for _, e := range children(qs, "Qualifier") {
			if u := trust.NormalizeURI(e.SelectAttrValue("uri", "")); u != "" {
				q.Qualifiers = append(q.Qualifiers, u)
			}
		}
	}
	cl := child(qe, "CriteriaList")
	if cl == nil {
		q.Unknown = true
		return q
	}
	q.Assert = cl.SelectAttrValue("assert", "all")
	for _, c := range cl.ChildElements() {
		switch c.Tag {
		case "KeyUsage":
			ku := map[string]bool{}
			for _, b := range children(c, "KeyUsageBit") {
				ku[b.SelectAttrValue("name", "")] = strings.EqualFold(text(b), "true")
			}
			q.KeyUsage = append(q.KeyUsage, ku)
		case "PolicySet":
			var set []string
			for _, pi := range children(c, "PolicyIdentifier") {
				id := strings.TrimPrefix(text(child(pi, "Identifier")), "urn:oid:")
				set = append(set, id)
			}
			q.Policies = append(q.Policies, set)
		case "Description":
		default:
			q.Unknown = true
		}
	}
	return q
}

func hasCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range list {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

// digitalIDs reads a ServiceDigitalIdentity. Identities that do not decode
// are skipped with a warning on the list: lists in the wild carry SKIs in hex
// or whole public keys where base64 SKIs belong.
func digitalIDs(l *List, sdi *etree.Element, where string) (certs []*x509.Certificate, names []string, skis [][]byte) {
	for _, id := range children(sdi, "DigitalId") {
		for _, c := range id.ChildElements() {
			switch c.Tag {
			case "X509Certificate":
				der, err := base64.StdEncoding.DecodeString(stripSpace(text(c)))
				if err != nil {
					l.Warnings = append(l.Warnings, where+": an X509Certificate is not base64")
					continue
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					l.Warnings = append(l.Warnings, where+": an X509Certificate does not parse: "+err.Error())
					continue
				}
				certs = append(certs, cert)
			case "X509SubjectName":
				names = append(names, text(c))
			case "X509SKI":
				ski, err := base64.StdEncoding.DecodeString(stripSpace(text(c)))
				if err != nil || len(ski) == 0 || len(ski) > 64 {
					l.Warnings = append(l.Warnings, where+": an X509SKI is not a base64 key identifier")
					continue
				}
				skis = append(skis, ski)
			}
		}
	}
	return certs, names, skis
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
}

// child returns the first child element with the local name tag.
func child(el *etree.Element, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == tag {
			return e
		}
	}
	return nil
}

// children returns the child elements with the local name tag.
func children(el *etree.Element, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == tag {
			out = append(out, e)
		}
	}
	return out
}

func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

// name returns the English Name child of a multilingual name, or the first.
func name(el *etree.Element) string {
	if el == nil {
		return ""
	}
	ns := children(el, "Name")
	for _, n := range ns {
		if n.SelectAttrValue("xml:lang", "") == "en" {
			return text(n)
		}
	}
	if len(ns) > 0 {
		return text(ns[0])
	}
	return ""
}

func dateTime(el *etree.Element, where string) (time.Time, error) {
	s := text(el)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not an xsd:dateTime with a zone", trust.ErrMalformed, where, s)
	}
	return t.UTC(), nil
}
