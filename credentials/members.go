package credentials

import (
	"encoding/json"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// memberFold returns the value of the member of the JSON object raw that
// encoding/json would decode into a struct field tagged name: the last one
// whose name equals name, ignoring case. It splits the object without
// decoding its values, which matters for a credentialSubject of a hundred
// kilobytes. nil when there is none or raw is not an object; raw must be
// valid JSON (every Credential member is).
func memberFold(raw json.RawMessage, name string) json.RawMessage {
	var v json.RawMessage
	_ = jsonx.Members(raw, func(n string, value []byte) bool {
		if n == name || strings.EqualFold(n, name) {
			v = value
		}
		return true
	})
	return v
}

// lastMember returns the value of the last member of the JSON object raw
// named exactly name, as decoding raw into a map[string]any keeps it; nil
// when there is none.
func lastMember(raw json.RawMessage, name string) json.RawMessage {
	var v json.RawMessage
	_ = jsonx.Members(raw, func(n string, value []byte) bool {
		if n == name {
			v = value
		}
		return true
	})
	return v
}
