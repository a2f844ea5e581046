package openid4vc_test

import (
	"encoding/json"

	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

func jsonB64(v any) (string, error) {
	b, err := json.Marshal(v)
	return jwt.B64.EncodeToString(b), err
}
