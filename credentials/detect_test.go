package credentials

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// want is a compact description of a Format for the table:
// "envelope mechanism serialization [kb] [enveloped] [v=version]", or
// "error: substring".
func describe(f Format) string {
	s := fmt.Sprintf("%s %s %s", f.Envelope, f.Mechanism, f.Serialization)
	if f.Mechanism == "" {
		s = fmt.Sprintf("%s unsigned %s", f.Envelope, f.Serialization)
	}
	if f.KeyBinding {
		s += " kb"
	}
	if f.Enveloped {
		s += " enveloped"
	}
	if len(f.Proofs) > 0 {
		s += fmt.Sprintf(" proofs=%d", len(f.Proofs))
	}
	return s
}

func TestDetectReferenceFiles(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		// EDC: JAdES, JWS JSON general serialization, b64:false, sigT, x5c.
		{"elm/Sample-MC-Annex1-signed.jsonld", "credential jades jws-json"},
		{"elm/Sample-CertOfPart-signed.jsonld", "credential jades jws-json"},
		{"elm/edci/credential-signed.jsonld", "credential jades jws-json"},
		{"elm/Sample-MC-Annex1-unsigned.jsonld", "credential unsigned json-ld"},
		{"elm/edci/seal_test_credential.json", "error: no type"},
		// Data Integrity.
		{"vectors/di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json", "credential eddsa-rdfc-2022 json-ld"},
		{"vectors/di-eddsa/TestVectors/eddsa-jcs-2022/signedJCS.json", "credential eddsa-jcs-2022 json-ld"},
		{"vectors/di-eddsa/TestVectors/Ed25519Signature2020/signedEdSig.json", "credential Ed25519Signature2020 json-ld"},
		{"vectors/di-eddsa/TestVectors/proof-set-chain/signedProofSet2.json", "credential eddsa-rdfc-2022 json-ld proofs=2"},
		{"vectors/di-eddsa/TestVectors/unsigned.json", "credential unsigned json-ld"},
		{"vectors/di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/signedECDSAP256.json", "credential ecdsa-rdfc-2019 json-ld"},
		{"vectors/di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/signedECDSAP384.json", "credential ecdsa-rdfc-2019 json-ld"},
		{"vectors/vcdm-2.0-spec-examples/ex30-verifiable-credential-using-the-data-integrity-bbs-cryptosuite-with-a-.json", "credential bbs-2023 json-ld"},
		{"vectors/vcdm-2.0-spec-examples/ex18-basic-structure-of-a-presentation.json", "presentation unsigned json-ld"},
		{"vectors/vcdm-2.0-spec-examples/ex19-basic-structure-of-an-enveloped-verifiable-presentation.json", "presentation vp+jwt json-ld enveloped"},
		{"vectors/vcdm-2.0-spec-examples/ex16-a-verifiable-credential-that-uses-an-enveloping-proof-in-sd-jwt-format.txt", "error: not base64url"},
		{"vectors/vcdm-2.0-spec-examples/ex17-basic-structure-of-a-presentation.txt", "error: looking for an object member name"},
		// VC-JOSE-COSE test suite inputs.
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-jose-minimal.txt", "credential vc+jwt jws-compact"},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-jose-bad-signature.txt", "credential vc+jwt jws-compact"},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-jose-bad-media-type.txt", `error: typ "bad+typ"`},
		{"vectors/vc-jose-cose/test-suite/tests/input/presentation-jose-multiple.txt", "presentation vp+jwt jws-compact"},
		{"vectors/vc-jose-cose/test-suite/tests/input/presentation-jose-bad-media-type.txt", `error: typ "bad+typ"`},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-sdjwt-selective.txt", "credential vc+sd-jwt sd-jwt"},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-sdjwt-bad-media-type.txt", `error: typ "bad+typ"`},
		{"vectors/vc-jose-cose/test-suite/tests/input/presentation-sdjwt-selective.txt", "presentation vp+sd-jwt sd-jwt"},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-cose-minimal.txt", "error: COSE_Sign1"},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-cose-minimal-not-base64.txt", "error: COSE_Sign1"},
		{"vectors/vc-jose-cose/test-suite/tests/input/credential-minimal.json", "credential unsigned json-ld"},
		{"vectors/vc-jose-cose/test-suite/tests/input/presentation-multiple.json", "presentation unsigned json-ld"},
		{"vectors/vc-jose-cose/test-suite/tests/input/vm-p256.json", "error: neither VerifiableCredential nor VerifiablePresentation"},
		// SD-JWT (RFC 9901) and SD-JWT VC.
		{"vectors/sd-jwt/rfc9901-draft22/01-issuance-issuer-signed-jwt.txt", "error: no '~'"},
		{"vectors/sd-jwt/rfc9901-draft22/02-issuance-sd-jwt.txt", "credential sd-jwt sd-jwt"},
		{"vectors/sd-jwt/rfc9901-draft22/03-presentation-sd-jwt+kb.txt", "credential sd-jwt sd-jwt kb"},
		{"vectors/sd-jwt/rfc9901-draft22/06-sd-jwt-based-verifiable-credentials-sd-jwt-vc-sd-jwt.txt", "credential dc+sd-jwt sd-jwt"},
		{"vectors/sd-jwt/rfc9901-draft22/07-sd-jwt-based-verifiable-credentials-sd-jwt-vc-sd-jwt+kb.txt", "credential dc+sd-jwt sd-jwt kb"},
		{"vectors/sd-jwt/rfc9901-draft22/08-w3c-verifiable-credentials-data-model-v2-0-sd-jwt.txt", "credential sd-jwt sd-jwt"},
		{"vectors/sd-jwt/sd-jwt-vc-draft/01-issuance-sd-jwt.txt", "credential dc+sd-jwt sd-jwt"},
		{"vectors/sd-jwt/sd-jwt-vc-draft/02-presentation-sd-jwt+kb.txt", "credential dc+sd-jwt sd-jwt kb"},
		{"vectors/sd-jwt/sd-jwt-vc-draft/03-presentation-sd-jwt.txt", "credential dc+sd-jwt sd-jwt"},
		// VC-JWT (VC 1.1), typ JWT with a vc / vp claim.
		{"vectors/vc-jwt-1.1/generated/vc.jwt", "credential jwt_vc_json jws-compact"},
		{"vectors/vc-jwt-1.1/generated/vp.jwt", "presentation jwt_vp_json jws-compact"},
		{"vectors/vc-jwt-1.1/vcdm-1.1-spec-examples/ex29-verifiable-credential-using-jwt-compact-serialization-non-normative.txt", "error: not base64url"}, // wrapped over lines
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			data := reftest.Read(t, strings.Split(tc.file, "/")...)
			f, err := Detect(data)
			if sub, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), sub) {
					t.Fatalf("Detect = %+v, %v; want an ErrMalformed error saying %q", f, err, sub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(f); got != tc.want {
				t.Errorf("Detect = %q, want %q (%+v)", got, tc.want, f)
			}
		})
	}
}

func TestDetectReadsVersionsAndHeaders(t *testing.T) {
	f, err := Detect(reftest.Read(t, "elm", "Sample-MC-Annex1-signed.jsonld"))
	if err != nil || f.Alg != "RS256" || f.Version != Version11 {
		t.Errorf("EDC: %+v %v", f, err)
	}
	f, err = Detect(reftest.Read(t, "vectors", "vc-jwt-1.1", "generated", "vc.jwt"))
	if err != nil || f.Typ != "JWT" || f.Alg != "EdDSA" || f.Version != Version11 {
		t.Errorf("vc.jwt: %+v %v", f, err)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDetectSyntheticInputs(t *testing.T) {
	vc := b64(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}`)
	claims := b64(`{"iss":"did:x:1","vc":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"]}}`)
	kb := b64(`{"alg":"ES256","typ":"kb+jwt"}`) + "." + b64(`{"nonce":"n"}`) + ".c2ln"
	tests := []struct {
		name, in, want string
	}{
		{"whitespace around", "\n\t " + b64(`{"alg":"ES256","typ":"vc+jwt"}`) + "." + vc + ".c2ln \r\n", "credential vc+jwt jws-compact"},
		{"typ with application/ prefix", b64(`{"alg":"ES256","typ":"application/vp+jwt"}`) + "." + vc + ".c2ln", "presentation vp+jwt jws-compact"},
		{"absent typ with vc claim", b64(`{"alg":"ES256"}`) + "." + claims + ".c2ln", "credential jwt_vc_json jws-compact"},
		{"JWT without vc claim", b64(`{"alg":"ES256","typ":"JWT"}`) + "." + b64(`{"iss":"x"}`) + ".c2ln", "error: JWT claims with vc or vp"},
		{"alg none", b64(`{"alg":"none","typ":"vc+jwt"}`) + "." + vc + ".", "error: alg \"none\""},
		{"no alg", b64(`{"typ":"vc+jwt"}`) + "." + vc + ".c2ln", "error: without alg"},
		{"two parts", b64(`{"alg":"ES256","typ":"vc+jwt"}`) + "." + vc, "error: 2 dot-separated parts"},
		{"header not JSON", b64(`{"alg":`) + "." + vc + ".c2ln", "error: header"},
		{"header duplicate alg", b64(`{"alg":"ES256","alg":"none","typ":"vc+jwt"}`) + "." + vc + ".c2ln", "error: duplicate member name"},
		{"sd-jwt with key binding", b64(`{"alg":"ES256","typ":"dc+sd-jwt"}`) + "." + b64(`{"vct":"x"}`) + ".c2ln~WyJhIl0~" + kb, "credential dc+sd-jwt sd-jwt kb"},
		{"sd-jwt bad kb typ", b64(`{"alg":"ES256","typ":"dc+sd-jwt"}`) + "." + b64(`{"vct":"x"}`) + ".c2ln~" + b64(`{"alg":"ES256","typ":"JWT"}`) + ".e30.c2ln", "error: kb+jwt"},
		{"sd-jwt bad disclosure", b64(`{"alg":"ES256","typ":"dc+sd-jwt"}`) + "." + b64(`{"vct":"x"}`) + ".c2ln~a b~", "error: disclosure 1"},
		{"flattened JWS JSON vc+jwt", `{"payload":"` + vc + `","protected":"` + b64(`{"alg":"ES256","typ":"vc+jwt"}`) + `","signature":"c2ln"}`, "credential vc+jwt jws-json-flattened"},
		{"JAdES by etsiU", `{"payload":"` + vc + `","protected":"` + b64(`{"alg":"ES256"}`) + `","header":{"etsiU":[]},"signature":"c2ln"}`, "credential jades jws-json-flattened"},
		{"JWS JSON plain", `{"payload":"` + vc + `","signatures":[{"protected":"` + b64(`{"alg":"ES256"}`) + `","signature":"c2ln"}]}`, "error: no JAdES header"},
		{"JWS JSON detached", `{"signatures":[{"protected":"` + b64(`{"alg":"ES256","sigT":"2024-01-01T00:00:00Z"}`) + `","signature":"c2ln"}]}`, "error: detached payload"},
		{"JWS JSON empty signatures", `{"payload":"` + vc + `","signatures":[]}`, "error: non-empty array"},
		{"DataIntegrityProof without cryptosuite", `{"type":"VerifiableCredential","proof":{"type":"DataIntegrityProof"}}`, "error: without a cryptosuite"},
		{"proof without type", `{"type":"VerifiableCredential","proof":[{"cryptosuite":"x"}]}`, "error: proof without a type"},
		{"enveloped credential", `{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"data:application/vc+sd-jwt,eyJ"}`, "credential vc+sd-jwt json-ld enveloped"},
		{"enveloped without data URL", `{"type":"EnvelopedVerifiableCredential","id":"https://x"}`, "error: without a data: URL"},
		{"malformed JSON", `{"type":`, "error: unexpected end of input"},
		{"a JSON array", `[1]`, "error: not JSON, a JWS or an SD-JWT"},
		{"empty", " \n ", "error: empty input"},
		{"random text", "hello world", `error: starts with "hello world"`},
		{"PEM", "-----BEGIN CERTIFICATE-----\nMIIB", `error: starts with`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect([]byte(tc.in))
			if sub, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), sub) {
					t.Fatalf("Detect = %+v, %v; want an ErrMalformed error saying %q", f, err, sub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(f); got != tc.want {
				t.Errorf("Detect = %q, want %q", got, tc.want)
			}
		})
	}
}

func ExampleDetect() {
	f, err := Detect([]byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "type": ["VerifiableCredential"],
	  "issuer": "did:example:university",
	  "credentialSubject": {"id": "did:example:student"},
	  "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z…"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Envelope, f.Mechanism, f.Serialization, f.Version)
	// Output: credential eddsa-rdfc-2022 json-ld 2.0
}

// BenchmarkDetect measures Detect on the 150 KB JAdES-signed EDC sample
// against json.Unmarshal into any of the same bytes (what a naive detector
// would do at the least). The two alternate in each iteration, so that the
// ratio holds on a loaded machine.
func BenchmarkDetect(b *testing.B) {
	data := reftest.Read(b, "elm", "Sample-MC-Annex1-signed.jsonld")
	b.SetBytes(int64(len(data)))
	var detect, unmarshal time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Detect(data); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
		detect += t1.Sub(t0)
		unmarshal += time.Since(t1)
	}
	b.ReportMetric(float64(detect.Nanoseconds())/float64(b.N), "detect-ns/op")
	b.ReportMetric(float64(detect)/float64(unmarshal), "x-unmarshal")
}

func FuzzDetect(f *testing.F) {
	vc := b64(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}`)
	f.Add([]byte(b64(`{"alg":"ES256","typ":"vc+jwt"}`) + "." + vc + ".c2ln"))
	f.Add([]byte(b64(`{"alg":"ES256","typ":"dc+sd-jwt"}`) + "." + vc + ".c2ln~WyJhIl0~"))
	f.Add([]byte(`{"payload":"` + vc + `","signatures":[{"protected":"` + b64(`{"alg":"ES256","sigT":"x"}`) + `","signature":"c2ln"}]}`))
	f.Add([]byte(`{"type":"VerifiableCredential","proof":[{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, err := Detect(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
			return
		}
		if fm.Envelope != EnvelopeCredential && fm.Envelope != EnvelopePresentation || fm.Serialization == "" {
			t.Fatalf("incomplete format %+v", fm)
		}
		if fm.Serialization != SerializationJSONLD && fm.Mechanism == "" {
			t.Fatalf("signed serialization without a mechanism: %+v", fm)
		}
	})
}
