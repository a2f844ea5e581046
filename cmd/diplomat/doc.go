// Command diplomat issues, verifies and keeps European learning credentials:
// the registrar's keys and eSeals, ELM templates and batch issuance, status
// lists, the verifier a recognition officer runs, and the trust registry and
// European trust lists it consults. See README.md and docs/ for its use.
//
// It is only the command line: flags, output and exit codes. Everything it
// does is a call into keys, templates, issuer and verifier; errors.go states
// the message rules.
package main
