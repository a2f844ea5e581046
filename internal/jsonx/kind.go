package jsonx

import (
	"encoding/json"
	"fmt"
)

// Kind names the JSON kind of a decoded value for a message: "null", "a
// string", "a number", "a boolean", "an array" or "an object" (Go's type
// name for anything else).
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64, int, int64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
