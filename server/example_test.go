package server_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Example serves a configured store as diplomat serve does: configuration
// from a file and the environment, the store unlocked, the verifier
// trusting the store's registry, until SIGTERM.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := server.LoadConfig("/etc/diplomat/serve.yaml")
	if err != nil {
		panic(err)
	}
	if err := cfg.ApplyEnv(os.Getenv); err != nil {
		panic(err)
	}
	if err := cfg.Defaults(); err != nil {
		panic(err)
	}
	s, err := keys.Open("/var/lib/diplomat/diplomat.db", nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	if err := s.Unlock([]byte(os.Getenv("DIPLOMAT_PASSPHRASE"))); err != nil {
		panic(err)
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		panic(err)
	}
	srv, err := server.New(server.Options{
		Config: *cfg, Store: s, Issuer: iss,
		Verifier: verifier.Options{Trust: []verifier.TrustSource{verifier.RegistrySource{Registry: s}}},
		Logger:   slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	if err != nil {
		panic(err)
	}
	if err := srv.CheckProfiles(); err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		panic(err)
	}
	if err := srv.Serve(ctx, ln); err != nil {
		panic(err)
	}
}
