//go:build !linux

package ebsi

import "time"

// threadCPU is not measured off Linux: it reports zero.
func threadCPU() (func() time.Duration, func()) {
	return func() time.Duration { return 0 }, func() {}
}
