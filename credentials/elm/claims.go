package elm

import "encoding/json"

// Claim is one claim about the credential subject: a *LearningAchievement,
// *LearningActivity, *LearningAssessment, *LearningEntitlement, or a
// *GenericClaim for any other type (elm:Claim). Parse picks the Go type from
// the JSON "type".
type Claim interface {
	// Base returns the properties every claim has.
	Base() *ClaimBase
}

// ClaimBase is what every claim has (elm:Claim).
type ClaimBase struct {
	Node
	Title                 LangMap            `json:"title"`
	Description           LangMap            `json:"description"`
	Identifier            Many[*Identifier]  `json:"identifier"`
	DCType                Many[*Concept]     `json:"dcType"` // dc:type
	AdditionalNote        Many[*Note]        `json:"additionalNote"`
	SupplementaryDocument Many[*WebResource] `json:"supplementaryDocument"`
	AwardedBy             *AwardingProcess   `json:"awardedBy"`
}

// Base returns b itself.
func (b *ClaimBase) Base() *ClaimBase { return b }

// GenericClaim is a claim of a type this package does not model; its other
// properties are in Extra.
type GenericClaim struct {
	ClaimBase
}

// LearningAchievement is an awarded set of learning outcomes: a degree, a
// micro-credential, a course passed (elm:LearningAchievement).
type LearningAchievement struct {
	ClaimBase
	LearningOpportunity *LearningOpportunity       `json:"learningOpportunity"`
	CreditReceived      Many[*CreditPoint]         `json:"creditReceived"`
	ProvenBy            Many[*LearningAssessment]  `json:"provenBy"`
	InfluencedBy        Many[*LearningActivity]    `json:"influencedBy"`
	EntitlesTo          Many[*LearningEntitlement] `json:"entitlesTo"`
	// SpecifiedBy is a Qualification or a LearningAchievementSpecification
	// (its Type says which).
	SpecifiedBy *Qualification             `json:"specifiedBy"`
	HasPart     Many[*LearningAchievement] `json:"hasPart"`
	IsPartOf    Many[*LearningAchievement] `json:"isPartOf"`
}

// LearningActivity is something the subject took part in
// (elm:LearningActivity).
type LearningActivity struct {
	ClaimBase
	LearningOpportunity *LearningOpportunity           `json:"learningOpportunity"`
	Temporal            Many[*PeriodOfTime]            `json:"temporal"`
	Location            Many[*Location]                `json:"location"`
	Workload            string                         `json:"workload"` // xsd:duration
	DirectedBy          Many[*Organisation]            `json:"directedBy"`
	LevelOfCompletion   json.Number                    `json:"levelOfCompletion"`
	SpecifiedBy         *LearningActivitySpecification `json:"specifiedBy"`
	HasPart             Many[*LearningActivity]        `json:"hasPart"`
	IsPartOf            Many[*LearningActivity]        `json:"isPartOf"`
}

// LearningAssessment is an assessment and its result: the grade
// (elm:LearningAssessment).
type LearningAssessment struct {
	ClaimBase
	Grade              *Note                            `json:"grade"`
	DateIssued         DateTime                         `json:"dateIssued"`
	Location           Many[*Location]                  `json:"location"`
	GradeStatus        *Concept                         `json:"gradeStatus"`
	ShortenedGrading   *ShortenedGrading                `json:"shortenedGrading"`
	ResultDistribution *ResultDistribution              `json:"resultDestribution"`
	IDVerification     *Concept                         `json:"idVerification"`
	AssessedBy         Many[*Organisation]              `json:"assessedBy"`
	SpecifiedBy        *LearningAssessmentSpecification `json:"specifiedBy"`
	HasPart            Many[*LearningAssessment]        `json:"hasPart"`
	IsPartOf           Many[*LearningAssessment]        `json:"isPartOf"`
}

// LearningEntitlement is a right the subject has gained, such as access to
// further study (elm:LearningEntitlement).
type LearningEntitlement struct {
	ClaimBase
	DateIssued  DateTime                          `json:"dateIssued"`
	ExpiryDate  DateTime                          `json:"expiryDate"`
	SpecifiedBy *LearningEntitlementSpecification `json:"specifiedBy"`
	HasPart     Many[*LearningEntitlement]        `json:"hasPart"`
	IsPartOf    Many[*LearningEntitlement]        `json:"isPartOf"`
}

// newClaim returns an empty claim of the Go type that fits the JSON value's
// "type".
func newClaim(v any) Claim {
	obj, _ := v.(map[string]any)
	var names []any
	switch t := obj["type"].(type) {
	case string:
		names = []any{t}
	case []any:
		names = t
	}
	for _, n := range names {
		switch n {
		case "LearningAchievement":
			return new(LearningAchievement)
		case "LearningActivity":
			return new(LearningActivity)
		case "LearningAssessment":
			return new(LearningAssessment)
		case "LearningEntitlement":
			return new(LearningEntitlement)
		}
	}
	return new(GenericClaim)
}

// Specification is what every specification has (elm:Specification).
type Specification struct {
	Node
	Title                 LangMap            `json:"title"`
	AltLabel              LangMap            `json:"altLabel"`
	Description           LangMap            `json:"description"`
	Identifier            Many[*Identifier]  `json:"identifier"`
	AdditionalNote        Many[*Note]        `json:"additionalNote"`
	SupplementaryDocument Many[*WebResource] `json:"supplementaryDocument"`
	Homepage              Many[*WebResource] `json:"homepage"`
	Category              LangMap            `json:"category"`
	DCType                Many[*Concept]     `json:"dcType"` // dc:type
	DateModified          DateTime           `json:"dateModified"`
	Language              Many[*Concept]     `json:"language"`
	Mode                  Many[*Concept]     `json:"mode"`
	Status                string             `json:"status"`
}

// LearningAchievementSpecification specifies an achievement
// (elm:LearningAchievementSpecification).
type LearningAchievementSpecification struct {
	Specification
	VolumeOfLearning       string                     `json:"volumeOfLearning"` // xsd:duration
	LearningOutcomeSummary *Note                      `json:"learningOutcomeSummary"`
	ThematicArea           Many[*Concept]             `json:"thematicArea"` // elm:ISCEDFCode
	EducationSubject       Many[*Concept]             `json:"educationSubject"`
	CreditPoint            Many[*CreditPoint]         `json:"creditPoint"`
	EducationLevel         Many[*Concept]             `json:"educationLevel"`
	LearningSetting        *Concept                   `json:"learningSetting"`
	MaximumDuration        string                     `json:"maximumDuration"` // xsd:duration
	TargetGroup            Many[*Concept]             `json:"targetGroup"`
	EntryRequirement       *Note                      `json:"entryRequirement"`
	LearningOutcome        Many[*LearningOutcome]     `json:"learningOutcome"`
	AwardingOpportunity    Many[*AwardingOpportunity] `json:"awardingOpportunity"`
	HasPart                Many[*Qualification]       `json:"hasPart"`
	IsPartOf               Many[*Qualification]       `json:"isPartOf"`
}

// Qualification is a formal outcome of an assessment and validation process
// (elm:Qualification, a LearningAchievementSpecification). The model reads
// every achievement specification into this type; Type says which class the
// node declared.
type Qualification struct {
	LearningAchievementSpecification
	EQFLevel               *Concept             `json:"eqfLevel"` // elm:EQFLevel
	NQFLevel               Many[*Concept]       `json:"nqfLevel"` // elm:NQFLevel
	IsPartialQualification *bool                `json:"isPartialQualification"`
	Accreditation          Many[*Accreditation] `json:"accreditation"`
	QualificationCode      Many[*Concept]       `json:"qualificationCode"`
}

// LearningActivitySpecification specifies an activity
// (elm:LearningActivitySpecification).
type LearningActivitySpecification struct {
	Specification
	VolumeOfLearning string                               `json:"volumeOfLearning"`
	ContactHour      string                               `json:"contactHour"`
	HasPart          Many[*LearningActivitySpecification] `json:"hasPart"`
}

// LearningAssessmentSpecification specifies an assessment
// (elm:LearningAssessmentSpecification).
type LearningAssessmentSpecification struct {
	Specification
	GradingScheme *GradingScheme                         `json:"gradingScheme"`
	HasPart       Many[*LearningAssessmentSpecification] `json:"hasPart"`
}

// LearningEntitlementSpecification specifies an entitlement
// (elm:LearningEntitlementSpecification).
type LearningEntitlementSpecification struct {
	Specification
	EntitlementStatus       *Concept            `json:"entitlementStatus"`
	LimitOrganisation       Many[*Organisation] `json:"limitOrganisation"`
	LimitJurisdiction       Many[*Concept]      `json:"limitJurisdiction"`
	LimitOccupation         Many[*Concept]      `json:"limitOccupation"`
	LimitNationalOccupation Many[*Concept]      `json:"limitNationalOccupation"`
}
