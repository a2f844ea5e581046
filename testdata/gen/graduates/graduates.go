// Package graduates generates synthetic graduates as CSV for the diploma
// template, for tests and benchmarks of batch issuance. Every row is valid;
// names include accents, apostrophes, commas and quotes, so that CSV quoting
// is exercised. The same n and seed give the same bytes.
//
// It is not a source of realistic data: names, programmes and grades are
// drawn from small lists.
package graduates

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Header is the CSV header row Graduates writes.
var Header = []string{"id", "givenName", "familyName", "dateOfBirth", "title.en", "title.fr", "awardDate", "eqf", "isced", "ects", "grade", "gradingScheme"}

type programme struct {
	en, fr string
	eqf    int
	isced  string
	ects   string
}

func programmes() []programme {
	return []programme{
		{"Bachelor of Science in Computer Science", "Licence Informatique", 6, "0613", "180"},
		{"Master of Science in Computer Science", "Master Informatique", 7, "0613", "120"},
		{"Bachelor of Laws", "Licence de droit", 6, "0421", "180"},
		{"Master of Arts in History", "Master Histoire", 7, "0222", "120"},
		{"Bachelor of Science in Nursing", "Diplôme d'État d'infirmier", 6, "0913", "180"},
		{"Master of Engineering in Civil Engineering", "Master Génie civil", 7, "0732", "120"},
		{"Doctor of Philosophy in Physics", "Doctorat de physique", 8, "0533", "180"},
		{"Bachelor of Business Administration", "Licence Gestion", 6, "0413", "180"},
	}
}

func givenNames() []string {
	return []string{"Camille", "Léa", "Hugo", "Zoë", "Jonas", "Marta", "Seán", "Ana", "Luca", "Ines", "Mateusz", "Sofía", "Noah", "Élodie", "Björn", "Aoife"}
}

func familyNames() []string {
	return []string{"Dupont", "Martin", "O'Brien", "Müller", "Kowalska, née Nowak", "García López", "Rossi", "Ó Briain", "van der Berg", "Lefèvre", "Nowak", `Bernard "Hugues"`, "Papadopoulou", "Novák", "Jensen", "Silva"}
}

// Graduates returns a CSV file (comma-separated, UTF-8, with header) of n
// synthetic graduates for the diploma template. Identifiers are unique
// within the file.
func Graduates(n int, seed int64) []byte {
	var b bytes.Buffer
	_ = Write(&b, n, seed) // a bytes.Buffer does not fail
	return b.Bytes()
}

// Write writes what Graduates returns to out, a row at a time: a file of
// any size in little memory.
func Write(out io.Writer, n int, seed int64) error {
	r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	ps, gs, fs := programmes(), givenNames(), familyNames()
	w := csv.NewWriter(out)
	if err := w.Write(Header); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		p := ps[r.IntN(len(ps))]
		birth := fmt.Sprintf("%04d-%02d-%02d", 1990+r.IntN(14), 1+r.IntN(12), 1+r.IntN(28))
		grade := strconv.FormatFloat(float64(100+r.IntN(81))/10, 'f', -1, 64) // 10.0 to 18.0
		_ = w.Write([]string{
			fmt.Sprintf("urn:schac:personalUniqueCode:int:esi:fr:%08d", seed%1000*100000000+int64(i)),
			gs[r.IntN(len(gs))],
			fs[r.IntN(len(fs))],
			birth,
			p.en, p.fr,
			"2025-07-01",
			strconv.Itoa(p.eqf),
			p.isced,
			p.ects,
			grade,
			"fr-20",
		})
	}
	w.Flush()
	return w.Error()
}
