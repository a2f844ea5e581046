// Code below gives every model type the JSON form of the codec: unknown
// properties kept, single-or-array and language-map forms preserved.

package elm

// MarshalJSON writes the EuropeanDigitalCredential with its Extra properties.
func (x *EuropeanDigitalCredential) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a EuropeanDigitalCredential, keeping unknown properties in Extra.
func (x *EuropeanDigitalCredential) UnmarshalJSON(b []byte) error {
	*x = EuropeanDigitalCredential{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the CredentialSchema with its Extra properties.
func (x *CredentialSchema) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a CredentialSchema, keeping unknown properties in Extra.
func (x *CredentialSchema) UnmarshalJSON(b []byte) error {
	*x = CredentialSchema{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Person with its Extra properties.
func (x *Person) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Person, keeping unknown properties in Extra.
func (x *Person) UnmarshalJSON(b []byte) error { *x = Person{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Organisation with its Extra properties.
func (x *Organisation) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Organisation, keeping unknown properties in Extra.
func (x *Organisation) UnmarshalJSON(b []byte) error { *x = Organisation{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Identifier with its Extra properties.
func (x *Identifier) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Identifier, keeping unknown properties in Extra.
func (x *Identifier) UnmarshalJSON(b []byte) error { *x = Identifier{}; return unmarshalNode(b, x) }

// MarshalJSON writes the LegalIdentifier with its Extra properties.
func (x *LegalIdentifier) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LegalIdentifier, keeping unknown properties in Extra.
func (x *LegalIdentifier) UnmarshalJSON(b []byte) error {
	*x = LegalIdentifier{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Concept with its Extra properties.
func (x *Concept) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Concept, keeping unknown properties in Extra.
func (x *Concept) UnmarshalJSON(b []byte) error { *x = Concept{}; return unmarshalNode(b, x) }

// MarshalJSON writes the ConceptScheme with its Extra properties.
func (x *ConceptScheme) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a ConceptScheme, keeping unknown properties in Extra.
func (x *ConceptScheme) UnmarshalJSON(b []byte) error {
	*x = ConceptScheme{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Location with its Extra properties.
func (x *Location) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Location, keeping unknown properties in Extra.
func (x *Location) UnmarshalJSON(b []byte) error { *x = Location{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Address with its Extra properties.
func (x *Address) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Address, keeping unknown properties in Extra.
func (x *Address) UnmarshalJSON(b []byte) error { *x = Address{}; return unmarshalNode(b, x) }

// MarshalJSON writes the ContactPoint with its Extra properties.
func (x *ContactPoint) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a ContactPoint, keeping unknown properties in Extra.
func (x *ContactPoint) UnmarshalJSON(b []byte) error { *x = ContactPoint{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Mailbox with its Extra properties.
func (x *Mailbox) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Mailbox, keeping unknown properties in Extra.
func (x *Mailbox) UnmarshalJSON(b []byte) error { *x = Mailbox{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Phone with its Extra properties.
func (x *Phone) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Phone, keeping unknown properties in Extra.
func (x *Phone) UnmarshalJSON(b []byte) error { *x = Phone{}; return unmarshalNode(b, x) }

// MarshalJSON writes the WebResource with its Extra properties.
func (x *WebResource) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a WebResource, keeping unknown properties in Extra.
func (x *WebResource) UnmarshalJSON(b []byte) error { *x = WebResource{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Group with its Extra properties.
func (x *Group) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Group, keeping unknown properties in Extra.
func (x *Group) UnmarshalJSON(b []byte) error { *x = Group{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Note with its Extra properties.
func (x *Note) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Note, keeping unknown properties in Extra.
func (x *Note) UnmarshalJSON(b []byte) error { *x = Note{}; return unmarshalNode(b, x) }

// MarshalJSON writes the MediaObject with its Extra properties.
func (x *MediaObject) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a MediaObject, keeping unknown properties in Extra.
func (x *MediaObject) UnmarshalJSON(b []byte) error { *x = MediaObject{}; return unmarshalNode(b, x) }

// MarshalJSON writes the DisplayParameter with its Extra properties.
func (x *DisplayParameter) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a DisplayParameter, keeping unknown properties in Extra.
func (x *DisplayParameter) UnmarshalJSON(b []byte) error {
	*x = DisplayParameter{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the IndividualDisplay with its Extra properties.
func (x *IndividualDisplay) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a IndividualDisplay, keeping unknown properties in Extra.
func (x *IndividualDisplay) UnmarshalJSON(b []byte) error {
	*x = IndividualDisplay{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the DisplayDetail with its Extra properties.
func (x *DisplayDetail) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a DisplayDetail, keeping unknown properties in Extra.
func (x *DisplayDetail) UnmarshalJSON(b []byte) error {
	*x = DisplayDetail{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Evidence with its Extra properties.
func (x *Evidence) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Evidence, keeping unknown properties in Extra.
func (x *Evidence) UnmarshalJSON(b []byte) error { *x = Evidence{}; return unmarshalNode(b, x) }

// MarshalJSON writes the Accreditation with its Extra properties.
func (x *Accreditation) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Accreditation, keeping unknown properties in Extra.
func (x *Accreditation) UnmarshalJSON(b []byte) error {
	*x = Accreditation{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the AwardingProcess with its Extra properties.
func (x *AwardingProcess) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a AwardingProcess, keeping unknown properties in Extra.
func (x *AwardingProcess) UnmarshalJSON(b []byte) error {
	*x = AwardingProcess{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the AwardingOpportunity with its Extra properties.
func (x *AwardingOpportunity) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a AwardingOpportunity, keeping unknown properties in Extra.
func (x *AwardingOpportunity) UnmarshalJSON(b []byte) error {
	*x = AwardingOpportunity{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the PeriodOfTime with its Extra properties.
func (x *PeriodOfTime) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a PeriodOfTime, keeping unknown properties in Extra.
func (x *PeriodOfTime) UnmarshalJSON(b []byte) error { *x = PeriodOfTime{}; return unmarshalNode(b, x) }

// MarshalJSON writes the LearningOpportunity with its Extra properties.
func (x *LearningOpportunity) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningOpportunity, keeping unknown properties in Extra.
func (x *LearningOpportunity) UnmarshalJSON(b []byte) error {
	*x = LearningOpportunity{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the CreditPoint with its Extra properties.
func (x *CreditPoint) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a CreditPoint, keeping unknown properties in Extra.
func (x *CreditPoint) UnmarshalJSON(b []byte) error { *x = CreditPoint{}; return unmarshalNode(b, x) }

// MarshalJSON writes the GradingScheme with its Extra properties.
func (x *GradingScheme) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a GradingScheme, keeping unknown properties in Extra.
func (x *GradingScheme) UnmarshalJSON(b []byte) error {
	*x = GradingScheme{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the ShortenedGrading with its Extra properties.
func (x *ShortenedGrading) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a ShortenedGrading, keeping unknown properties in Extra.
func (x *ShortenedGrading) UnmarshalJSON(b []byte) error {
	*x = ShortenedGrading{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the ResultDistribution with its Extra properties.
func (x *ResultDistribution) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a ResultDistribution, keeping unknown properties in Extra.
func (x *ResultDistribution) UnmarshalJSON(b []byte) error {
	*x = ResultDistribution{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the ResultCategory with its Extra properties.
func (x *ResultCategory) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a ResultCategory, keeping unknown properties in Extra.
func (x *ResultCategory) UnmarshalJSON(b []byte) error {
	*x = ResultCategory{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningOutcome with its Extra properties.
func (x *LearningOutcome) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningOutcome, keeping unknown properties in Extra.
func (x *LearningOutcome) UnmarshalJSON(b []byte) error {
	*x = LearningOutcome{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the ClaimBase with its Extra properties.
func (x *ClaimBase) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a ClaimBase, keeping unknown properties in Extra.
func (x *ClaimBase) UnmarshalJSON(b []byte) error { *x = ClaimBase{}; return unmarshalNode(b, x) }

// MarshalJSON writes the GenericClaim with its Extra properties.
func (x *GenericClaim) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a GenericClaim, keeping unknown properties in Extra.
func (x *GenericClaim) UnmarshalJSON(b []byte) error { *x = GenericClaim{}; return unmarshalNode(b, x) }

// MarshalJSON writes the LearningAchievement with its Extra properties.
func (x *LearningAchievement) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningAchievement, keeping unknown properties in Extra.
func (x *LearningAchievement) UnmarshalJSON(b []byte) error {
	*x = LearningAchievement{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningActivity with its Extra properties.
func (x *LearningActivity) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningActivity, keeping unknown properties in Extra.
func (x *LearningActivity) UnmarshalJSON(b []byte) error {
	*x = LearningActivity{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningAssessment with its Extra properties.
func (x *LearningAssessment) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningAssessment, keeping unknown properties in Extra.
func (x *LearningAssessment) UnmarshalJSON(b []byte) error {
	*x = LearningAssessment{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningEntitlement with its Extra properties.
func (x *LearningEntitlement) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningEntitlement, keeping unknown properties in Extra.
func (x *LearningEntitlement) UnmarshalJSON(b []byte) error {
	*x = LearningEntitlement{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Specification with its Extra properties.
func (x *Specification) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Specification, keeping unknown properties in Extra.
func (x *Specification) UnmarshalJSON(b []byte) error {
	*x = Specification{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningAchievementSpecification with its Extra properties.
func (x *LearningAchievementSpecification) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningAchievementSpecification, keeping unknown properties in Extra.
func (x *LearningAchievementSpecification) UnmarshalJSON(b []byte) error {
	*x = LearningAchievementSpecification{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Qualification with its Extra properties.
func (x *Qualification) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Qualification, keeping unknown properties in Extra.
func (x *Qualification) UnmarshalJSON(b []byte) error {
	*x = Qualification{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningActivitySpecification with its Extra properties.
func (x *LearningActivitySpecification) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningActivitySpecification, keeping unknown properties in Extra.
func (x *LearningActivitySpecification) UnmarshalJSON(b []byte) error {
	*x = LearningActivitySpecification{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningAssessmentSpecification with its Extra properties.
func (x *LearningAssessmentSpecification) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningAssessmentSpecification, keeping unknown properties in Extra.
func (x *LearningAssessmentSpecification) UnmarshalJSON(b []byte) error {
	*x = LearningAssessmentSpecification{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the LearningEntitlementSpecification with its Extra properties.
func (x *LearningEntitlementSpecification) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a LearningEntitlementSpecification, keeping unknown properties in Extra.
func (x *LearningEntitlementSpecification) UnmarshalJSON(b []byte) error {
	*x = LearningEntitlementSpecification{}
	return unmarshalNode(b, x)
}

// MarshalJSON writes the Node with its Extra properties.
func (x *Node) MarshalJSON() ([]byte, error) { return marshalNode(x) }

// UnmarshalJSON reads a Node, keeping unknown properties in Extra.
func (x *Node) UnmarshalJSON(b []byte) error { *x = Node{}; return unmarshalNode(b, x) }
