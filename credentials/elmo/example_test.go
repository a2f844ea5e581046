package elmo_test

import (
	"context"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/credentials/elmo"
)

// An ELMO transcript becomes an ELM credential per report, with the
// mapping report naming what ELM has no home for.
func ExampleImport() {
	doc := `<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">
  <generatedDate>2025-07-01T12:00:00Z</generatedDate>
  <learner><givenNames>Ana</givenNames><familyName>López</familyName><placeOfBirth>Valencia</placeOfBirth></learner>
  <report>
    <issuer>
      <country>ES</country>
      <identifier type="schac">uv.es</identifier>
      <title xml:lang="es">Universitat de València</title>
      <url>https://www.uv.es</url>
    </issuer>
    <learningOpportunitySpecification>
      <title xml:lang="es">Compiladores</title>
      <type>Course</type>
      <specifies>
        <learningOpportunityInstance>
          <resultLabel>9.5</resultLabel>
          <credit><scheme>ects</scheme><value>6</value></credit>
          <level><type>EQF</type><value>6</value></level>
        </learningOpportunityInstance>
      </specifies>
    </learningOpportunitySpecification>
    <issueDate>2025-07-01T12:00:00Z</issueDate>
  </report>
</elmo>`
	res, err := elmo.Import(context.Background(), []byte(doc), nil)
	if err != nil {
		panic(err)
	}
	c := res.Credentials[0]
	s := elm.Summarise(c.Credential)
	fmt.Println(s.Holder, "|", s.AwardingBody)
	for _, p := range s.Parts {
		fmt.Printf("%s: %s ECTS, grade %s, EQF %d\n", p.Title, p.ECTS, p.Grade, p.EQFLevel)
	}
	fmt.Println(res.Signatures[0])
	for _, u := range c.Report.Unmapped {
		fmt.Println("unmapped:", u.Path)
	}
	// Output:
	// Ana López | Universitat de València
	// Compiladores: 6 ECTS, grade 9.5, EQF 6
	// unsigned: the document has no XML signature, so nothing vouches for its content beyond how it reached you
	// unmapped: /elmo/generatedDate
	// unmapped: /elmo/learner/placeOfBirth
}
