package elmo

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// pdf is a tiny PDF, base64: attachments whose content decodes.
const pdf = "JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2JqCjIgMCBvYmo8PC9UeXBlL1BhZ2VzL0tpZHNbXS9Db3VudCAwPj5lbmRvYmoKdHJhaWxlcjw8L1Jvb3QgMSAwIFI+PgolJUVPRgo="

// genELMO writes an ELMO document whose report has n course units, every
// one with what the mapping carries: identifiers, titles in two languages,
// type, ISCED-F, URL, description, and an instance with dates, term,
// status, grading scheme, grade, shortened grading, distribution, ECTS,
// EQF and NQF levels, language, hours, an attachment and a grouping; plus a
// degree programme with a diploma supplement, attachments and groups.
func genELMO(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">
  <generatedDate>2025-07-01T12:00:00+02:00</generatedDate>
  <learner>
    <citizenship>FR</citizenship>
    <identifier type="esi">urn:schac:personalUniqueCode:int:esi:fr:20190042</identifier>
    <identifier type="nationalIdentifier">1850712345678</identifier>
    <givenNames>Camille Anne</givenNames>
    <familyName>Dupont</familyName>
    <bday>2001-04-17</bday>
    <birthName>Camille Anne Martin</birthName>
    <gender>2</gender>
  </learner>
  <report>
    <issuer>
      <country>FR</country>
      <identifier type="schac">univ-exemple.fr</identifier>
      <identifier type="erasmus">F PARIS999</identifier>
      <identifier type="pic">999999999</identifier>
      <identifier type="address">1 rue de l'Exemple, 75005 Paris, France</identifier>
      <title xml:lang="fr">Université Exemple</title>
      <title xml:lang="en">Example University</title>
      <url>https://www.univ-exemple.fr</url>
    </issuer>
    <learningOpportunitySpecification>
      <identifier type="local">MSC-INF</identifier>
      <title xml:lang="en">Master of Science in Computer Science</title>
      <title xml:lang="fr">Master Informatique</title>
      <type>Degree Programme</type>
      <iscedCode>0613</iscedCode>
      <specifies>
        <learningOpportunityInstance>
          <date>2025-06-30</date>
          <status>passed</status>
          <credit>
            <scheme>ects</scheme>
            <value>120</value>
          </credit>
          <level>
            <type>EQF</type>
            <value>7</value>
          </level>
          <diplomaSupplement xml:lang="en">
            <version>2018</version>
            <issueDate>2025-07-01</issueDate>
            <introduction>This Diploma Supplement model was developed by the European Commission</introduction>
            <section number="2">
              <title>Information identifying the qualification</title>
              <section number="2.1">
                <title>Name of qualification</title>
                <content>Master Informatique</content>
                <additionalInformation>A national diploma</additionalInformation>
              </section>
            </section>
          </diplomaSupplement>
        </learningOpportunityInstance>
      </specifies>
    </learningOpportunitySpecification>
`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `    <learningOpportunitySpecification>
      <identifier type="local">INF-%03d</identifier>
      <identifier type="ewp-los-id">CR/%d</identifier>
      <title xml:lang="en">Course unit %d</title>
      <title xml:lang="fr">Unité d'enseignement %d</title>
      <type>Course</type>
      <subjectArea>11.3</subjectArea>
      <iscedCode>0613</iscedCode>
      <url>https://www.univ-exemple.fr/courses/%d</url>
      <description xml:lang="en">What course unit %d teaches.</description>
      <specifies>
        <learningOpportunityInstance>
          <identifier type="ewp-loi-id">CRI/%d</identifier>
          <start>2024-09-01</start>
          <date>2025-01-20</date>
          <academicTerm>
            <title xml:lang="en">Autumn 2024</title>
            <title xml:lang="fr">Automne 2024</title>
            <start>2024-09-01</start>
            <end>2025-01-31</end>
          </academicTerm>
          <status>passed</status>
          <gradingSchemeLocalId>fr-20</gradingSchemeLocalId>
          <resultLabel>%d</resultLabel>
          <shortenedGrading>
            <percentageLower>60</percentageLower>
            <percentageEqual>25</percentageEqual>
            <percentageHigher>15</percentageHigher>
          </shortenedGrading>
          <resultDistribution>
            <category count="3" label="0-5"/>
            <category count="12" label="5-10"/>
            <category count="40" label="10-15"/>
            <category count="9" label="15-20"/>
            <description xml:lang="en">All students of the unit</description>
          </resultDistribution>
          <credit>
            <scheme>ects</scheme>
            <value>%d.5</value>
          </credit>
          <level>
            <type>EQF</type>
            <value>7</value>
          </level>
          <level>
            <type>NQF</type>
            <description xml:lang="en">Cadre national des certifications</description>
            <value>7</value>
          </level>
          <languageOfInstruction>fr</languageOfInstruction>
          <engagementHours>%d.5</engagementHours>
          <attachments>
            <ref>syllabus</ref>
          </attachments>
          <grouping typeref="1" idref="%d"/>
        </learningOpportunityInstance>
      </specifies>
    </learningOpportunitySpecification>
`, i, i, i, i, i, i, i, 10+i%10, 3+i%5, 20+i%20, 1+i%2)
	}
	b.WriteString(`    <issueDate>2025-07-01T10:00:00+02:00</issueDate>
    <gradingScheme localId="fr-20">
      <description xml:lang="en">Grades from 0 to 20 (10 to pass)</description>
      <description xml:lang="fr">Notes de 0 à 20</description>
    </gradingScheme>
    <attachment>
      <identifier type="internal">syllabus</identifier>
      <title xml:lang="en">Syllabus</title>
      <type>Other</type>
      <content>data:application/pdf;base64,` + pdf + `</content>
    </attachment>
    <attachment>
      <title xml:lang="en">Transcript of records</title>
      <type>Transcript of Records</type>
      <description xml:lang="en">The transcript as printed</description>
      <content>data:application/pdf;base64,` + pdf + `</content>
    </attachment>
  </report>
  <attachment>
    <title xml:lang="en">EMREX transcript</title>
    <type>EMREX transcript</type>
    <content>data:application/pdf;base64,` + pdf + `</content>
  </attachment>
  <groups>
    <groupType id="1">
      <title xml:lang="en">By category</title>
      <group id="1">
        <title xml:lang="en">Mandatory subjects</title>
      </group>
      <group id="2">
        <title xml:lang="en">Optional subjects</title>
      </group>
    </groupType>
  </groups>
</elmo>
`)
	return []byte(b.String())
}

// testSigner is a key and a self-signed test certificate.
type testSigner struct {
	key  crypto.Signer
	cert *x509.Certificate
}

func newTestSigner(t testing.TB, ec bool, cn string) *testSigner {
	t.Helper()
	var key crypto.Signer
	var err error
	if ec {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: cn, Organization: []string{"Université Exemple"}, Country: []string{"FR"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testSigner{key: key, cert: cert}
}

// sign returns data with an enveloped XML-DSig signature (exclusive C14N,
// SHA-256) on its root element, as an ELMO server signs.
func (s *testSigner) sign(t testing.TB, data []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	ctx, err := dsig.NewSigningContext(s.key, [][]byte{s.cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	doc.SetRoot(signed)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
