package ebsi

import (
	"runtime"
	"syscall"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread, and a function
// to release the thread, so that a benchmark on a shared machine can report
// the time its own work took beside the wall-clock time.
func threadCPU() (func() time.Duration, func()) {
	runtime.LockOSThread()
	now := func() time.Duration {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_THREAD, &ru) != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return now, runtime.UnlockOSThread
}
