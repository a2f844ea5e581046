package jsonx

import "bytes"

// CompactValid removes the whitespace between the tokens of doc, which
// Check accepted (valid JSON, so a string starts and ends at an
// unescaped quote). It returns doc itself when there is none to remove, and
// otherwise a copy; it reads doc once, skipping string contents with
// IndexByte.
func CompactValid(doc []byte) []byte {
	var out []byte // nil until the first whitespace outside strings
	start := 0     // doc[start:k] is not yet copied to out
	for k := 0; k < len(doc); k++ {
		switch doc[k] {
		case '"':
			// Skip to the closing quote: the next quote not escaped.
			for k++; k < len(doc); k++ {
				q := bytes.IndexByte(doc[k:], '"')
				if q < 0 {
					k = len(doc)
					break
				}
				k += q
				bs := 0
				for j := k - 1; j >= 0 && doc[j] == '\\'; j-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
		case ' ', '\t', '\n', '\r':
			if out == nil {
				out = make([]byte, 0, len(doc))
			}
			out = append(out, doc[start:k]...)
			start = k + 1
		}
	}
	if out == nil {
		return doc
	}
	return append(out, doc[start:]...)
}
