package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// activateOptions are the flags of `sharehouse activate`.
type activateOptions struct {
	output  string // file to write; "-" for stdout; "" for <user>.share.json
	force   bool   // overwrite an existing -o file
	timeout time.Duration
	// caCert is a PEM file of certificates to trust for an https://
	// link, e.g. a self-signed server's certificate the provider handed
	// over with the link; "" trusts the system's roots.
	caCert string
}

func defaultActivateOptions() *activateOptions {
	return &activateOptions{timeout: 30 * time.Second}
}

// AddFlags registers the options on fs.
func (o *activateOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.output, "output", "o", o.output, `file to save the credential in ("-" for stdout; default <user>.share.json)`)
	fs.BoolVar(&o.force, "force", o.force, "overwrite the -o file if it exists")
	fs.DurationVar(&o.timeout, "timeout", o.timeout, "how long to wait for the server")
	fs.StringVar(&o.caCert, "ca-cert", o.caCert, "PEM file of the certificate (or its CA) to trust for an https:// link (default the system's roots)")
}

// Validate checks the options.
func (o *activateOptions) Validate() error {
	if o.timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	return nil
}

func newActivateCmd(stdout, stderr io.Writer) *cobra.Command {
	o := defaultActivateOptions()
	cmd := &cobra.Command{
		Use:   "activate LINK",
		Short: "Redeem an activation link and save the credential",
		Long: `Redeem a recipient's activation link (it works once) and save the
credential it hands out: JSON with the endpoint, the user, the bearer token
and its expiry, written with mode 0600 to <user>.share.json in the current
directory, or to -o FILE ("-" prints it). When the server's certificate has
a root of the provider's own, it is saved beside the file (FILE without
.json, plus .crt) and the connection string's sslrootcert names it.

Then connect with:  sharehouse connect FILE SHARE`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return runActivate(cmd.Context(), o, args[0], stdout, stderr)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// parseActivationLink checks that link looks like one of ours and returns
// it with the code redacted, for messages.
func parseActivationLink(link string) (u *url.URL, redacted string, err error) {
	u, err = url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", errors.New("LINK must be an http:// or https:// activation link")
	}
	i := strings.LastIndex(u.Path, activatePrefix)
	if i < 0 || len(u.Path) == i+len(activatePrefix) {
		return nil, "", fmt.Errorf("LINK must end in %sCODE", activatePrefix)
	}
	r := *u
	r.Path = u.Path[:i] + activatePrefix + "REDACTED"
	r.RawPath, r.RawQuery = "", ""
	return u, r.String(), nil
}

func runActivate(ctx context.Context, o *activateOptions, link string, stdout, stderr io.Writer) error {
	u, redacted, err := parseActivationLink(link)
	if err != nil {
		return err
	}
	// A link works once: refuse before redeeming it when the credential
	// could not be saved.
	if o.output != "" && o.output != "-" && !o.force {
		if _, err := os.Lstat(o.output); err == nil {
			return fmt.Errorf("%s exists; choose another -o FILE or add --force (the link was not used)", o.output)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "sharehouse/"+version)
	client, err := activationClient(o.caCert)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error quotes the URL, code included; say it without.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("GET %s: %w", redacted, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", redacted, err)
	}
	if resp.StatusCode != http.StatusOK {
		var he httpError
		if json.Unmarshal(body, &he) == nil && he.Message != "" {
			return fmt.Errorf("activation refused (%s): %s", resp.Status, he.Message)
		}
		return fmt.Errorf("activation refused: GET %s: %s", redacted, resp.Status)
	}
	cred, err := parseShareCredential(body)
	if err != nil {
		return fmt.Errorf("GET %s: the answer is not a credential: %w", redacted, err)
	}

	// From here on the link is used: whatever happens, the credential
	// must end up somewhere.
	data, _ := json.MarshalIndent(cred, "", "  ")
	data = append(data, '\n')
	if o.output == "-" {
		_, err := stdout.Write(data)
		return err
	}
	path, err := saveCredential(o, cred.User, data)
	if err != nil {
		// The only copy: print it rather than lose it.
		fmt.Fprintf(stderr, "could not save the credential (%v); here it is, keep it safe:\n", err)
		stdout.Write(data)
		return err
	}
	if cred.SSLRootCert != "" {
		if err := saveRootCert(path, cred); err != nil {
			fmt.Fprintf(stderr, "warning: could not save the server's certificate root (%v); save sslRootCert of %s where the connection string's sslrootcert says\n", err, path)
		}
	}
	expiry := ""
	if t, _ := cred.expires(); !t.IsZero() {
		expiry = fmt.Sprintf(" (token valid until %s)", t.Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "Saved the credential of %s to %s%s.\nConnect with:  sharehouse connect %s SHARE\n",
		cred.User, path, expiry, shellQuote(path))
	return nil
}

// saveCredential writes data to the -o file, or to a new file named after
// user (never overwriting one: user.share.json, user.share.2.json, …).
func saveCredential(o *activateOptions, user string, data []byte) (string, error) {
	if o.output != "" {
		return o.output, writeSecretFile(o.output, data, o.force)
	}
	base := credentialFileName(user)
	for i := 1; i < 100; i++ {
		path := base
		if i > 1 {
			path = strings.TrimSuffix(base, ".share.json") + fmt.Sprintf(".share.%d.json", i)
		}
		err := writeSecretFile(path, data, false)
		if !errors.Is(err, fs.ErrExist) {
			return path, err
		}
	}
	return "", fmt.Errorf("%s and 98 numbered variants exist", base)
}

// writeSecretFile writes a file only its owner can read, durably.
func writeSecretFile(path string, data []byte, overwrite bool) (err error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// An overwritten file keeps its old mode: narrow it.
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if abs, err := filepath.Abs(path); err == nil {
		syncDir(filepath.Dir(abs))
	}
	return nil
}

// syncDir makes a new directory entry durable; best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./=:@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// activationClient is the HTTP client that redeems a link: the default
// one, or one trusting only the certificates in caFile.
func activationClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		return http.DefaultClient, nil
	}
	data, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("--ca-cert %s: no PEM certificate in it", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// saveRootCert writes cred's SSLRootCert beside the credential saved at
// credPath and rewrites that file so that its connection string's
// sslrootcert names the certificate by its absolute path: libpq and pgx
// read the root from a file, relative to where they run.
func saveRootCert(credPath string, cred shareCredential) error {
	certPath, err := filepath.Abs(strings.TrimSuffix(credPath, ".json") + ".crt")
	if err != nil {
		return err
	}
	if err := writeSecretFile(certPath, []byte(cred.SSLRootCert), true); err != nil {
		return err
	}
	cred, err = cred.withRootCertFile(certPath)
	if err != nil {
		return err
	}
	data, _ := json.MarshalIndent(cred, "", "  ")
	return writeSecretFile(credPath, append(data, '\n'), true)
}
