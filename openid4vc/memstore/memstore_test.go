package memstore_test

import (
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/memstore"
	"github.com/diplomat-edu/diplomat/openid4vc/storetest"
)

func TestRecordsContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) openid4vc.Records {
		return memstore.New(now)
	})
}
