//go:build linux

package issuer

import (
	"syscall"

	"go.etcd.io/bbolt"
)

// releaseMapped tells the kernel that the process no longer needs the pages
// of the store file it has mapped (madvise MADV_DONTNEED on bbolt's
// read-only shared mapping): they leave the process's resident set and stay
// in the page cache, and the next read of one maps it again, unchanged. A
// batch records its credentials under random idempotency keys, so over a
// million rows it reads every page of the store once; without this the
// whole file (about a kilobyte a credential) would count in the batch's
// memory. It is called inside a transaction, which keeps the mapping in
// place. Errors are ignored: the advice is only advice.
func releaseMapped(tx *bbolt.Tx) {
	data, size := tx.DB().Info().Data, tx.Size()
	if data == 0 || size <= 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, data, uintptr(size), syscall.MADV_DONTNEED)
}
