package jsonld

// pins is the table of accepted contexts: URL → the SHA-256 digests (lower-case
// hex, of the exact bytes) of the versions Diplomat accepts for it. A URL has
// several digests where the same context legitimately exists in more than one
// byte form (an npm package copy and the W3C repository copy, or the copy
// aries-framework-go embeds). A context that is not here is refused, whatever
// its source.
//
// To accept a new context, or a new version of one, add its digest here with
// a comment naming where the bytes come from; TestPinsMatchReferenceContexts
// and TestBuiltinContextsArePinned keep the table honest.
var pins = map[string][]string{
	// W3C VC Data Model 1.1.
	"https://www.w3.org/2018/credentials/v1": {
		"00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8", // @digitalbazaar/credentials-context@3.2.0 contexts/v1.jsonld
		"8524322c2d539564f48540d263faa528a216d3de94f2bcb350a493ca720345f6", // aries-framework-go v0.3.2 embed
	},
	"https://www.w3.org/2018/credentials/examples/v1": {
		"73bebae22e70ebb4466ac2e1f3e3b35c43436217623b51ff3e1b567e1aff4ba2", // @digitalbazaar/credentials-examples-context@1.0.0
	},
	// W3C VC Data Model 2.0.
	"https://www.w3.org/ns/credentials/v2": {
		"8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f", // @digitalbazaar/credentials-context@3.2.0 contexts/v2.jsonld
		"59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734", // w3c/vc-data-model contexts/credentials/v2 @979c4af (raw bytes)
		"24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9", // w3c/vc-data-model @8d0ee10 (2024-07), pinned by the VC 2.0 test suite
	},
	"https://www.w3.org/ns/credentials/undefined-terms/v2": {
		"82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581", // @digitalbazaar/credentials-context@3.2.0
	},
	"https://www.w3.org/ns/credentials/examples/v2": {
		"57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c", // w3c/vc-data-model @979c4af
	},
	"https://www.w3.org/ns/credentials/status/v1": {
		"fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c", // @digitalbazaar/vc-bitstring-status-list-context@1.1.0
	},
	// Data Integrity and key formats.
	"https://w3id.org/security/data-integrity/v1": {
		"b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554", // @digitalbazaar/data-integrity-context@2.0.1
	},
	"https://w3id.org/security/data-integrity/v2": {
		"0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363", // @digitalbazaar/data-integrity-context@2.0.1
	},
	"https://w3id.org/security/multikey/v1": {
		"c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6", // @digitalbazaar/multikey-context@2.0.1
	},
	"https://w3id.org/security/suites/ed25519-2020/v1": {
		"b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588", // ed25519-signature-2020-context@1.1.0, same bytes in aries
	},
	"https://w3id.org/security/v1": {
		"abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47", // security-context@4.0.0
		"1feed0a3db44c9cbf32ac48dc9cd606d7908181c9ce1d5b5a045cbca25cbb03b", // aries-framework-go v0.3.2 embed
	},
	"https://w3id.org/security/v2": {
		"611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b", // security-context@4.0.0
		"1319f0215f72395a0212df35801b76ee610e30ba9bade17e9bfbcc6cb2631450", // aries-framework-go v0.3.2 embed
	},
	// Status lists.
	"https://w3id.org/vc/status-list/2021/v1": {
		"634d71c159289f068c96012e4511c657fdf82ac4231900081bda3ba24e2e1160", // @digitalbazaar/vc-status-list-context@3.1.1
		"6dd06a52bedb771e059c1083ba8ba7848dce22f6b4a8cfa0b98ba3fc188870e4", // aries-framework-go v0.3.2 embed
	},
	// Examples used by the W3C Data Integrity test vectors.
	"https://w3id.org/citizenship/v4rc1": {
		"a89b0bc00b1848ac3dfdf956c7dd5de8567e755351c07ec6a1c2b4a08b67953b", // @digitalbazaar/citizenship-context@4.1.0
	},
	// European Learning Model: the EDC application-profile context.
	"http://data.europa.eu/snb/model/context/edc-ap": {
		"528f8a0e86dbbec7db2216c61806e6311feedac77a51d1a38b0a1d49e4c337fb", // european-commission-empl/European-Learning-Model @9d7c5d2
	},

	// The other contexts aries-framework-go v0.3.2 embeds, byte for byte.
	"https://www.w3.org/ns/did/v1":                                    {"adefa50311393eb1bd788a38ac9fe2696c65367928f6996812cd54577394f4da"},
	"https://w3id.org/did/v0.11":                                      {"c77cc9e1d5cb317c74b07e9857d6a13dad9f8731558b81890e8b041a4494a520"},
	"https://w3id.org/did/v1":                                         {"6b8fb1df82288ea9b738fe90ec999ee7e20c5492330b30627671f8d70e2d5825"},
	"https://w3id.org/did-resolution/v1":                              {"ab456c9361e7516727d9a7d4b3fde231ddab09fa07530ec37342a0c20d8d072a"},
	"https://w3id.org/wallet/v1":                                      {"434099f7c89013608f663248747ad0fe86dbf85f12ca192bfbf05b60ef35dffa"},
	"https://w3id.org/security/bbs/v1":                                {"5b7962615e25ff643b35bd8b09ee067f790cfa3ba4436396b0cbfcacaa4b177b"},
	"https://w3id.org/security/suites/bls12381-2020/v1":               {"5b7962615e25ff643b35bd8b09ee067f790cfa3ba4436396b0cbfcacaa4b177b"},
	"https://w3id.org/security/jws/v1":                                {"ab9f42151c8b0bde025beeb44cf2ecff1fa8c9e2fb42eb751feaf9730ca9b741"},
	"https://w3id.org/security/suites/jws-2020/v1":                    {"ab9f42151c8b0bde025beeb44cf2ecff1fa8c9e2fb42eb751feaf9730ca9b741"},
	"https://w3id.org/vc-revocation-list-2020/v1":                     {"75562b6e92cdb732bd685863a13acacac22c16b463433a82602f1a957d5da3f4"},
	"https://identity.foundation/presentation-exchange/submission/v1": {"b1eca33f5c6e0ffc594302efb66be3257e489fe1f534cb9b9fbcea3d52dcd571"},
	"https://w3id.org/security/suites/ed25519-2018/v1":                {"38978a9a996fa073cfbc97b744e158c4b1ff2822df0a4cf199794c8a338d74ba"},
	"https://w3id.org/security/suites/x25519-2019/v1":                 {"83d50dfff2571041f71ba5c472077765819955b1bc4d172716f7148b22645656"},
	"https://w3id.org/security/suites/secp256k1-2019/v1":              {"a9b9b45c04ed02f4f56b33ea6b67bbb6a063a7faaca1d77d2656816ecdcecd8f"},
	"https://identity.foundation/credential-manifest/response/v1":     {"bc76e04e797fd25f7b0967b9a92812eb3abf6132d8409a0784f535c3555baad2"},
	"https://identity.foundation/credential-manifest/application/v1":  {"e4761de9eecb45874bfc5ab44f73b40a45bf71bc6837584e1cc3d71e5a4a2fc6"},
}

// Pinned reports the digests accepted for url (lower-case hex SHA-256), or
// nil if url is not pinned. The returned slice is a copy.
func Pinned(url string) []string {
	d := pins[url]
	if d == nil {
		return nil
	}
	return append([]string(nil), d...)
}

// PinnedURLs returns every pinned context URL, sorted.
func PinnedURLs() []string {
	urls := make([]string, 0, len(pins))
	for u := range pins {
		urls = append(urls, u)
	}
	sortStrings(urls)
	return urls
}
