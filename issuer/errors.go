package issuer

import "errors"

// Errors callers branch on with errors.Is.
var (
	// ErrNotConfigured is returned when the store has no issuer
	// configuration yet (see SaveConfig).
	ErrNotConfigured = errors.New("issuer not configured")
	// ErrInvalidConfig is wrapped when a Config breaks a rule.
	ErrInvalidConfig = errors.New("invalid issuer configuration")
	// ErrUnknownProfile is wrapped for a profile or proof name that does
	// not exist, or a proof a profile does not offer.
	ErrUnknownProfile = errors.New("unknown profile")
	// ErrNoKey is wrapped when no key fits a profile, or the named key does
	// not fit it (wrong type, no certificate for edc).
	ErrNoKey = errors.New("no suitable signing key")
	// ErrSealMismatch is wrapped when the institution configured does not
	// match the subject of the eSeal certificate (profile edc).
	ErrSealMismatch = errors.New("institution does not match the eSeal certificate")
	// ErrInvalidInput is wrapped when records fail validation; the error is
	// then a *templates.RecordsError.
	ErrInvalidInput = errors.New("invalid input")
	// ErrInputChanged is wrapped when the input of a batch is not the same
	// in its signing pass as in its validation pass (a file changed while
	// the batch ran): run the batch again.
	ErrInputChanged = errors.New("the input changed while the batch ran")
	// ErrNotFound is wrapped when a credential id is not in the register.
	ErrNotFound = errors.New("credential not found in the register")
	// ErrState is wrapped when a status change does not apply to the
	// credential's state: reinstating one that is not suspended, suspending
	// or revoking one already revoked.
	ErrState = errors.New("status change not allowed")
)
