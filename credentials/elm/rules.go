package elm

// Rule is one constraint of an EDC application profile: a property a class
// must have, how many values it may have, and of what kind. The rules are
// transcribed from the EDC SHACL shapes (EDC-generic-no-cv.ttl and the
// profile overlays); a test cross-checks them against the shapes' summary.
type Rule struct {
	// Profile is the profile whose shapes state the rule.
	Profile Profile
	// Class is the targeted class, prefixed as in the shapes:
	// "elm:Organisation", "dc:Location", "cred:VerifiableCredential".
	Class string
	// Property is the constrained property, prefixed: "rov:legalName".
	Property string
	// Term is the property's JSON term in the EDC context: "legalName".
	Term string
	// Min and Max bound the number of values; Max 0 means no upper bound.
	Min, Max int
	// Datatype is the literal type the values must have ("xsd:dateTime",
	// "rdf:langString", "xsd:string", "xsd:positiveInteger",
	// "xsd:integer", "xsd:decimal", "xsd:duration"), or "" for values that
	// are nodes.
	Datatype string
	// ValueType, when set, is the JSON type a node value must carry
	// ("LearningAchievement").
	ValueType string
}

// rules returns every rule, generic first. The generic rules are the
// properties with sh:minCount ≥ 1 in EDC-generic-no-cv.ttl, one per class
// and property as its shapes state them.
func rules() []Rule {
	g := func(class, prop, term string, min, max int, dt string) Rule {
		return Rule{Profile: Generic, Class: class, Property: prop, Term: term, Min: min, Max: max, Datatype: dt}
	}
	const (
		lang = "rdf:langString"
		dt   = "xsd:dateTime"
	)
	return []Rule{
		g("elm:Accreditation", "dc:type", "dcType", 1, 1, ""),
		g("elm:Accreditation", "elm:accreditingAgent", "accreditingAgent", 1, 1, ""),
		g("elm:Address", "elm:countryCode", "countryCode", 1, 1, ""),
		g("elm:Amount", "elm:unit", "unit", 1, 1, ""),
		g("elm:Amount", "elm:value", "value", 1, 1, "xsd:decimal"),
		g("elm:AwardingOpportunity", "elm:awardingBody", "awardingBody", 1, 0, ""),
		g("elm:AwardingProcess", "elm:awardingBody", "awardingBody", 1, 0, ""),
		g("elm:Claim", "dc:title", "title", 1, 0, lang),
		g("elm:Claim", "elm:awardedBy", "awardedBy", 1, 1, ""),
		g("elm:DisplayParameter", "dc:title", "title", 1, 0, lang),
		g("elm:DisplayParameter", "dc:language", "language", 1, 0, ""),
		g("elm:DisplayParameter", "elm:primaryLanguage", "primaryLanguage", 1, 1, ""),
		g("elm:DisplayParameter", "elm:individualDisplay", "individualDisplay", 1, 0, ""),
		g("elm:IndividualDisplay", "dc:language", "language", 1, 1, ""),
		g("elm:IndividualDisplay", "elm:displayDetail", "displayDetail", 1, 0, ""),
		g("elm:DisplayDetail", "elm:image", "image", 1, 1, ""),
		g("elm:DisplayDetail", "elm:page", "page", 1, 1, "xsd:positiveInteger"),
		g("elm:EuropeanDigitalCredential", "elm:credentialProfiles", "credentialProfiles", 1, 0, ""),
		g("elm:EuropeanDigitalCredential", "elm:displayParameter", "displayParameter", 1, 1, ""),
		g("elm:EuropeanDigitalCredential", "cred:issuer", "issuer", 1, 1, ""),
		g("elm:EuropeanDigitalCredential", "cred:credentialSubject", "credentialSubject", 1, 1, ""),
		g("elm:EuropeanDigitalCredential", "cred:issued", "issued", 1, 1, dt),
		g("elm:EuropeanDigitalCredential", "cred:validFrom", "validFrom", 1, 1, dt),
		g("elm:EuropeanDigitalCredential", "cred:credentialSchema", "credentialSchema", 1, 0, ""),
		g("elm:CreditPoint", "elm:framework", "framework", 1, 1, ""),
		g("elm:CreditPoint", "elm:point", "point", 1, 1, "xsd:string"),
		g("elm:GradingScheme", "dc:title", "title", 1, 0, lang),
		g("elm:Grant", "dc:title", "title", 1, 0, lang),
		g("elm:Identifier", "skos:notation", "notation", 1, 1, ""),
		g("elm:LearningAchievement", "dc:title", "title", 1, 0, lang),
		g("elm:LearningAchievement", "elm:awardedBy", "awardedBy", 1, 1, ""),
		g("elm:LearningAchievementSpecification", "dc:title", "title", 1, 0, lang),
		g("elm:LearningActivity", "dc:title", "title", 1, 0, lang),
		g("elm:LearningActivity", "elm:awardedBy", "awardedBy", 1, 1, ""),
		g("elm:LearningActivitySpecification", "dc:title", "title", 1, 0, lang),
		g("elm:LearningAssessment", "dc:title", "title", 1, 0, lang),
		g("elm:LearningAssessment", "elm:grade", "grade", 1, 1, ""),
		g("elm:LearningAssessment", "elm:awardedBy", "awardedBy", 1, 1, ""),
		g("elm:LearningAssessmentSpecification", "dc:title", "title", 1, 0, lang),
		g("elm:LearningEntitlement", "dc:title", "title", 1, 0, lang),
		g("elm:LearningEntitlement", "elm:awardedBy", "awardedBy", 1, 1, ""),
		g("elm:LearningEntitlementSpecification", "dc:title", "title", 1, 0, lang),
		g("elm:LearningEntitlementSpecification", "dc:type", "dcType", 1, 1, ""),
		g("elm:LearningEntitlementSpecification", "elm:entitlementStatus", "entitlementStatus", 1, 1, ""),
		g("elm:LearningOpportunity", "dc:title", "title", 1, 0, lang),
		g("elm:LearningOpportunity", "elm:providedBy", "providedBy", 1, 0, ""),
		g("elm:LearningOutcome", "dc:title", "title", 1, 0, lang),
		g("elm:LegalIdentifier", "skos:notation", "notation", 1, 1, ""),
		g("elm:LegalIdentifier", "dc:spatial", "spatial", 1, 1, ""),
		g("elm:MediaObject", "elm:contentType", "contentType", 1, 1, ""),
		g("elm:MediaObject", "elm:contentEncoding", "contentEncoding", 1, 1, ""),
		g("elm:MediaObject", "elm:content", "content", 1, 1, "xsd:string"),
		g("elm:Organisation", "elm:location", "location", 1, 0, ""),
		g("elm:Organisation", "rov:legalName", "legalName", 1, 0, lang),
		g("elm:Person", "elm:hasClaim", "hasClaim", 1, 0, ""),
		g("elm:Qualification", "dc:title", "title", 1, 0, lang),
		g("elm:ResultCategory", "elm:label", "label", 1, 1, "xsd:string"),
		g("elm:ResultCategory", "elm:count", "count", 1, 1, "xsd:positiveInteger"),
		g("elm:ShortenedGrading", "elm:percentageLower", "percentageLower", 1, 1, "xsd:integer"),
		g("elm:ShortenedGrading", "elm:percentageEqual", "percentageEqual", 1, 1, "xsd:integer"),
		g("elm:ShortenedGrading", "elm:percentageHigher", "percentageHigher", 1, 1, "xsd:integer"),
		g("elm:Specification", "dc:title", "title", 1, 0, lang),
		g("elm:VerificationCheck", "dc:type", "dcType", 1, 1, ""),
		g("elm:VerificationCheck", "elm:verificationStatus", "verificationStatus", 1, 1, ""),
		g("elm:VerificationCheck", "elm:subject", "elmSubject", 1, 1, ""),
		g("elm:WebResource", "elm:contentUrl", "contentURL", 1, 1, "xsd:anyURI"),
		g("dc:Location", "elm:address", "address", 1, 0, ""),
		g("elm:Note", "elm:noteLiteral", "noteLiteral", 1, 0, lang),
		g("elm:Group", "skos:prefLabel", "prefLabel", 1, 0, lang),
		g("cred:VerifiableCredential", "cred:issuer", "issuer", 1, 1, ""),
		g("cred:VerifiableCredential", "cred:credentialSubject", "credentialSubject", 1, 1, ""),
		g("cred:VerifiableCredential", "cred:issued", "issued", 1, 1, dt),
		g("cred:VerifiableCredential", "cred:validFrom", "validFrom", 1, 1, dt),
		g("cred:VerifiableCredential", "cred:credentialSchema", "credentialSchema", 1, 0, ""),
		g("elm:Evidence", "dc:type", "dcType", 1, 1, ""),

		// EDC-accredited.ttl
		{Profile: Accredited, Class: "elm:EuropeanDigitalCredential", Property: "cred:evidence", Term: "evidence", Min: 1},
		{Profile: Accredited, Class: "elm:Person", Property: "elm:hasClaim", Term: "hasClaim", Min: 1, Max: 1, ValueType: "LearningAchievement"},
		{Profile: Accredited, Class: "elm:Evidence", Property: "elm:accreditation", Term: "accreditation", Min: 1, Max: 1},

		// EDC-diplomaSupplement.ttl (which imports the accredited profile)
		{Profile: DiplomaSupplement, Class: "elm:Person", Property: "foaf:fullName", Term: "fullName", Min: 1, Max: 1, Datatype: lang},
		{Profile: DiplomaSupplement, Class: "elm:Person", Property: "elm:dateOfBirth", Term: "dateOfBirth", Min: 1, Max: 1, Datatype: dt},
		{Profile: DiplomaSupplement, Class: "elm:LearningAchievement", Property: "elm:creditReceived", Term: "creditReceived", Min: 1, Max: 1},
		{Profile: DiplomaSupplement, Class: "elm:LearningAchievement", Property: "elm:provenBy", Term: "provenBy", Min: 1, Max: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:ISCEDFCode", Term: "thematicArea", Min: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:awardingOpportunity", Term: "awardingOpportunity", Min: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "dc:language", Term: "language", Min: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:NQFLevel", Term: "nqfLevel", Min: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:maximumDuration", Term: "maximumDuration", Min: 1, Max: 1, Datatype: "xsd:duration"},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:mode", Term: "mode", Min: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:learningOutcome", Term: "learningOutcome", Min: 1},
		{Profile: DiplomaSupplement, Class: "elm:Qualification", Property: "elm:hasPart", Term: "hasPart", Min: 1},

		// EDC-issuedByMandate.ttl
		{Profile: IssuedByMandate, Class: "elm:EuropeanDigitalCredential", Property: "cred:evidence", Term: "evidence", Min: 1},
		{Profile: IssuedByMandate, Class: "elm:Evidence", Property: "elm:evidenceStatement", Term: "evidenceStatement", Min: 1, Max: 1, Datatype: "xsd:string"},

		// EDC-converted.ttl
		{Profile: Converted, Class: "elm:EuropeanDigitalCredential", Property: "cred:evidence", Term: "evidence", Min: 1},
		{Profile: Converted, Class: "elm:Evidence", Property: "elm:embeddedEvidence", Term: "embeddedEvidence", Min: 1},
	}
}

// classesOf returns the classes a node of the given JSON type belongs to,
// its own and its superclasses in ELM.
func classesOf(jsonType string) []string {
	switch jsonType {
	case "Location", "PeriodOfTime":
		return []string{"dc:" + jsonType}
	case "Concept", "ConceptScheme":
		return []string{"skos:" + jsonType}
	case "Geometry":
		return []string{"locn:Geometry"}
	case "VerifiableCredential", "VerifiablePresentation":
		return []string{"cred:" + jsonType}
	case "EuropeanDigitalCredential":
		return []string{"elm:EuropeanDigitalCredential", "cred:VerifiableCredential"}
	case "EuropeanDigitalPresentation":
		return []string{"elm:EuropeanDigitalPresentation", "cred:VerifiablePresentation"}
	case "LearningAchievement", "LearningActivity", "LearningAssessment", "LearningEntitlement":
		return []string{"elm:" + jsonType, "elm:Claim"}
	case "Person", "Organisation":
		return []string{"elm:" + jsonType, "elm:Agent"}
	case "Qualification":
		return []string{"elm:Qualification", "elm:LearningAchievementSpecification", "elm:Specification"}
	case "LearningAchievementSpecification", "LearningActivitySpecification",
		"LearningAssessmentSpecification", "LearningEntitlementSpecification":
		return []string{"elm:" + jsonType, "elm:Specification"}
	}
	return []string{"elm:" + jsonType}
}
