// Package jsonx reads untrusted JSON with limits: a maximum size, a maximum
// nesting depth, no duplicate object member names, and strict strings (valid
// UTF-8, no lone surrogates). Every parser in Diplomat that reads outside
// input goes through it before decoding, so that a hostile document fails
// early with an error naming the byte offset and the JSON path.
//
// Check is a single-pass byte scanner that builds nothing: it is cheaper than
// decoding, so calling it first costs little. It is not a JSON library of its
// own: after the checks, typed values are decoded by encoding/json (Decode).
// The one exception is DecodeAny, which builds the generic values
// encoding/json would (map[string]any, []any, json.Number…) from checked
// input several times faster, for readers that walk a whole document.
package jsonx
