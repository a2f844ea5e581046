// Package suggest finds the name a person probably meant when they typed a
// column, member or flag value that does not exist ("did you mean ects?"),
// by edit distance. It is not a spelling corrector.
package suggest
