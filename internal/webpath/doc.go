// Package webpath maps the URL of a published document (a did:web DID
// document, a status list) to its place in a folder laid out as HOST/PATH:
// https://registrar.example.edu/status/w3c/1/revocation is
// registrar.example.edu/status/w3c/1/revocation. Such a folder can be
// served as it is by a static web server (one virtual host per HOST
// folder) and read offline by a verifier. Both the writer (diplomat demo,
// diplomat status publish) and the reader (verifier.Documents) use Rel, so
// that they agree. It touches no file.
package webpath
