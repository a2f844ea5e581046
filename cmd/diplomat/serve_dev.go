package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/server"
	"github.com/diplomat-edu/diplomat/templates"
)

// devInstance is what serve --dev sets up: demo's throw-away store, named
// after the address it serves on, trusting itself, with the demo
// credentials and an admin token.
type devInstance struct {
	dir     string
	store   *keys.Store
	iss     *issuer.Issuer
	samples []server.Sample
	token   string
	tlsSum  string
	tlsFile string // the self-signed certificate, PEM, in dir
	skipped int
}

// startDev creates the development instance for cfg (whose Listen is the
// address actually listened on); with --tls it makes a self-signed
// certificate and sets *tlsConf.
func (o *serveOptions) startDev(ctx context.Context, a *app, cfg *server.Config, tlsConf **tls.Config) (*devInstance, error) {
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, err
	}
	tlsSum := ""
	var tlsDER []byte
	if o.devTLS && *tlsConf == nil {
		c, sum, err := selfSignedCertificate(host)
		if err != nil {
			return nil, err
		}
		*tlsConf = &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
		cfg.TLS = server.TLSConfig{}
		tlsSum, tlsDER = sum, c.Certificate[0]
	}
	if cfg.PublicURL == "" {
		scheme := "http"
		if *tlsConf != nil {
			scheme = "https"
		}
		cfg.PublicURL = scheme + "://" + cfg.Listen
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	dir, err := os.MkdirTemp("", "diplomat-dev-")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary folder: %v", err)
	}
	d := &devInstance{dir: dir, tlsSum: tlsSum}
	ok := false
	defer func() {
		if !ok {
			d.close()
		}
	}()
	if tlsDER != nil {
		// What a client trusts (curl --cacert, a browser's import): the
		// certificate only, never its key.
		d.tlsFile = filepath.Join(dir, "tls-certificate.pem")
		if err := os.WriteFile(d.tlsFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsDER}), 0o644); err != nil {
			return nil, fmt.Errorf("writing the TLS certificate: %v", err)
		}
	}
	webDID := "did:web:" + strings.ReplaceAll(net.JoinHostPort(host, port), ":", "%3A")
	if strings.Contains(host, ":") { // an IPv6 literal cannot be a did:web host
		webDID = "did:web:localhost%3A" + port
	}
	if d.store, _, err = demoStore(filepath.Join(dir, "home", keys.DefaultFile), webDID, cfg.PublicURL+"/status"); err != nil {
		return nil, err
	}
	if o.contexts != "" {
		if _, err := jsonld.Import(o.contexts, d.store); err != nil {
			return nil, err
		}
	}
	if err := devTrustItself(d.store); err != nil {
		return nil, err
	}
	if d.iss, err = issuer.New(d.store, nil); err != nil {
		return nil, err
	}
	err = demoIssue(ctx, d.iss, func(t *templates.Template, p issuer.Profile, out *issuer.Issued, err error) error {
		if errors.Is(err, jsonld.ErrUnknownContext) {
			d.skipped++
			return nil
		}
		if err != nil {
			return fmt.Errorf("issuing the demo %s as %s: %w", t.Name(), p, err)
		}
		d.samples = append(d.samples, server.Sample{Name: demoFileName(t, p) + out.Ext, Title: t.Title() + " (" + p.String() + ")", Data: out.Credential})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := devVerifierCertificate(d.store, host); err != nil {
		return nil, fmt.Errorf("making the TEST request-signing certificate: %w", err)
	}
	if d.token, _, err = d.store.CreateToken("dev-admin", []string{keys.ScopeAdmin}, time.Now().Add(24*time.Hour)); err != nil {
		return nil, err
	}
	ok = true
	return d, nil
}

// devTrustItself puts the instance in its own trust registry beyond the
// did:web entry demoStore adds: the did:key of each key (for VC-API
// credentials issued as a did:key) and its TEST eSeal.
func devTrustItself(s *keys.Store) error {
	const name = "Université Exemple (development instance)"
	ks, err := s.Keys()
	if err != nil {
		return err
	}
	for _, k := range ks {
		if len(k.Chain) > 0 {
			cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Chain[0].Raw}))
			if _, err := s.AddTrust(keys.TrustEntry{Certificate: cert, Name: name, Country: "FR"}); err != nil {
				return err
			}
			continue
		}
		if keyDID, err := k.KeyDID(); err == nil {
			if _, err := s.AddTrust(keys.TrustEntry{DID: keyDID, Name: name, Country: "FR"}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *devInstance) printIntro(a *app) {
	w := a.stdout
	fmt.Fprintf(w, "\ndevelopment instance: throw-away store %s (removed on exit), TEST keys and eSeal\n", d.store.Path())
	fmt.Fprintf(w, "  admin token (console sign-in, API): %s\n", d.token)
	fmt.Fprintf(w, "  %d demo credentials to try on the page", len(d.samples))
	if d.skipped > 0 {
		fmt.Fprintf(w, " (%d Data Integrity ones skipped: add --contexts ../shared/reference/contexts)", d.skipped)
	}
	fmt.Fprintln(w)
	if d.tlsSum != "" {
		fmt.Fprintf(w, "  self-signed TLS certificate %s (SHA-256 %s): trust it with curl --cacert FILE, or import it\n", d.tlsFile, d.tlsSum)
	} else {
		fmt.Fprintln(w, "  phone wallets need https: add --tls (or a TLS proxy and --public-url)")
	}
	fmt.Fprintln(w, "  presentation requests are signed by a TEST CA (/certificates/verifier.pem): wallets show them as untrusted")
	fmt.Fprintln(w, "stop with Ctrl-C")
}

func (d *devInstance) close() {
	if d.store != nil {
		d.store.Close()
	}
	os.RemoveAll(d.dir)
}

// devVerifierCertificate gives the development instance what signs its
// OpenID4VP requests (client identifier prefix x509_hash): a TEST CA and a
// P-256 key certified by it for host, localhost and 127.0.0.1, imported as
// key "verifier" (HAIP does not accept a self-signed request certificate).
// Wallets trust the CA, /certificates/verifier.pem, only if told to.
func devVerifierCertificate(s *keys.Store, host string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Diplomat development CA (TEST)", OrganizationalUnit: []string{keys.TestSealMarker}},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(30 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Diplomat development verifier (TEST)", OrganizationalUnit: []string{keys.TestSealMarker}},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(30 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
		leaf.IPAddresses = append(leaf.IPAddresses, ip)
	} else if ip == nil && host != "localhost" && host != "" {
		leaf.DNSNames = append(leaf.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	_, err = s.ImportPEM("verifier", chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	return err
}

// selfSignedCertificate makes a P-256 certificate for host, localhost,
// 127.0.0.1 and ::1, valid 30 days, and returns it with its SHA-256.
func selfSignedCertificate(host string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "diplomat serve --dev"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	} else if ip == nil && host != "localhost" && host != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, hex.EncodeToString(sum[:]), nil
}
