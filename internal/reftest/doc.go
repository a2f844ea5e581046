// Package reftest locates the outside reference data that tests read by path
// (../shared/reference beside the project, see ../shared/reference/SOURCES.md).
//
// It is for tests only. The folder is found, in order, at $DIPLOMAT_REFERENCE or at
// ../shared/reference next to the module root. Where it is absent, tests that need it
// are skipped with a message saying so; with DIPLOMAT_REFERENCE_REQUIRED=1 (set by
// .ci/run) they fail instead, so that CI always runs every vector.
package reftest
