package oid4vctest

import "github.com/diplomat-edu/diplomat/internal/flowtime"

// The timers of the benchmarks are internal/flowtime's, which the
// service's benchmarks share.
type (
	Timer         = flowtime.Timer
	Timers        = flowtime.Timers
	TimedRecords  = flowtime.TimedRecords
	TimedIssuer   = flowtime.TimedIssuer
	TimedVerifier = flowtime.TimedVerifier
	TimedSigner   = flowtime.TimedSigner
)
