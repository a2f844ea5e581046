package templates

// OrganisationJSON returns inst as the ELM Organisation the built-in
// templates write as a credential's issuer: id (the institution's DID),
// legal name, registration, location (its free text in language lang),
// homepage, e-mail and logo. Other producers of ELM credentials (the ELMO
// import) use it so that every credential names its issuer alike.
func OrganisationJSON(inst Institution, lang string) ([]byte, error) {
	t := &Template{lang: lang}
	r, err := t.organisationJSON(&inst)
	return []byte(r), err
}
