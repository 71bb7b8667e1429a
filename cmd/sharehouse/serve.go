package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/pgwire"
	"github.com/sharehouse/sharehouse/storage"
)

const (
	// superuserName is the tenant created on the first start.
	superuserName = "admin"
	// envAdminPassword chooses the superuser's password on the first start.
	// A secret comes from the environment, never from a flag (it would show
	// in ps and shell history).
	envAdminPassword = "SHAREHOUSE_ADMIN_PASSWORD"
	// shutdownTimeout bounds a graceful shutdown; sessions still running
	// after it are cut.
	shutdownTimeout = 10 * time.Second
	// httpIdleTimeout closes keep-alive HTTP connections left idle.
	httpIdleTimeout = 60 * time.Second
)

// serveOptions are the flags of `sharehouse serve`.
type serveOptions struct {
	dataDir  string
	listen   string
	httpAddr string
	demo     bool
	tlsCert  string
	tlsKey   string
	// tlsRequired refuses plain-text sessions.
	tlsRequired bool
	logLevel    string
	// publicURL is the base of activation links; "" means the --http
	// listener as bound. publicPgAddr is the pgwire address written into
	// credentials; "" means the --listen listener as bound.
	publicURL          string
	publicPgAddr       string
	tokenLifetime      time.Duration
	activationLifetime time.Duration
	// cacheSize bounds the decoded columns kept in memory; "" is a quarter
	// of memory.
	cacheSize string
	// queryMemory bounds what one query holds (sorts, joins, aggregates,
	// the values it builds); "" is executor.DefaultQueryMemoryLimit.
	queryMemory string
	// debugAddr serves Go's profiler (net/http/pprof); "" disables it.
	debugAddr string
	// Connection slots: see pgwire.Config.
	maxConnections      int
	reservedConnections int
	authTimeout         time.Duration
	authDelay           time.Duration
}

func defaultServeOptions() *serveOptions {
	return &serveOptions{
		dataDir:  "./sharehouse-data",
		listen:   "127.0.0.1:5433",
		httpAddr: "127.0.0.1:8433",
		logLevel: "info",

		tokenLifetime:      catalog.DefaultTokenLifetime,
		activationLifetime: catalog.DefaultActivationLifetime,

		maxConnections:      pgwire.DefaultConfig().MaxConnections,
		reservedConnections: pgwire.DefaultConfig().ReservedConnections,
		authTimeout:         pgwire.DefaultConfig().StartupTimeout,
		authDelay:           pgwire.DefaultConfig().MaxAuthDelay,
	}
}

// AddFlags registers the options on fs.
func (o *serveOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.dataDir, "data", o.dataDir, "data directory (created if missing)")
	fs.StringVar(&o.listen, "listen", o.listen, "address of the PostgreSQL protocol listener")
	fs.StringVar(&o.httpAddr, "http", o.httpAddr, `address of the HTTP listener (/healthz, /activate/CODE); "" disables it`)
	fs.BoolVar(&o.demo, "demo", o.demo, "on an empty data directory, load the demo databases gold and silver")
	fs.StringVar(&o.tlsCert, "tls-cert", o.tlsCert, "PEM certificate file; enables TLS with --tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", o.tlsKey, "PEM private key file of --tls-cert")
	fs.BoolVar(&o.tlsRequired, "tls-required", o.tlsRequired, "refuse sessions that do not use TLS (needs --tls-cert), as a hostssl-only pg_hba.conf does")
	fs.StringVar(&o.logLevel, "log-level", o.logLevel, "debug, info, warn or error")
	fs.StringVar(&o.publicURL, "public-url", o.publicURL,
		"base URL of activation links as recipients reach the HTTP listener, e.g. https://share.example.com (default http://<--http address>, https:// with --tls-cert)")
	fs.StringVar(&o.publicPgAddr, "public-pg-addr", o.publicPgAddr,
		"host:port of the PostgreSQL protocol listener as recipients reach it, written into their credentials (default the --listen address)")
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", o.tokenLifetime, "how long a recipient's bearer token is valid after activation (default 90 days)")
	fs.StringVar(&o.debugAddr, "debug-addr", o.debugAddr, `address of a listener serving Go's profiler at /debug/pprof/ (for operators; "" disables it)`)
	fs.StringVar(&o.cacheSize, "cache-size", o.cacheSize, "memory for decoded columns of tables, e.g. 4GB or 0 for none (default a quarter of memory)")
	fs.StringVar(&o.queryMemory, "query-memory", o.queryMemory, "memory one query may hold (its sorts, joins, aggregates and the values it builds), e.g. 1GB; past it the query fails with 53200 (default 4GiB)")
	fs.DurationVar(&o.activationLifetime, "activation-lifetime", o.activationLifetime, "how long an activation link can be used (default 7 days)")
	fs.IntVar(&o.maxConnections, "max-connections", o.maxConnections,
		"most concurrent sessions (max_connections); as many more may be in startup. A token recipient without its own CONNECTION LIMIT may hold a quarter of them")
	fs.IntVar(&o.reservedConnections, "superuser-reserved-connections", o.reservedConnections,
		"of --max-connections, the slots only superusers may use (superuser_reserved_connections)")
	fs.DurationVar(&o.authTimeout, "authentication-timeout", o.authTimeout,
		"how long a client may take to log in before it is disconnected (authentication_timeout)")
	fs.DurationVar(&o.authDelay, "auth-failure-delay", o.authDelay,
		"longest wait before a failed login is answered; the wait doubles from 100ms with each failure for the user or from the client address (0 disables it)")
}

// Validate checks the options that can be checked without touching the disk.
func (o *serveOptions) Validate() error {
	if o.dataDir == "" {
		return errors.New("--data must not be empty")
	}
	if o.listen == "" {
		return errors.New("--listen must not be empty")
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if o.tlsRequired && o.tlsCert == "" {
		return errors.New("--tls-required needs --tls-cert and --tls-key")
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		return err
	}
	if o.tokenLifetime <= 0 {
		return errors.New("--token-lifetime must be positive")
	}
	if o.activationLifetime <= 0 {
		return errors.New("--activation-lifetime must be positive")
	}
	if o.maxConnections < 1 {
		return errors.New("--max-connections must be at least 1")
	}
	if o.reservedConnections < 0 || o.reservedConnections >= o.maxConnections {
		return fmt.Errorf("--superuser-reserved-connections (%d) must be at least 0 and less than --max-connections (%d)",
			o.reservedConnections, o.maxConnections)
	}
	if o.authTimeout <= 0 {
		return errors.New("--authentication-timeout must be positive")
	}
	if o.authDelay < 0 {
		return errors.New("--auth-failure-delay must not be negative")
	}
	if _, err := cacheBytes(o.cacheSize, fallbackMemory); err != nil {
		return err
	}
	if _, err := queryMemoryBytes(o.queryMemory); err != nil {
		return err
	}
	if o.publicURL != "" {
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url %q: want http(s)://host[:port][/path]", o.publicURL)
		}
		if o.tlsCert != "" && u.Scheme != "https" {
			return fmt.Errorf("--public-url %q: with --tls-cert the activation endpoint speaks HTTPS; want https://", o.publicURL)
		}
	}
	if o.publicPgAddr != "" {
		if host, port, err := net.SplitHostPort(o.publicPgAddr); err != nil || host == "" || port == "" {
			return fmt.Errorf("--public-pg-addr %q: want host:port", o.publicPgAddr)
		}
	}
	return nil
}

func newServeCmd(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	o := defaultServeOptions()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server",
		Long: `Run the server: PostgreSQL protocol on --listen, HTTP on --http.

On the first start on an empty data directory the superuser "admin" is
created with the password in $` + envAdminPassword + `; when that is unset a
random password is generated and printed once, with a psql command line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return runServe(cmd.Context(), o, stdout, stderr, getenv)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// runServe wires the packages and serves until ctx is cancelled (SIGINT or
// SIGTERM), then shuts down gracefully.
func runServe(ctx context.Context, o *serveOptions, stdout, stderr io.Writer, getenv func(string) string) (err error) {
	level, err := parseLevel(o.logLevel)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	memTotal := totalMemory()
	tuneGC(getenv, memTotal)
	cacheSize, err := cacheBytes(o.cacheSize, memTotal)
	if err != nil {
		return err
	}
	queryMemory, err := queryMemoryBytes(o.queryMemory)
	if err != nil {
		return err
	}

	var tlsConfig *tls.Config
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	storeOpts := storage.DefaultOptions()
	storeOpts.Logger = log
	storeOpts.CacheBytes = cacheSize
	store, err := storage.Open(o.dataDir, storeOpts)
	if err != nil {
		return fmt.Errorf("open data directory %s: %w", o.dataDir, err)
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close data directory: %w", cerr)
		}
	}()
	cat, err := catalog.Open(ctx, store, catalog.Config{Logger: log,
		TokenLifetime: o.tokenLifetime, ActivationLifetime: o.activationLifetime})
	if err != nil {
		return fmt.Errorf("open catalog: %w", err)
	}
	// Runs before the store closes (defers run last in, first out): the
	// audit events still queued are written.
	defer func() {
		if cerr := cat.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close catalog: %w", cerr)
		}
	}()

	password, generated := getenv(envAdminPassword), false
	if password == "" {
		if password, err = randomPassword(); err != nil {
			return err
		}
		generated = true
	}
	created, err := cat.EnsureSuperuser(ctx, superuserName, password)
	if err != nil {
		return fmt.Errorf("create superuser: %w", err)
	}
	if created {
		log.Info("created superuser", "user", superuserName)
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	var httpLn net.Listener
	if o.httpAddr != "" {
		if httpLn, err = net.Listen("tcp", o.httpAddr); err != nil {
			return err
		}
		defer httpLn.Close()
	}

	if o.debugAddr != "" {
		dln, err := net.Listen("tcp", o.debugAddr)
		if err != nil {
			return err
		}
		defer dln.Close() // ends serveDebug
		go serveDebug(dln)
	}

	// The listeners are bound before the engine exists: with port 0 the
	// addresses written into activation links and credentials are only
	// known now. Clients that connect meanwhile wait in the backlog.
	publicURL, pgAddr := publicAddrs(o, ln.Addr(), httpLn)
	eng := executor.New(executor.Config{Catalog: cat, Logger: log, PublicURL: publicURL, QueryMemoryLimit: queryMemory,
		RecipientConnLimit: recipientConnLimit(o.maxConnections)})
	if o.demo {
		if created {
			if err := loadDemo(ctx, eng, log); err != nil {
				return fmt.Errorf("load demo: %w", err)
			}
		} else {
			log.Info("demo not loaded: the data directory is not empty")
		}
	}

	srv := pgwire.NewServer(pgwire.Config{TLS: tlsConfig, RequireTLS: o.tlsRequired, Logger: log,
		MaxConnections: o.maxConnections, ReservedConnections: o.reservedConnections, StartupTimeout: o.authTimeout,
		MaxAuthDelay: authDelay(o.authDelay)},
		pgwire.ForExecutor(eng))
	ep, err := newShareEndpoint(pgAddr, tlsConfig)
	if err != nil {
		return err
	}
	// net/http's accept loop backs off on EMFILE by itself; IdleTimeout
	// keeps idle keep-alive connections from holding descriptors forever.
	httpSrv := &http.Server{Handler: httpHandler(log, cat, ep), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: httpIdleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	// serveCtx is not ctx: a signal must lead to Shutdown, which lets
	// sessions end cleanly, not to an abrupt cancellation of all of them.
	serveCtx, cancelServe := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelServe()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(serveCtx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
			errc <- fmt.Errorf("pgwire: %w", err)
		}
	}()
	if httpLn != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serveHTTP(httpSrv, httpLn, tlsConfig); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http: %w", err)
			}
		}()
	}

	// The e2e tests and scripts read the bound addresses from this line
	// (with --listen 127.0.0.1:0 the port is only known here).
	attrs := []any{"addr", ln.Addr().String()}
	if httpLn != nil {
		attrs = append(attrs, "http", httpLn.Addr().String())
	}
	attrs = append(attrs, "data", o.dataDir, "tls", tlsConfig != nil, "version", version)
	if created && generated {
		printFirstStart(stdout, password, ln.Addr())
	}
	log.Info("listening", attrs...)

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "cause", context.Cause(ctx))
	case serveErr = <-errc:
		log.Error("server failed, shutting down", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("pgwire shutdown", "err", err)
	}
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	cancelServe()
	wg.Wait()
	log.Info("stopped")
	return serveErr
}

// publicAddrs returns the base of activation links and the pgwire address
// written into credentials: the flags when set, else the bound listeners.
// A wildcard listener (0.0.0.0, ::) is not an address a partner can use:
// the host of --public-url stands in for it, else loopback.
func publicAddrs(o *serveOptions, pgLn net.Addr, httpLn net.Listener) (publicURL, pgAddr string) {
	publicURL = strings.TrimRight(o.publicURL, "/")
	publicHost := ""
	if u, err := url.Parse(publicURL); err == nil && publicURL != "" {
		publicHost = u.Hostname()
	}
	reachable := func(a net.Addr) string {
		ta, ok := a.(*net.TCPAddr)
		if !ok {
			return a.String()
		}
		host := ta.IP.String()
		if ta.IP.IsUnspecified() {
			host = "127.0.0.1"
			if publicHost != "" {
				host = publicHost
			}
		}
		return net.JoinHostPort(host, fmt.Sprint(ta.Port))
	}
	if publicURL == "" && httpLn != nil {
		scheme := "http://"
		if o.tlsCert != "" {
			scheme = "https://" // serveHTTP speaks TLS
		}
		publicURL = scheme + reachable(httpLn.Addr())
	}
	pgAddr = o.publicPgAddr
	if pgAddr == "" {
		pgAddr = reachable(pgLn)
	}
	return publicURL, pgAddr
}

// recipientConnLimit is the connection limit of a token recipient without
// one of its own: a quarter of the slots, so that one partner cannot starve
// the others, the tenants and the admin.
func recipientConnLimit(maxConnections int) int { return max(1, maxConnections/4) }

// authDelay maps --auth-failure-delay to pgwire's MaxAuthDelay, where 0
// is the default and a negative value none.
func authDelay(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// randomPassword returns 144 random bits in URL-safe base64, so that it can
// be pasted into a connection URL as is.
func randomPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// printFirstStart shows a generated superuser password, once: it is stored
// only as a SCRAM verifier, so it cannot be shown again.
func printFirstStart(w io.Writer, password string, addr net.Addr) {
	host, port := "127.0.0.1", "5433"
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(ta.Port)
		if !ta.IP.IsUnspecified() {
			host = ta.IP.String()
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nCreated the superuser %q with a generated password (shown only this once;\n", superuserName)
	fmt.Fprintf(&b, "set %s before the first start to choose it):\n\n", envAdminPassword)
	fmt.Fprintf(&b, "    password: %s\n", password)
	fmt.Fprintf(&b, "    psql \"postgres://%s:%s@%s/postgres\"\n\n", superuserName, password, net.JoinHostPort(host, port))
	io.WriteString(w, b.String())
}

// serverGCPercent is the garbage collector's target unless GOGC says
// otherwise. The server's live heap is small (catalog, sessions) and a
// query's batches are short-lived, so at Go's default of 100 the collector
// runs many times per analytic query; at 400 it costs about a sixth less
// CPU per scan (go test -bench BenchmarkQueries ./executor, cpu-ms/op).
// What a query holds is bounded by the per-query memory limit, not by GC.
const serverGCPercent = 400
