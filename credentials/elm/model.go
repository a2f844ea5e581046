package elm

import "encoding/json"

// The JSON names below are the terms of the EDC JSON-LD context
// (http://data.europa.eu/snb/model/context/edc-ap); where a term differs from
// the ELM property it stands for, the comment names the property. Every type
// embeds Node (id, type, Extra), so nothing a credential carries is lost.

// EuropeanDigitalCredential is an ELM credential (elm:EuropeanDigitalCredential,
// a subclass of the W3C VerifiableCredential).
type EuropeanDigitalCredential struct {
	// Context is "@context", kept as read (strings or objects).
	Context Many[any] `json:"@context"`
	Node
	CredentialProfiles Many[*Concept]          `json:"credentialProfiles"`
	DisplayParameter   *DisplayParameter       `json:"displayParameter"`
	Identifier         Many[*Identifier]       `json:"identifier"`
	CredentialSchema   Many[*CredentialSchema] `json:"credentialSchema"`
	CredentialSubject  *Person                 `json:"credentialSubject"`
	Issuer             *Organisation           `json:"issuer"`
	IssuanceDate       DateTime                `json:"issuanceDate"`
	Issued             DateTime                `json:"issued"`
	ValidFrom          DateTime                `json:"validFrom"`
	ValidUntil         DateTime                `json:"validUntil"`
	ExpirationDate     DateTime                `json:"expirationDate"`
	Evidence           Many[*Evidence]         `json:"evidence"`
	Attachment         Many[*MediaObject]      `json:"attachment"`
	// credentialStatus, proof, termsOfUse and holder stay in Extra: the
	// envelope packages own their shapes.
}

// CredentialSchema is one entry of credentialSchema: a ShaclValidator2017
// naming an EDC application profile, or a JsonSchema naming an EBSI schema.
type CredentialSchema struct {
	Node
}

// Agent is what Person and Organisation share (elm:Agent).
type Agent struct {
	Identifier     Many[*Identifier]   `json:"identifier"`
	AltLabel       LangMap             `json:"altLabel"`
	PrefLabel      LangMap             `json:"prefLabel"`
	Location       Many[*Location]     `json:"location"`
	ContactPoint   Many[*ContactPoint] `json:"contactPoint"`
	GroupMemberOf  Many[*Group]        `json:"groupMemberOf"`
	AdditionalNote Many[*Note]         `json:"additionalNote"`
	DateModified   DateTime            `json:"dateModified"`
}

// Person is a natural person, usually the credential subject (elm:Person).
type Person struct {
	Node
	Agent
	NationalID         *LegalIdentifier    `json:"nationalID"`
	FullName           LangMap             `json:"fullName"`
	GivenName          LangMap             `json:"givenName"`
	FamilyName         LangMap             `json:"familyName"`
	BirthName          LangMap             `json:"birthName"`
	PatronymicName     LangMap             `json:"patronymicName"`
	DateOfBirth        DateTime            `json:"dateOfBirth"`
	PlaceOfBirth       *Location           `json:"placeOfBirth"`
	CitizenshipCountry Many[*Concept]      `json:"citizenshipCountry"`
	Gender             *Concept            `json:"gender"`
	MemberOf           Many[*Organisation] `json:"memberOf"`
	// HasClaim holds the claims: *LearningAchievement, *LearningActivity,
	// *LearningAssessment, *LearningEntitlement or *GenericClaim.
	HasClaim Many[Claim] `json:"hasClaim"`
}

// Organisation is a legal entity: issuer, awarding body, accrediting agent
// (elm:Organisation).
type Organisation struct {
	Node
	Agent
	LegalName          LangMap                `json:"legalName"`
	EIDASIdentifier    *LegalIdentifier       `json:"eIDASIdentifier"` // elm:eidasLegalIdentifier
	Registration       *LegalIdentifier       `json:"registration"`
	VATIdentifier      Many[*LegalIdentifier] `json:"vatIdentifier"`
	TaxIdentifier      Many[*LegalIdentifier] `json:"taxIdentifier"`
	DCType             Many[*Concept]         `json:"dcType"` // dc:type
	Homepage           Many[*WebResource]     `json:"homepage"`
	Logo               *MediaObject           `json:"logo"`
	Accreditation      Many[*Accreditation]   `json:"accreditation"`
	HasSubOrganization Many[*Organisation]    `json:"hasSubOrganization"`
	SubOrganizationOf  *Organisation          `json:"subOrganizationOf"`
}

// Identifier is an identifier in a scheme (elm:Identifier).
type Identifier struct {
	Node
	Notation      string         `json:"notation"` // skos:notation
	SchemeName    string         `json:"schemeName"`
	SchemeVersion string         `json:"schemeVersion"`
	SchemeID      string         `json:"schemeId"`
	SchemeAgency  LangMap        `json:"schemeAgency"`
	DateIssued    DateTime       `json:"dateIssued"` // dc:issued
	DCType        Many[*Concept] `json:"dcType"`
}

// LegalIdentifier is an identifier issued by a jurisdiction, such as an eIDAS
// legal identifier, a VAT or a registration number (elm:LegalIdentifier).
type LegalIdentifier struct {
	Identifier
	Spatial *Concept `json:"spatial"` // dc:spatial: the jurisdiction
}

// Concept is a SKOS concept, usually from an EU controlled vocabulary
// (skos:Concept).
type Concept struct {
	Node
	InScheme   *ConceptScheme `json:"inScheme"`
	PrefLabel  LangMap        `json:"prefLabel"`
	Notation   string         `json:"notation"`
	Definition LangMap        `json:"definition"`
}

// ConceptScheme is a controlled vocabulary (skos:ConceptScheme).
type ConceptScheme struct {
	Node
	PrefLabel LangMap `json:"prefLabel"`
}

// Location is a place (dc:Location).
type Location struct {
	Node
	Identifier     Many[*Identifier] `json:"identifier"`
	Address        Many[*Address]    `json:"address"`
	Description    LangMap           `json:"description"`
	GeographicName LangMap           `json:"geographicName"`
	SpatialCode    Many[*Concept]    `json:"spatialCode"`
}

// Address is a postal address (elm:Address).
type Address struct {
	Node
	Identifier  Many[*Identifier] `json:"identifier"`
	CountryCode *Concept          `json:"countryCode"`
	FullAddress *Note             `json:"fullAddress"`
}

// ContactPoint is a way to reach an agent (elm:ContactPoint).
type ContactPoint struct {
	Node
	Description    LangMap            `json:"description"`
	AdditionalNote Many[*Note]        `json:"additionalNote"`
	Address        Many[*Address]     `json:"address"`
	Phone          Many[*Phone]       `json:"phone"`
	EmailAddress   Many[*Mailbox]     `json:"emailAddress"`
	ContactForm    Many[*WebResource] `json:"contactForm"`
}

// Mailbox is an e-mail address, its id a mailto: IRI (elm:Mailbox).
type Mailbox struct {
	Node
}

// Phone is a telephone number (elm:Phone).
type Phone struct {
	Node
	PhoneNumber    string `json:"phoneNumber"`
	CountryDialing string `json:"countryDialing"`
	AreaDialing    string `json:"areaDialingCode"`
	DialNumber     string `json:"dialNumber"`
}

// WebResource is a link (elm:WebResource).
type WebResource struct {
	Node
	ContentURL string   `json:"contentURL"` // elm:contentUrl
	Title      LangMap  `json:"title"`
	Language   *Concept `json:"language"`
}

// Group is a set of agents, such as an alliance of universities (elm:Group).
type Group struct {
	Node
	PrefLabel      LangMap             `json:"prefLabel"`
	AltLabel       LangMap             `json:"altLabel"`
	DCType         Many[*Concept]      `json:"dcType"`
	AdditionalNote Many[*Note]         `json:"additionalNote"`
	Location       Many[*Location]     `json:"location"`
	ContactPoint   Many[*ContactPoint] `json:"contactPoint"`
	Member         Many[*Organisation] `json:"member"`
}

// Note is a piece of free text, also used for grades (elm:Note).
type Note struct {
	Node
	NoteLiteral LangMap  `json:"noteLiteral"`
	NoteFormat  *Concept `json:"noteFormat"`
	Subject     *Concept `json:"subject"` // dc:subject
}

// MediaObject is embedded content: an image, a PDF (elm:MediaObject).
type MediaObject struct {
	Node
	Content         string      `json:"content"`
	ContentEncoding *Concept    `json:"contentEncoding"`
	ContentType     *Concept    `json:"contentType"`
	ContentSize     json.Number `json:"contentSize"`
	ContentURL      string      `json:"contentURL"`
	Title           LangMap     `json:"title"`
	Description     LangMap     `json:"description"`
	AttachmentType  *Concept    `json:"attachmentType"`
}

// DisplayParameter says how the credential is shown (elm:DisplayParameter).
type DisplayParameter struct {
	Node
	Title             LangMap                  `json:"title"`
	Description       LangMap                  `json:"description"`
	Language          Many[*Concept]           `json:"language"`
	PrimaryLanguage   *Concept                 `json:"primaryLanguage"`
	IndividualDisplay Many[*IndividualDisplay] `json:"individualDisplay"`
	SummaryDisplay    string                   `json:"summaryDisplay"`
}

// IndividualDisplay is the rendering in one language (elm:IndividualDisplay).
type IndividualDisplay struct {
	Node
	Language      *Concept             `json:"language"`
	DisplayDetail Many[*DisplayDetail] `json:"displayDetail"`
}

// DisplayDetail is one rendered page (elm:DisplayDetail).
type DisplayDetail struct {
	Node
	Image *MediaObject `json:"image"`
	Page  json.Number  `json:"page"`
}

// Evidence supports the credential: a mandate, an accreditation, the source
// of a conversion (elm:Evidence).
type Evidence struct {
	Node
	DCType            *Concept           `json:"dcType"` // dc:type
	EvidenceStatement string             `json:"evidenceStatement"`
	EvidenceTarget    Many[*Node]        `json:"evidenceTarget"`
	EmbeddedEvidence  Many[*MediaObject] `json:"embeddedEvidence"`
	Accreditation     *Accreditation     `json:"accreditation"`
}

// Accreditation is a quality-assurance decision about an organisation or a
// qualification (elm:Accreditation).
type Accreditation struct {
	Node
	DCType                *Concept           `json:"dcType"` // dc:type
	Title                 LangMap            `json:"title"`
	Description           LangMap            `json:"description"`
	Identifier            Many[*Identifier]  `json:"identifier"`
	AccreditingAgent      *Organisation      `json:"accreditingAgent"`
	Organisation          *Organisation      `json:"organisation"`
	LimitQualification    *Qualification     `json:"limitQualification"`
	LimitField            Many[*Concept]     `json:"limitField"`
	LimitEQFLevel         Many[*Concept]     `json:"limitEQFLevel"`
	LimitJurisdiction     Many[*Concept]     `json:"limitJurisdiction"`
	LimitCredentialType   Many[*Concept]     `json:"limitCredentialType"`
	Decision              *Concept           `json:"decision"`
	Report                *WebResource       `json:"report"`
	Homepage              Many[*WebResource] `json:"homepage"`
	LandingPage           Many[*WebResource] `json:"landingPage"`
	SupplementaryDocument Many[*WebResource] `json:"supplementaryDocument"`
	AdditionalNote        Many[*Note]        `json:"additionalNote"`
	DateIssued            DateTime           `json:"dateIssued"`
	ReviewDate            DateTime           `json:"reviewDate"`
	ExpiryDate            DateTime           `json:"expiryDate"`
	Status                string             `json:"status"`
	DateModified          DateTime           `json:"dateModified"`
}

// AwardingProcess says who awarded a claim and when (elm:AwardingProcess).
type AwardingProcess struct {
	Node
	AwardingBody          Many[*Organisation] `json:"awardingBody"`
	AwardingDate          DateTime            `json:"awardingDate"`
	Description           LangMap             `json:"description"`
	Location              Many[*Location]     `json:"location"`
	AdditionalNote        Many[*Note]         `json:"additionalNote"`
	EducationalSystemNote *Concept            `json:"educationalSystemNote"`
	Identifier            Many[*Identifier]   `json:"identifier"`
}

// AwardingOpportunity is where and when a qualification can be awarded
// (elm:AwardingOpportunity).
type AwardingOpportunity struct {
	Node
	AwardingBody Many[*Organisation] `json:"awardingBody"`
	Identifier   Many[*Identifier]   `json:"identifier"`
	Location     *Location           `json:"location"`
	Temporal     *PeriodOfTime       `json:"temporal"`
}

// PeriodOfTime is an interval (dc:PeriodOfTime).
type PeriodOfTime struct {
	Node
	PrefLabel LangMap  `json:"prefLabel"`
	StartDate DateTime `json:"startDate"`
	EndDate   DateTime `json:"endDate"`
}

// LearningOpportunity is an offer of learning (elm:LearningOpportunity).
type LearningOpportunity struct {
	Node
	Title       LangMap             `json:"title"`
	Description LangMap             `json:"description"`
	ProvidedBy  Many[*Organisation] `json:"providedBy"`
	Homepage    Many[*WebResource]  `json:"homepage"`
	Temporal    *PeriodOfTime       `json:"temporal"`
	Mode        Many[*Concept]      `json:"mode"`
	Location    Many[*Location]     `json:"location"`
}

// CreditPoint is an amount of credit in a framework such as ECTS
// (elm:CreditPoint). Point is a string, as ELM defines it ("7.5").
type CreditPoint struct {
	Node
	Framework *Concept `json:"framework"`
	Point     string   `json:"point"`
}

// GradingScheme describes how grades are given (elm:GradingScheme).
type GradingScheme struct {
	Node
	Title                 LangMap            `json:"title"`
	Description           LangMap            `json:"description"`
	Identifier            Many[*Identifier]  `json:"identifier"`
	SupplementaryDocument Many[*WebResource] `json:"supplementaryDocument"`
}

// ShortenedGrading is the share of the cohort below, equal to and above the
// grade (elm:ShortenedGrading).
type ShortenedGrading struct {
	Node
	PercentageLower  json.Number `json:"percentageLower"`
	PercentageEqual  json.Number `json:"percentageEqual"`
	PercentageHigher json.Number `json:"percentageHigher"`
}

// ResultDistribution is the distribution of results in the cohort
// (elm:ResultDistribution; the EDC context spells the term
// "resultDestribution").
type ResultDistribution struct {
	Node
	Description    LangMap               `json:"description"`
	ResultCategory Many[*ResultCategory] `json:"resultCategory"`
}

// ResultCategory is one band of a result distribution (elm:ResultCategory).
type ResultCategory struct {
	Node
	Label        string      `json:"label"`
	Count        json.Number `json:"count"`
	Score        string      `json:"score"`
	MaximumScore string      `json:"maximumScore"`
	MinimumScore string      `json:"minimumScore"`
}

// LearningOutcome is a statement of what a learner knows or can do
// (elm:LearningOutcome).
type LearningOutcome struct {
	Node
	Title            LangMap           `json:"title"`
	Identifier       Many[*Identifier] `json:"identifier"`
	DCType           Many[*Concept]    `json:"dcType"`
	AdditionalNote   Many[*Note]       `json:"additionalNote"`
	ReusabilityLevel *Concept          `json:"reusabilityLevel"`
	RelatedSkill     Many[*Concept]    `json:"relatedSkill"`
	RelatedESCOSkill Many[*Concept]    `json:"relatedESCOSkill"`
}
