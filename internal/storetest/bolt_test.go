package storetest

import (
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/keys"
)

// TestBoltStore runs the behaviours against a store file.
func TestBoltStore(t *testing.T) {
	Run(t, Backend{Name: "bbolt", New: func(t *testing.T) (*keys.Store, func(t *testing.T) *keys.Store) {
		path := filepath.Join(t.TempDir(), keys.DefaultFile)
		open := func(t *testing.T) *keys.Store {
			s, err := keys.Open(path, &keys.Options{KDF: CheapKDF})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(t), open
	}})
}
